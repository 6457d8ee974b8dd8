#include "daemon/api/credentials.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "daemon/core/credentials_settings.h"
#include "daemon/core/time.h"
#include "daemon/util/env.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_http.h"
#include "tests/support/sim_process.h"

namespace swas::api {
namespace {

using namespace std::chrono;

using testing::FakeClock;

// Answers by "METHOD path"; records every request.
using testing::FakeHttp;

util::EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

Credentials resolve(CredentialsProvider& provider) {
  std::optional<CredentialsResult> result;
  provider.get([&](CredentialsResult r) { result = std::move(r); });
  EXPECT_TRUE(result.has_value());
  EXPECT_TRUE(*result) << result->error().message;
  return **result;
}

class ChainTest : public ::testing::Test {
 protected:
  std::expected<std::unique_ptr<CredentialsProvider>, std::string> make(
      core::CredentialsSettings settings, std::map<std::string, std::string> env) {
    return makeCredentialsProvider(settings, envOf(std::move(env)), http_, clock_);
  }
  FakeHttp http_;
  FakeClock clock_;
};

TEST_F(ChainTest, ConfigKeysComeFirstAndSecretFilesAreTrimmed) {
  std::string file = testing::writeTempFile("secret", "from-file\n");
  auto p = make({.access_key_id = "cfg", .access_key_secret_file = file},
                {{"ALIBABA_CLOUD_ACCESS_KEY_ID", "env"}, {"ALIBABA_CLOUD_ACCESS_KEY_SECRET", "x"}});
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ((*p)->source(), "config");
  auto c = resolve(**p);
  EXPECT_EQ(c.access_key_id, "cfg");
  EXPECT_EQ(c.access_key_secret, "from-file");
}

TEST_F(ChainTest, HalfConfiguredSourcesAreErrorsWithoutSecrets) {
  auto no_secret = make({.access_key_id = "cfg"}, {});
  ASSERT_FALSE(no_secret);
  EXPECT_NE(no_secret.error().find("access_key_secret"), std::string::npos);
  auto missing_file =
      make({.access_key_id = "cfg", .access_key_secret_file = "/nonexistent/s"}, {});
  ASSERT_FALSE(missing_file);
  EXPECT_NE(missing_file.error().find("/nonexistent/s"), std::string::npos);
  auto half_env = make({}, {{"ALIBABA_CLOUD_ACCESS_KEY_SECRET", "shh-secret"}});
  ASSERT_FALSE(half_env);
  EXPECT_EQ(half_env.error().find("shh-secret"), std::string::npos);
}

TEST_F(ChainTest, EnvironmentWithStsToken) {
  auto p = make({}, {{"ALIBABA_CLOUD_ACCESS_KEY_ID", "id"},
                     {"ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret"},
                     {"ALIBABA_CLOUD_SECURITY_TOKEN", "token"}});
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)->source(), "environment");
  auto c = resolve(**p);
  EXPECT_EQ(c.security_token, "token");
}

