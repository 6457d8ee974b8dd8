// ACK's RRSA (issue 27): a RAM role assumed with the pod's OIDC token through STS
// AssumeRoleWithOIDC, as the SDK calls it (swas-api.md, "OIDC/RRSA"): unsigned, the action in
// the query, the role, provider, token and session in a form body; the token file read again at
// each refresh; the default chain takes it when all three variables are set.
#include "daemon/api/oidc_credentials.h"

#include <gtest/gtest.h>

#include <map>

#include "daemon/core/credentials_settings.h"
#include "daemon/core/time.h"
#include "daemon/util/percent_encoding.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_http.h"
#include "tests/support/sim_process.h"

namespace swas::api {
namespace {

using namespace std::chrono;

util::EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string param(const std::string& encoded, const std::string& key) {
  for (const auto& [k, v] : util::parseQuery(encoded).value_or(util::Params{})) {
    if (k == key) return v;
  }
  return "";
}

class OidcTest : public ::testing::Test {
 protected:
  std::string stsAnswer(system_clock::time_point expires, const std::string& id = "STS.a1") {
    return R"({"RequestId":"r","AssumedRoleUser":{"Arn":"acs:ram::1:role/mon/s"},)"
           R"("Credentials":{"SecurityToken":"tok-)" +
           id + R"(","Expiration":")" + core::formatIso8601(expires) +
           R"(","AccessKeySecret":"sec","AccessKeyId":")" + id + R"("}})";
  }
  OidcRoleProvider::Options options() {
    OidcRoleProvider::Options o;
    o.role_arn = "acs:ram::1:role/monitor";
    o.provider_arn = "acs:ram::1:oidc-provider/ack-rrsa-c1";
    o.token_file = token_file_;
    o.sts_endpoint = "https://sts.example/";
    return o;
  }
  std::optional<CredentialsResult> get(CredentialsProvider& p) {
    std::optional<CredentialsResult> out;
    p.get([&](CredentialsResult r) { out = std::move(r); });
    return out;
  }
  std::string token_file_ = testing::writeTempFile("oidc/token", "eyJhbGciOi.first.sig\n");
  testing::FakeHttp http_;
  testing::FakeClock clock_;
};

TEST_F(OidcTest, AssumesTheRoleWithTheTokenAsTheSdkDoes) {
  http_.script.push_back({200, {}, stsAnswer(clock_.now() + hours(1))});
  OidcRoleProvider provider(http_, clock_, options());
  auto got = get(provider);
  ASSERT_TRUE(got && *got) << (got ? got->error().message : "no answer");
  EXPECT_EQ((*got)->access_key_id, "STS.a1");
  EXPECT_EQ((*got)->access_key_secret, "sec");
  EXPECT_EQ((*got)->security_token, "tok-STS.a1");
  EXPECT_EQ(provider.source(), "oidc_role_arn");
  ASSERT_EQ(http_.requests.size(), 1u);
  const http::HttpRequest& r = http_.requests[0];
  EXPECT_EQ(r.method, "POST");
  ASSERT_TRUE(r.url.starts_with("https://sts.example/?")) << r.url;
  std::string query = r.url.substr(r.url.find('?') + 1);
  EXPECT_EQ(param(query, "Action"), "AssumeRoleWithOIDC");
  EXPECT_EQ(param(query, "Version"), "2015-04-01");
  EXPECT_EQ(param(query, "Format"), "JSON");
  EXPECT_TRUE(core::parseApiTime(param(query, "Timestamp"))) << query;
  EXPECT_EQ(param(r.body, "OIDCToken"), "eyJhbGciOi.first.sig");
  EXPECT_EQ(param(r.body, "OIDCProviderArn"), "acs:ram::1:oidc-provider/ack-rrsa-c1");
  EXPECT_EQ(param(r.body, "RoleArn"), "acs:ram::1:role/monitor");
  EXPECT_EQ(param(r.body, "RoleSessionName"), "swas-invocation-monitor");
  EXPECT_EQ(param(r.body, "DurationSeconds"), "3600");
  for (const auto& [name, value] : r.headers) {
    EXPECT_NE(name, "Authorization") << "unsigned: the token is the proof";
    if (name == "Content-Type") {
      EXPECT_EQ(value, "application/x-www-form-urlencoded");
    }
  }
}

