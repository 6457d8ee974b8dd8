// The C++ API client against swas-sim: paging in every signature mode, STS, the metadata
// service, classified errors, and no secret in any log line or error.
#include "daemon/api/swas_client.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <set>
#include <sstream>

#include "daemon/api/response_parser.h"
#include "daemon/core/time.h"
#include "daemon/http/curl_http_client.h"
#include "daemon/util/percent_encoding.h"
#include "tests/support/sim_process.h"

namespace swas::api {
namespace {

using testing::SimProcess;
using testing::testdataPath;
using testing::waitFor;

class SwasClientTest : public ::testing::Test {
 protected:
  SwasClientTest() : sim_(testdataPath("paging.yaml")), http_(io_, {}) {}

  std::unique_ptr<SwasClientImpl> client(Credentials credentials,
                                         SignatureVersion version = SignatureVersion::kV3) {
    providers_.push_back(
        std::make_unique<StaticCredentialsProvider>(std::move(credentials), "test"));
    return clientWith(*providers_.back(), version);
  }
  std::unique_ptr<SwasClientImpl> clientWith(CredentialsProvider& provider,
                                             SignatureVersion version = SignatureVersion::kV3) {
    SwasClientOptions options;
    options.endpoint = sim_.url();
    options.signature = version;
    return std::make_unique<SwasClientImpl>(http_, provider, clock_, *random_, options);
  }

  std::expected<CommandInvocationPage, core::Error> page(SwasClient& c, int number, int size = 50,
                                                         std::string instance_id = "") {
    std::optional<std::expected<CommandInvocationPage, core::Error>> result;
    DescribeCommandInvocationsRequest request;
    request.region_id = "cn-hangzhou";
    request.page_number = number;
    request.page_size = size;
    request.instance_id = std::move(instance_id);
    c.describeCommandInvocations(request, [&](auto r) { result = std::move(r); });
    EXPECT_TRUE(waitFor(io_, [&] { return result.has_value(); }));
    return std::move(*result);
  }

  void setFaults(const std::string& json) {
    bool done = false;
    http::HttpRequest request{"POST", sim_.url() + "/_sim/faults", {}, json};
    http_.send(request, [&](http::HttpResult r) {
      EXPECT_TRUE(r && r->status == 200);
      done = true;
    });
    ASSERT_TRUE(waitFor(io_, [&] { return done; }));
  }

  // Walks every page as the daemon will: until PageNumber * PageSize >= TotalCount.
  void expectAll230(SwasClient& c) {
    std::set<std::string> ids;
    std::optional<core::SysSeconds> previous;
    int64_t total = -1;
    for (int n = 1; total < 0 || (n - 1) * 50 < total; ++n) {
      auto p = page(c, n);
      ASSERT_TRUE(p) << core::describe(p.error());
      total = p->total_count.value_or(0);
      EXPECT_EQ(p->page_number, n);
      for (const auto& inv : p->invocations) {
        EXPECT_TRUE(ids.insert(inv.invoke_id).second) << "duplicate " << inv.invoke_id;
        EXPECT_GE(inv.instances.size(), 1u);
        EXPECT_LE(inv.instances.size(), 3u);
        auto created = core::parseApiTime(inv.creation_time);
        ASSERT_TRUE(created);
        if (previous) {
          EXPECT_LE(*created, *previous) << "not newest first";
        }
        previous = created;
      }
      ASSERT_LT(n, 10);
    }
    EXPECT_EQ(total, 230);
    EXPECT_EQ(ids.size(), 230u);
  }