TEST_F(ChainTest, CredentialsFileProfiles) {
  std::string file = testing::writeTempFile("credentials", R"(# comment
[default]
type = access_key
access_key_id = default-id
access_key_secret = default-secret

[prod]
type = sts
access_key_id = prod-id
access_key_secret = prod-secret
security_token = prod-token

[role]
type = ecs_ram_role
role_name = MonitorRole

[arn]
type = ram_role_arn
)");
  auto d = make({}, {{"ALIBABA_CLOUD_CREDENTIALS_FILE", file}});
  ASSERT_TRUE(d);
  EXPECT_EQ((*d)->source(), "credentials_file");
  EXPECT_EQ(resolve(**d).access_key_id, "default-id");
  auto prod =
      make({}, {{"ALIBABA_CLOUD_CREDENTIALS_FILE", file}, {"ALIBABA_CLOUD_PROFILE", "prod"}});
  ASSERT_TRUE(prod);
  EXPECT_EQ(resolve(**prod).security_token, "prod-token");
  auto role =
      make({}, {{"ALIBABA_CLOUD_CREDENTIALS_FILE", file}, {"ALIBABA_CLOUD_PROFILE", "role"}});
  ASSERT_TRUE(role);
  EXPECT_EQ((*role)->source(), "ecs_ram_role");
  auto arn = make({}, {{"ALIBABA_CLOUD_CREDENTIALS_FILE", file}, {"ALIBABA_CLOUD_PROFILE", "arn"}});
  ASSERT_FALSE(arn);
  EXPECT_NE(arn.error().find("ram_role_arn"), std::string::npos);
  auto missing =
      make({}, {{"ALIBABA_CLOUD_CREDENTIALS_FILE", file}, {"ALIBABA_CLOUD_PROFILE", "nope"}});
  ASSERT_FALSE(missing);
  // HOME's default location is used when no file variable is set.
  std::string home = testing::writeTempFile("home/.alibabacloud/credentials",
                                            "[default]\naccess_key_id=h\naccess_key_secret=s\n");
  auto via_home = make({}, {{"HOME", home.substr(0, home.find("/.alibabacloud"))}});
  ASSERT_TRUE(via_home);
  EXPECT_EQ(resolve(**via_home).access_key_id, "h");
}

// Many accounts: each account's credentials.profile, whatever the environment says.
TEST_F(ChainTest, AConfiguredProfileIsThatAccountsWhateverTheEnvironment) {
  std::string file =
      testing::writeTempFile("profiles/credentials",
                             "[default]\naccess_key_id=default-id\naccess_key_secret=s\n"
                             "[staging]\naccess_key_id=staging-id\naccess_key_secret=s2\n");
  core::CredentialsSettings staging;
  staging.profile = "staging";
  auto p = make(staging, {{"ALIBABA_CLOUD_CREDENTIALS_FILE", file},
                          {"ALIBABA_CLOUD_PROFILE", "default"},
                          {"ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id"},
                          {"ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"}});
  ASSERT_TRUE(p) << p.error();
  EXPECT_EQ((*p)->source(), "credentials_file");
  EXPECT_EQ(resolve(**p).access_key_id, "staging-id");
  staging.profile = "nope";
  auto missing = make(staging, {{"ALIBABA_CLOUD_CREDENTIALS_FILE", file}});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("has no profile [nope]"), std::string::npos) << missing.error();
  auto no_file = make(staging, {{"HOME", "/nonexistent"}});
  ASSERT_FALSE(no_file);
  EXPECT_NE(no_file.error().find("credentials.profile nope: no credentials file"),
            std::string::npos)
      << no_file.error();
}

TEST_F(ChainTest, FallsBackToTheEcsRamRoleUnlessDisabled) {
  auto p = make({}, {{"HOME", "/nonexistent"}});
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)->source(), "ecs_ram_role");
  auto disabled =
      make({}, {{"HOME", "/nonexistent"}, {"ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"}});
  EXPECT_FALSE(disabled);
}

std::string credentialsJson(const std::string& id, system_clock::time_point expires) {
  std::string iso = core::formatIso8601(expires);
  return R"({"AccessKeyId":")" + id + R"(","AccessKeySecret":"s-)" + id +
         R"(","SecurityToken":"t-)" + id + R"(","Expiration":")" + iso + R"(","Code":"Success"})";
}

class EcsRoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_.answers["PUT /latest/api/token"] = http::HttpResponse{200, {}, "imds-token"};
    http_.answers["GET /latest/meta-data/ram/security-credentials/"] =
        http::HttpResponse{200, {}, "MonitorRole\n"};
    setCredentials("A", clock_.now() + hours(1));
  }
  void setCredentials(const std::string& id, system_clock::time_point expires) {
    http_.answers["GET /latest/meta-data/ram/security-credentials/MonitorRole"] =
        http::HttpResponse{200, {}, credentialsJson(id, expires)};
  }
  CredentialsResult get(EcsRamRoleProvider& p) {
    std::optional<CredentialsResult> result;
    p.get([&](CredentialsResult r) { result = std::move(r); });
    EXPECT_TRUE(result.has_value());
    return std::move(*result);
  }
  FakeHttp http_;
  FakeClock clock_;
};