// Kubernetes rotates the projected token: each refresh reads the file again, 15 minutes before
// the credentials expire; until then they are served as they are.
TEST_F(OidcTest, RefreshesBeforeExpiryWithTheTokenReadAgain) {
  http_.script.push_back({200, {}, stsAnswer(clock_.now() + hours(1), "STS.a1")});
  OidcRoleProvider provider(http_, clock_, options());
  ASSERT_TRUE(*get(provider));
  clock_.advance(minutes(40));
  ASSERT_TRUE(*get(provider));
  EXPECT_EQ(http_.requests.size(), 1u) << "fresh for 45 minutes";
  testing::writeTempFile("oidc/token", "eyJhbGciOi.second.sig\n");
  http_.script.push_back({200, {}, stsAnswer(clock_.now() + hours(1), "STS.a2")});
  clock_.advance(minutes(6));
  auto got = get(provider);
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->access_key_id, "STS.a2");
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(param(http_.requests[1].body, "OIDCToken"), "eyJhbGciOi.second.sig");
}

// What STS says when it refuses reaches the log, the token never does; a failed refresh keeps
// the credentials while they last.
TEST_F(OidcTest, ARefusalSaysWhyAndNeverShowsTheToken) {
  OidcRoleProvider provider(http_, clock_, options());
  http_.script.push_back(
      {400, {}, R"({"Code":"AuthenticationFail.OIDCToken.Invalid","Message":"bad token"})"});
  auto got = get(provider);
  ASSERT_TRUE(got && !*got);
  EXPECT_EQ(got->error().kind, core::ErrorKind::kCredentials);
  EXPECT_NE(got->error().message.find("AuthenticationFail.OIDCToken.Invalid: bad token"),
            std::string::npos)
      << got->error().message;
  EXPECT_EQ(got->error().message.find("eyJhbGciOi"), std::string::npos);
  EXPECT_EQ(provider.refreshFailures(), 1u);

  OidcRoleProvider kept(http_, clock_, options());
  http_.script.push_back({200, {}, stsAnswer(clock_.now() + hours(1))});
  ASSERT_TRUE(*get(kept));
  clock_.advance(minutes(50));
  http_.script.push_back({200, {}, R"({"RequestId":"r","Credentials":{"AccessKeyId":"x"}})"});
  auto old = get(kept);
  ASSERT_TRUE(old && *old) << "the old credentials, 10 minutes before they expire";
  EXPECT_EQ((*old)->access_key_id, "STS.a1");
  EXPECT_EQ(kept.refreshFailures(), 1u);
}

// A refusal that quotes the token has it starred out; with nothing to serve, a failed fetch is
// not tried again within the holdoff (STS is rate-limited; every region would ask).
TEST_F(OidcTest, ARefusalQuotingTheTokenIsStarredAndNotRetriedWithinTheHoldoff) {
  OidcRoleProvider provider(http_, clock_, options());
  http_.script.push_back(
      {400,
       {},
       R"({"Code":"AuthenticationFail.OIDCToken.Invalid","Message":"eyJhbGciOi.first.sig is bad"})"});
  auto got = get(provider);
  ASSERT_TRUE(got && !*got);
  EXPECT_NE(got->error().message.find("*** is bad"), std::string::npos) << got->error().message;
  EXPECT_EQ(got->error().message.find("eyJhbGciOi"), std::string::npos);
  clock_.advance(seconds(30));
  auto again = get(provider);
  ASSERT_TRUE(again && !*again);
  EXPECT_EQ(http_.requests.size(), 1u) << "within the holdoff: the same error, STS not asked";
  clock_.advance(seconds(31));
  http_.script.push_back({200, {}, stsAnswer(clock_.now() + hours(1))});
  auto later = get(provider);
  ASSERT_TRUE(later && *later);
  EXPECT_EQ(http_.requests.size(), 2u);
}