  boost::asio::io_context io_;
  SimProcess sim_;
  http::CurlHttpClient http_;
  core::SystemClock clock_;
  std::unique_ptr<core::Random> random_ = core::makeRandom();
  std::vector<std::unique_ptr<CredentialsProvider>> providers_;
};

TEST_F(SwasClientTest, PagesThroughAll230InV3) {
  expectAll230(*client({"testid", "testsecret", ""}));
}

TEST_F(SwasClientTest, PagesThroughAll230InV1) {
  expectAll230(*client({"testid", "testsecret", ""}, SignatureVersion::kV1));
}

TEST_F(SwasClientTest, PagesThroughAll230WithStsTokenInBothModes) {
  expectAll230(*client({"testid", "testsecret", "tok/sts+secret=1"}));
  expectAll230(*client({"testid", "testsecret", "tok/sts+secret=1"}, SignatureVersion::kV1));
}

TEST_F(SwasClientTest, InstanceFilterListsOnlyThatInstance) {
  auto c = client({"testid", "testsecret", ""});
  auto first = page(*c, 1, 1);
  ASSERT_TRUE(first);
  std::string instance = first->invocations.at(0).instances.at(1).instance_id;
  auto filtered = page(*c, 1, 50, instance);
  ASSERT_TRUE(filtered);
  EXPECT_GT(filtered->total_count.value_or(0), 0);
  EXPECT_LT(filtered->total_count.value_or(0), 230);
  for (const auto& inv : filtered->invocations) {
    ASSERT_EQ(inv.instances.size(), 1u);
    EXPECT_EQ(inv.instances[0].instance_id, instance);
  }
}

// The inventory calls, signed and sent as the SDK sends them, parsed; both signature modes.
TEST_F(SwasClientTest, InventoryCallsListTheInstancesAndTheirAgents) {
  for (auto version : {SignatureVersion::kV3, SignatureVersion::kV1}) {
    auto c = client({"testid", "testsecret", ""}, version);
    std::optional<std::expected<InstancesPage, core::Error>> instances;
    c->listInstances({.region_id = "cn-hangzhou"}, [&](auto r) { instances = std::move(r); });
    ASSERT_TRUE(waitFor(io_, [&] { return instances.has_value(); }));
    ASSERT_TRUE(*instances) << instances->error().message;
    ASSERT_EQ((*instances)->instances.size(), 3u);
    EXPECT_EQ((*instances)->total_count, 3);
    const InstanceInfo& first = (*instances)->instances[0];
    EXPECT_EQ(first.instance_name, "name-" + first.instance_id);
    EXPECT_EQ(first.status, "Running");
    EXPECT_FALSE(first.public_ip.empty());
    EXPECT_TRUE(first.private_ip.starts_with("172.16."));
    EXPECT_FALSE((*instances)->anomalies.any());
    std::optional<std::expected<AgentStatusPage, core::Error>> agents;
    c->describeCloudAssistantStatus(
        {.region_id = "cn-hangzhou", .instance_ids = {first.instance_id}},
        [&](auto r) { agents = std::move(r); });
    ASSERT_TRUE(waitFor(io_, [&] { return agents.has_value(); }));
    ASSERT_TRUE(*agents) << agents->error().message;
    ASSERT_EQ((*agents)->statuses.size(), 1u);
    EXPECT_EQ((*agents)->statuses[0].instance_id, first.instance_id);
    EXPECT_TRUE((*agents)->statuses[0].online);
  }
}

TEST_F(SwasClientTest, ThrottlingIsRetryableWithRetryAfter) {
  setFaults(R"({"throttle": 1.0, "throttle_retry_after_ms": 1500})");
  auto p = page(*client({"testid", "testsecret", ""}), 1);
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, core::ErrorKind::kApi);
  EXPECT_EQ(p.error().code, "Throttling.User");
  EXPECT_EQ(p.error().http_status, 400);
  EXPECT_TRUE(p.error().retryable);
  EXPECT_EQ(p.error().retry_after, std::chrono::milliseconds(1500));
  EXPECT_FALSE(p.error().request_id.empty());
}

TEST_F(SwasClientTest, ServerErrorsMalformedBodiesAndResetsAreClassified) {
  auto c = client({"testid", "testsecret", ""});
  setFaults(R"({"server_error": 1.0})");
  auto unavailable = page(*c, 1);
  ASSERT_FALSE(unavailable);
  EXPECT_EQ(unavailable.error().code, "ServiceUnavailable");
  EXPECT_TRUE(unavailable.error().retryable);
  setFaults(R"({"server_error": 0, "malformed": 1.0})");
  auto malformed = page(*c, 1);
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().kind, core::ErrorKind::kParse);
  setFaults(R"({"malformed": 0, "reset": 1.0})");
  auto reset = page(*c, 1);
  ASSERT_FALSE(reset);
  EXPECT_EQ(reset.error().kind, core::ErrorKind::kConnect);
  EXPECT_TRUE(reset.error().retryable);
  setFaults(R"({"reset": 0})");
  EXPECT_TRUE(page(*c, 1));
}