TEST_F(EcsRoleTest, ImdsV2TokenRoleDiscoveryAndCaching) {
  EcsRamRoleProvider provider(http_, clock_, {.metadata_endpoint = "http://imds"});
  auto c = get(provider);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "A");
  EXPECT_EQ(c->security_token, "t-A");
  ASSERT_EQ(http_.requests.size(), 3u);
  EXPECT_EQ(http_.requests[0].method, "PUT");
  http::HttpResponse view{0, http_.requests[0].headers, ""};
  EXPECT_EQ(view.header("X-aliyun-ecs-metadata-token-ttl-seconds"), "21600");
  http::HttpResponse role_request{0, http_.requests[2].headers, ""};
  EXPECT_EQ(role_request.header("X-aliyun-ecs-metadata-token"), "imds-token");
  clock_.advance(minutes(44));
  EXPECT_EQ(get(provider)->access_key_id, "A");
  EXPECT_EQ(http_.requests.size(), 3u) << "fresh credentials must come from the cache";
}

TEST_F(EcsRoleTest, RefreshesFifteenMinutesBeforeExpiration) {
  EcsRamRoleProvider provider(http_, clock_,
                              {.metadata_endpoint = "http://imds", .role_name = "MonitorRole"});
  ASSERT_TRUE(get(provider));
  size_t before = http_.requests.size();
  setCredentials("B", clock_.now() + hours(2));
  clock_.advance(minutes(46));
  EXPECT_EQ(get(provider)->access_key_id, "B");
  EXPECT_GT(http_.requests.size(), before);
  EXPECT_EQ(provider.refreshFailures(), 0u);
}

TEST_F(EcsRoleTest, FailedRefreshKeepsOldCredentialsUntilExpiryAndIsCounted) {
  EcsRamRoleProvider provider(http_, clock_,
                              {.metadata_endpoint = "http://imds", .role_name = "MonitorRole"});
  int announced = 0;  // each failure is told as it happens (the metric's counter)
  provider.onRefreshFailure([&] { ++announced; });
  ASSERT_TRUE(get(provider));
  http_.answers["GET /latest/meta-data/ram/security-credentials/MonitorRole"] =
      http::HttpResponse{500, {}, "down"};
  clock_.advance(minutes(50));
  auto kept = get(provider);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->access_key_id, "A");
  EXPECT_EQ(provider.refreshFailures(), 1u);
  EXPECT_EQ(announced, 1);
  // Within the hold-off no new attempt is made.
  size_t before = http_.requests.size();
  clock_.advance(seconds(30));
  EXPECT_TRUE(get(provider));
  EXPECT_EQ(http_.requests.size(), before);
  // Past expiry, a failure is an error.
  clock_.advance(minutes(11));
  auto expired = get(provider);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().kind, core::ErrorKind::kCredentials);
  EXPECT_EQ(provider.refreshFailures(), 2u);
  EXPECT_EQ(announced, 2);
}

TEST_F(EcsRoleTest, FallsBackToImdsV1UnlessDisabled) {
  http_.answers.erase("PUT /latest/api/token");
  EcsRamRoleProvider v1(http_, clock_, {.metadata_endpoint = "http://imds"});
  ASSERT_TRUE(get(v1));
  http::HttpResponse view{0, http_.requests.back().headers, ""};
  EXPECT_EQ(view.header("X-aliyun-ecs-metadata-token"), "");
  EcsRamRoleProvider strict(http_, clock_,
                            {.metadata_endpoint = "http://imds", .imdsv1_disabled = true});
  auto refused = get(strict);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("IMDSv1 is disabled"), std::string::npos);
}

}  // namespace
}  // namespace swas::api