// The configuration's STS endpoint and session name come before the environment's.
TEST_F(OidcTest, TheConfiguredEndpointAndSessionNameComeFirst) {
  std::map<std::string, std::string> rrsa = {
      {"ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/monitor"},
      {"ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1:oidc-provider/ack-rrsa-c1"},
      {"ALIBABA_CLOUD_OIDC_TOKEN_FILE", token_file_},
      {"ALIBABA_CLOUD_ROLE_SESSION_NAME", "from-env"},
      {"ALIBABA_CLOUD_STS_REGION", "cn-hangzhou"}};
  core::CredentialsSettings settings{.role_session_name = "from-config",
                                     .sts_endpoint = "http://127.0.0.1:9/"};
  auto made = makeCredentialsProvider(settings, envOf(rrsa), http_, clock_);
  ASSERT_TRUE(made) << made.error();
  http_.script.push_back({200, {}, stsAnswer(clock_.now() + hours(1))});
  ASSERT_TRUE(*get(**made));
  EXPECT_TRUE(http_.requests[0].url.starts_with("http://127.0.0.1:9/?")) << http_.requests[0].url;
  EXPECT_EQ(param(http_.requests[0].body, "RoleSessionName"), "from-config");
}

TEST_F(OidcTest, AnUnreadableTokenFileIsACredentialsError) {
  auto o = options();
  o.token_file = "/nonexistent/token";
  OidcRoleProvider provider(http_, clock_, o);
  auto got = get(provider);
  ASSERT_TRUE(got && !*got);
  EXPECT_NE(got->error().message.find("/nonexistent/token"), std::string::npos);
  EXPECT_TRUE(http_.requests.empty());
}

// The default chain: after the AccessKey variables, RRSA's three (all three, as the SDK), then
// the credentials file and the ECS role; STS's endpoint by ALIBABA_CLOUD_STS_REGION.
TEST_F(OidcTest, TheDefaultChainTakesRrsaWhenAllThreeVariablesAreSet) {
  std::map<std::string, std::string> rrsa = {
      {"ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/monitor"},
      {"ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1:oidc-provider/ack-rrsa-c1"},
      {"ALIBABA_CLOUD_OIDC_TOKEN_FILE", token_file_},
      {"ALIBABA_CLOUD_ROLE_SESSION_NAME", "pod-0"},
      {"ALIBABA_CLOUD_STS_REGION", "cn-hangzhou"},
      {"ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "TRUE"},
      {"ALIBABA_CLOUD_CREDENTIALS_FILE", "/nonexistent"}};
  auto made = makeCredentialsProvider({}, envOf(rrsa), http_, clock_);
  ASSERT_TRUE(made) << made.error();
  EXPECT_EQ((*made)->source(), "oidc_role_arn");
  http_.script.push_back({200, {}, stsAnswer(clock_.now() + hours(1))});
  ASSERT_TRUE(*get(**made));
  EXPECT_TRUE(http_.requests[0].url.starts_with("https://sts-vpc.cn-hangzhou.aliyuncs.com/?"))
      << http_.requests[0].url;
  EXPECT_EQ(param(http_.requests[0].body, "RoleSessionName"), "pod-0");

  auto keys = rrsa;
  keys["ALIBABA_CLOUD_ACCESS_KEY_ID"] = "id";
  keys["ALIBABA_CLOUD_ACCESS_KEY_SECRET"] = "secret";
  EXPECT_EQ((*makeCredentialsProvider({}, envOf(keys), http_, clock_))->source(), "environment");
  auto two = rrsa;
  two.erase("ALIBABA_CLOUD_OIDC_TOKEN_FILE");
  EXPECT_EQ((*makeCredentialsProvider({}, envOf(two), http_, clock_))->source(), "ecs_ram_role");
  core::CredentialsSettings configured{.oidc_role_arn = "acs:ram::1:role/other",
                                       .oidc_provider_arn = "acs:ram::1:oidc-provider/p",
                                       .oidc_token_file = token_file_,
                                       .sts_endpoint = "http://127.0.0.1:1"};
  auto own = makeCredentialsProvider(configured, envOf({}), http_, clock_);
  ASSERT_TRUE(own) << own.error();
  EXPECT_EQ((*own)->source(), "oidc_role_arn");
  EXPECT_EQ(stsEndpoint(envOf({})), "https://sts.aliyuncs.com");
  EXPECT_EQ(stsEndpoint(envOf({{"ALIBABA_CLOUD_STS_REGION", "ap-southeast-1"},
                               {"ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "1"}})),
            "https://sts.ap-southeast-1.aliyuncs.com")
      << "the SDK's VPC switch is \"true\" only";
}

}  // namespace
}  // namespace swas::api