TEST_F(SwasClientTest, AuthErrorsAreNotRetryable) {
  auto wrong = page(*client({"testid", "wrong-secret", ""}), 1);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, "SignatureDoesNotMatch");
  EXPECT_FALSE(wrong.error().retryable);
  EXPECT_NE(wrong.error().message.find("server string to sign is:"), std::string::npos);
  auto unknown = page(*client({"nobody", "x", ""}), 1);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "InvalidAccessKeyId.NotFound");
  EXPECT_FALSE(unknown.error().retryable);
}

TEST_F(SwasClientTest, EcsRamRoleCredentialsFromTheMetadataService) {
  EcsRamRoleProvider::Options options;
  options.metadata_endpoint = sim_.url();  // role discovered, IMDSv2 token
  EcsRamRoleProvider provider(http_, clock_, options);
  auto c = clientWith(provider);
  auto p = page(*c, 1);
  ASSERT_TRUE(p) << core::describe(p.error());
  EXPECT_EQ(p->total_count, 230);
  EXPECT_EQ(provider.refreshFailures(), 0u);
}

TEST_F(SwasClientTest, SecretsNeverReachLogsOrErrors) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto logger = std::make_shared<spdlog::logger>("capture", sink);
  logger->set_level(spdlog::level::trace);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);

  const std::string secret = "wrong/secret+1";
  const std::string token = "tok/sts+secret=1";
  std::vector<std::string> messages;
  // A V1 mismatch echoes the server's string to sign, which contains the SecurityToken.
  for (auto version : {SignatureVersion::kV1, SignatureVersion::kV3}) {
    auto p = page(*client({"testid", secret, token}, version), 1);
    ASSERT_FALSE(p);
    EXPECT_EQ(p.error().code, "SignatureDoesNotMatch");
    messages.push_back(core::describe(p.error()));
  }
  auto ok = page(*client({"testid", "testsecret", token}, SignatureVersion::kV1), 1);
  EXPECT_TRUE(ok);
  spdlog::set_default_logger(previous);

  std::string log = captured.str();
  EXPECT_NE(log.find("SignatureDoesNotMatch"), std::string::npos) << "nothing was logged";
  for (const std::string& text : messages) log += text;
  for (const std::string& s : {secret, token, std::string("testsecret"), util::percentEncode(token),
                               util::percentEncode(util::percentEncode(token))}) {
    EXPECT_EQ(log.find(s), std::string::npos) << "leaked: " << s;
  }
}

// The ECS client (issue 26): the daemon's requests as ECS's operations, against the simulator
// the official ECS SDK judges (conformance_ecs.yaml), read into the same pages as SWAS's.
class EcsClientTest : public ::testing::Test {
 protected:
  EcsClientTest() : sim_(testdataPath("conformance_ecs.yaml")), http_(io_, {}) {}

  template <typename Page, typename Call>
  std::expected<Page, core::Error> ask(Call call) {
    std::optional<std::expected<Page, core::Error>> result;
    call([&](std::expected<Page, core::Error> r) { result = std::move(r); });
    EXPECT_TRUE(waitFor(io_, [&] { return result.has_value(); }));
    return std::move(*result);
  }

  SimProcess sim_;
  boost::asio::io_context io_;
  http::CurlHttpClient http_;
  core::SystemClock clock_;
  std::unique_ptr<core::Random> random_ = core::makeRandom();
  StaticCredentialsProvider credentials_{{"testid", "testsecret", ""}, "test"};
  SwasClientImpl client_{http_, credentials_, clock_, *random_,
                         SwasClientOptions{.product = core::Product::kEcs, .endpoint = sim_.url()}};
};

TEST_F(EcsClientTest, InvocationsByNextTokenTimedTasksInstancesAgentsAndRegions) {
  std::vector<std::string> ids;
  DescribeCommandInvocationsRequest request{.region_id = "cn-hangzhou", .page_size = 1};
  for (int page = 0; page < 10; ++page) {
    auto p = ask<CommandInvocationPage>(
        [&](auto cb) { client_.describeCommandInvocations(request, std::move(cb)); });
    ASSERT_TRUE(p) << core::describe(p.error());
    for (const auto& inv : p->invocations) ids.push_back(inv.invoke_id);
    if (!p->invocations.empty() && p->invocations[0].invoke_id == "t-hz01onceaaaa0001") {
      EXPECT_EQ(p->invocations[0].command_content, "echo deploy") << "PlainText";
      EXPECT_EQ(p->invocations[0].invocation_status, "PartialFailed");
    }
    if (p->next_token.empty()) break;
    request.next_token = p->next_token;
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"t-hz01period0004", "t-hz01onceaaaa0002",
                                           "t-hz01onceaaaa0001"}));

  DescribeCommandInvocationsRequest timed{.region_id = "cn-hangzhou", .timed = true};
  auto t = ask<CommandInvocationPage>(
      [&](auto cb) { client_.describeCommandInvocations(timed, std::move(cb)); });
  ASSERT_TRUE(t && t->invocations.size() == 1);
  EXPECT_EQ(t->invocations[0].repeat_mode, "Period");
  EXPECT_EQ(t->invocations[0].instances.at(0).repeats, 3);

  ListInstancesRequest listing{.region_id = "cn-hangzhou", .tags = {{"team", "web"}}};
  auto i = ask<InstancesPage>([&](auto cb) { client_.listInstances(listing, std::move(cb)); });
  ASSERT_TRUE(i && i->instances.size() == 1) << (i ? "" : core::describe(i.error()));
  EXPECT_EQ(i->instances[0].instance_name, "web-3");
  EXPECT_EQ(i->instances[0].private_ip, "172.16.0.3");
  EXPECT_EQ(i->instances[0].public_ip, "47.96.1.3");

  DescribeCloudAssistantStatusRequest agents{
      .region_id = "cn-hangzhou",
      .instance_ids = {"i-bp1aaaaaaaaaaaaaaaaa", "i-bp1bbbbbbbbbbbbbbbbb"}};
  auto a = ask<AgentStatusPage>(
      [&](auto cb) { client_.describeCloudAssistantStatus(agents, std::move(cb)); });
  ASSERT_TRUE(a && a->statuses.size() == 2) << (a ? "" : core::describe(a.error()));
  EXPECT_TRUE(a->statuses[0].online);
  EXPECT_FALSE(a->statuses[1].online);
  EXPECT_FALSE(a->statuses[0].last_heartbeat.empty());
  EXPECT_EQ(a->statuses[0].active_tasks, 1);

  auto r =
      ask<std::vector<Region>>([&](auto cb) { client_.listRegions("cn-hangzhou", std::move(cb)); });
  ASSERT_TRUE(r && r->size() == 2);
  EXPECT_EQ((*r)[0].region_id, "cn-beijing");
}

}  // namespace
}  // namespace swas::api
