#include "daemon/config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace swas::config {
namespace {

using namespace std::chrono;

util::EnvLookup env(std::map<std::string, std::string> vars = {}) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A directory of credential files as systemd's LoadCredential= provides them.
std::string credentialsDirectory(mode_t mode) {
  auto dir = std::filesystem::temp_directory_path() /
             ("swas-config-test-" + std::to_string(getpid()) + "-" + std::to_string(mode));
  std::filesystem::create_directories(dir);
  // URLs are http(s) and tokens at least 16 bytes, as the configuration checks at load.
  for (auto [name, content] : std::map<std::string, std::string>{
           {"ak_secret", "secret\n"},
           {"ops_webhook_url", "https://hooks.example/T0/token\n"},
           {"relay_token", "relay-token-0123456789abcdef\n"},
           {"oncall_url", "https://oapi.dingtalk.example/robot/send?access_token=T\n"}}) {
    std::ofstream(dir / name) << content;
    ::chmod((dir / name).c_str(), mode);
  }
  return dir.string();
}

TEST(Config, TheCommentedExampleLoads) {
  std::string creds = credentialsDirectory(0600);
  auto c = loadConfig(std::string(SWAS_SOURCE_DIR) + "/config/swas-invocation-monitor.yaml",
                      env({{"SWAS_ACCESS_KEY_ID", "id"}, {"CREDENTIALS_DIRECTORY", creds}}));
  ASSERT_TRUE(c) << c.error().front();
  EXPECT_EQ(c->credentials.access_key_secret_file, creds + "/ak_secret");
  EXPECT_TRUE(c->warnings.empty());
  ASSERT_EQ(c->regions.size(), 2u);
  EXPECT_EQ(c->intervalOf(c->regions[0]), seconds(30));
  EXPECT_EQ(c->intervalOf(c->regions[1]), seconds(15));
  EXPECT_EQ(c->state.retention, hours(24 * 14));
  EXPECT_EQ(c->alerts.receivers.size(), 2u);
}

TEST(Config, SecretFilesMustBeReadableAndPrivate) {
  std::string open_creds = credentialsDirectory(0644);
  auto text = [](const std::string& dir) {
    return "regions: [{region_id: cn-hangzhou}]\ncredentials:\n  access_key_id: id\n"
           "  access_key_secret_file: " +
           dir + "/ak_secret\n";
  };
  auto shared = parseConfig(text(open_creds), "cfg.yaml", env());
  ASSERT_TRUE(shared);
  ASSERT_EQ(shared->warnings.size(), 1u);
  EXPECT_TRUE(shared->warnings[0].starts_with("cfg.yaml:4:27: access_key_secret_file: " +
                                              open_creds + "/ak_secret is readable by other users"))
      << shared->warnings[0];
  auto missing = parseConfig(text("/nonexistent"), "cfg.yaml", env());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().front(),
            "cfg.yaml:4:27: access_key_secret_file: cannot read /nonexistent/ak_secret: No such "
            "file or directory");
}

TEST(Config, TheRelayTokenFileMustBeReadable) {
  std::string creds = credentialsDirectory(0600);
  auto text = [](const std::string& path) {
    return "regions: [{region_id: cn-hangzhou}]\nhttp:\n  relay_token_file: " + path + "\n";
  };
  auto on = parseConfig(text(creds + "/relay_token"), "cfg.yaml", env());
  ASSERT_TRUE(on) << on.error().front();
  EXPECT_EQ(on->http.relay_token_file, creds + "/relay_token");
  EXPECT_TRUE(on->warnings.empty());
  auto missing = parseConfig(text("/nonexistent/token"), "cfg.yaml", env());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().front(),
            "cfg.yaml:3:21: relay_token_file: cannot read /nonexistent/token: No such file or "
            "directory");
  EXPECT_TRUE(parseConfig("regions: [{region_id: cn-hangzhou}]\n", "cfg.yaml", env())
                  ->http.relay_token_file.empty());
  auto receivers = [](const std::string& type) {
    return "regions: [{region_id: cn-hangzhou}]\nalerts:\n  receivers:\n    - name: r\n"
           "      type: " +
           type + "\n      url: http://127.0.0.1:1/x\n      relay_only: true\n";
  };
  auto chat = parseConfig(receivers("dingtalk"), "cfg.yaml", env());
  ASSERT_TRUE(chat) << chat.error().front();
  EXPECT_TRUE(chat->alerts.receivers[0].relay_only);
  auto webhook = parseConfig(receivers("webhook"), "cfg.yaml", env());
  ASSERT_FALSE(webhook);
  EXPECT_EQ(webhook.error().front(), "cfg.yaml:7:19: relay_only is for chat receivers only");
}

TEST(Config, AccountsEachWithCredentialsApiAndRegions) {
  auto c = parseConfig(R"(api: {rate_limit: 7, timeout: 3s}
accounts:
  - name: prod
    credentials: {access_key_id: a, access_key_secret: b}
    regions: [{region_id: cn-hangzhou}]
  - name: staging-2
    credentials: {ecs_ram_role: r}
    api: {rate_limit: 2}
    regions: [{region_id: cn-hangzhou}, {region_id: ap-southeast-1}]
)",
                       "cfg.yaml", env());
  ASSERT_TRUE(c) << c.error().front();
  ASSERT_EQ(c->accounts.size(), 2u);
  EXPECT_TRUE(c->namedAccounts());
  EXPECT_EQ(c->accounts[0].name, "prod");
  EXPECT_EQ(c->accounts[0].credentials.access_key_id, "a");
  EXPECT_EQ(c->accounts[0].api.rate_limit, 7) << "the top-level api";
  EXPECT_EQ(c->accounts[1].api.rate_limit, 2) << "its override";
  EXPECT_EQ(c->accounts[1].api.timeout, seconds(3)) << "what it does not override";
  EXPECT_EQ(c->accounts[1].credentials.ecs_ram_role, "r");
  EXPECT_EQ(c->accounts[1].regions.size(), 2u);
  EXPECT_TRUE(c->regions.empty());
  EXPECT_NE(summary(*c).find("account staging-2: 2 region(s)"), std::string::npos) << summary(*c);

  // The single form is one unnamed account.
  auto single = parseConfig("regions: [{region_id: cn-hangzhou}]\n", "cfg.yaml", env());
  ASSERT_TRUE(single);
  ASSERT_EQ(single->accounts.size(), 1u);
  EXPECT_EQ(single->accounts[0].name, "");
  EXPECT_FALSE(single->namedAccounts());
}

// product: (issue 26) on the top level, an account or a region entry, the nearest winning; the
// same region once per product; region_id: all once per product.
TEST(Config, ProductOnTheTopAnAccountOrARegion) {
  auto c = parseConfig(R"(product: ecs
accounts:
  - name: prod
    credentials: {access_key_id: a, access_key_secret: b}
    regions: [{region_id: cn-hangzhou}, {region_id: cn-hangzhou, product: swas}]
  - name: qa
    product: swas
    credentials: {access_key_id: c, access_key_secret: d}
    regions: [{region_id: all}, {region_id: all, product: ecs}]
)",
                       "cfg.yaml", env());
  ASSERT_TRUE(c) << c.error().front();
  const auto& prod = c->accounts[0];
  EXPECT_EQ(prod.regions[0].product, core::Product::kEcs) << "the top level's";
  EXPECT_EQ(prod.regions[1].product, core::Product::kSwas) << "its own";
  EXPECT_EQ(scopeOf(prod, prod.regions[0]).key(), "prod/ecs:cn-hangzhou");
  EXPECT_EQ(scopeOf(prod, prod.regions[1]).key(), "prod/cn-hangzhou");
  const auto& qa = c->accounts[1];
  EXPECT_EQ(qa.regions[0].product, core::Product::kSwas) << "the account's";
  EXPECT_EQ(&qa.discovery(core::Product::kEcs), &qa.regions[1]);
  EXPECT_TRUE(c->anyEcs());
  auto single = parseConfig("regions: [{region_id: cn-hangzhou}]\n", "cfg.yaml", env());
  ASSERT_TRUE(single);
  EXPECT_FALSE(single->anyEcs());
  EXPECT_NE(needsRestart(*single, *c).find("the first ECS region"), std::string::npos);
  EXPECT_EQ(needsRestart(*c, *c), "");

  auto bad = parseConfig(R"(regions:
  - {region_id: cn-hangzhou, product: ec2}
  - {region_id: cn-beijing, product: ecs}
  - {region_id: cn-beijing, product: ecs}
  - {region_id: all, product: ecs}
)",
                         "cfg.yaml", env());
  ASSERT_FALSE(bad);
  auto has = [&](const std::string& text) {
    return std::find(bad.error().begin(), bad.error().end(), text) != bad.error().end();
  };
  EXPECT_TRUE(has("cfg.yaml:2:39: product must be swas or ecs, not 'ec2'")) << bad.error().front();
  EXPECT_TRUE(has("cfg.yaml:4:17: region cn-beijing is listed twice for ecs"))
      << ::testing::PrintToString(bad.error());
  EXPECT_TRUE(
      has("cfg.yaml:2:3: region_id: all stands alone for its product: it polls every region "
          "DescribeRegions returns, so list no other ecs region beside it"));
}

TEST(Config, AccountProblemsNameTheLine) {
  auto bad = parseConfig(R"(regions: [{region_id: cn-hangzhou}]
accounts:
  - name: Prod/1
    regions: [{region_id: cn-hangzhou}]
  - name: b
    regions: [{region_id: all}]
  - name: b
    regions: [{region_id: cn-hangzhou}]
  - name: c
  - name: d
    regions: [{region_id: cn-hangzhou}]
    extra: 1
)",
                         "cfg.yaml", env());
  ASSERT_FALSE(bad);
  auto has = [&](const std::string& text) {
    return std::find(bad.error().begin(), bad.error().end(), text) != bad.error().end();
  };
  EXPECT_TRUE(
      has("cfg.yaml:1:10: regions cannot be given with accounts: each account has its own"));
  EXPECT_TRUE(
      has("cfg.yaml:3:11: account name must be 1 to 63 of a-z, 0-9, _ and - (it is the "
          "account label)"));
  EXPECT_TRUE(has("cfg.yaml:7:11: account b is listed twice"));
  EXPECT_TRUE(has("cfg.yaml:9:5: account c: regions is required"));
  EXPECT_TRUE(
      has("cfg.yaml:9:5: account c: credentials is required with accounts: (access_key_id "
          "with access_key_secret or access_key_secret_file, ecs_ram_role, oidc_role_arn, or "
          "profile)"));
  for (const auto& p : bad.error()) std::cout << p << "\n";
  EXPECT_EQ(bad.error().size(), 10u)
      << "region_id: all is an account's too; and each of the five lacks credentials";
  auto reserved = parseConfig(
      "accounts:\n  - name: default\n    regions: [{region_id: cn-hangzhou}]\n", "cfg.yaml", env());
  ASSERT_FALSE(reserved);
  EXPECT_EQ(reserved.error().front(),
            "cfg.yaml:2:11: account name default is the single-account form's; name it");
}

TEST(Config, ARegionIdIsARegionId) {
  auto bad = parseConfig("regions:\n  - region_id: prod/cn-hangzhou\n  - region_id: CN_1\n",
                         "cfg.yaml", env());
  ASSERT_FALSE(bad);
  ASSERT_EQ(bad.error().size(), 2u);
  EXPECT_EQ(bad.error()[0],
            "cfg.yaml:2:16: region_id prod/cn-hangzhou is not a region ID (a-z, 0-9 and -, as "
            "cn-hangzhou)");
  auto profile = parseConfig(
      "regions: [{region_id: cn-hangzhou}]\ncredentials: {profile: p, ecs_ram_role: r}\n",
      "cfg.yaml", env());
  ASSERT_FALSE(profile);
  EXPECT_EQ(profile.error().front(),
            "cfg.yaml:2:24: credentials: profile reads the credentials file; give it without "
            "access_key_id and ecs_ram_role");
}

TEST(Config, DefaultsFromTheContract) {
  auto c = parseConfig("regions:\n  - region_id: cn-hangzhou\n", "f.yaml", env());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->api.endpoint, "https://swas.{region_id}.aliyuncs.com");
  EXPECT_EQ(c->api.signature, Signature::kV3);
  EXPECT_EQ(c->api.timeout, seconds(10));
  EXPECT_EQ(c->api.rate_limit, 10);
  EXPECT_EQ(c->api.max_in_flight, 4);
  EXPECT_EQ(c->poll.interval, seconds(30));
  EXPECT_EQ(c->poll.jitter, 0.1);
  EXPECT_EQ(c->poll.page_size, 50);
  EXPECT_EQ(c->poll.full_scan_every, hours(1));
  EXPECT_EQ(c->poll.initial_lookback, hours(1));
  EXPECT_EQ(c->state.path, "/var/lib/swas-invocation-monitor/state.db");
  EXPECT_EQ(c->http.listen, "127.0.0.1:9786");
  EXPECT_EQ(c->log.level, "info");
}

TEST(Config, EveryProblemAtOnceWithPositions) {
  auto c = parseConfig(R"(poll:
  intervall: 30s
  jitter: 2
  page_size: 51
  full_scan_every: 60
regions:
  - region_id: cn-hangzhou
  - region_id: cn-hangzhou
  - region_id: ""
credentials:
  access_key_secret: "${NOT_SET}"
)",
                       "cfg.yaml", env());
  ASSERT_FALSE(c);
  const Problems& p = c.error();
  auto has = [&](const std::string& text) {
    return std::any_of(p.begin(), p.end(), [&](const std::string& s) { return s == text; });
  };
  EXPECT_TRUE(has("cfg.yaml:2:3: unknown key 'intervall' in poll (did you mean 'interval'?)"));
  EXPECT_TRUE(has("cfg.yaml:3:11: jitter must be between 0 and 1"));
  EXPECT_TRUE(has("cfg.yaml:4:14: page_size must be between 1 and 50"));
  EXPECT_TRUE(
      has("cfg.yaml:5:20: full_scan_every: '60' is not a duration with a unit (500ms, 30s, 5m, 2h, "
          "14d)"));
  EXPECT_TRUE(has("cfg.yaml:8:16: region cn-hangzhou is listed twice"));
  EXPECT_TRUE(has("cfg.yaml:9:5: region_id is required and must not be empty"));
  EXPECT_TRUE(has("cfg.yaml:11:22: environment variable NOT_SET is not set"));
  EXPECT_TRUE(has("cfg.yaml:11:3: credentials: an access key secret needs access_key_id"));
  EXPECT_EQ(p.size(), 8u);
}

TEST(Config, ListenAddress) {
  auto listen = [](const std::string& value) {
    return parseConfig("regions: [{region_id: cn-hangzhou}]\nhttp:\n  listen: \"" + value + "\"\n",
                       "cfg.yaml", env());
  };
  for (std::string ok : {"127.0.0.1:9786", "0.0.0.0:0", "[::1]:9786", "[::]:80"}) {
    EXPECT_TRUE(listen(ok)) << ok;
  }
  auto host = listen("localhost:9786");
  ASSERT_FALSE(host);
  EXPECT_EQ(host.error().front(),
            "cfg.yaml:3:11: http.listen: 'localhost:9786': the host must be an IP address such as "
            "127.0.0.1 or 0.0.0.0");
  auto port = listen("127.0.0.1:99999");
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().front(),
            "cfg.yaml:3:11: http.listen: '127.0.0.1:99999': port must be a number 0..65535");
  EXPECT_FALSE(listen("9786"));
  EXPECT_FALSE(listen("::1:9786"));
}

TEST(Config, SummaryNamesWhatMattersAndNoSecret) {
  auto c = parseConfig(R"(credentials: {access_key_id: id, access_key_secret: s3cr3t}
regions:
  - {region_id: cn-hangzhou}
  - {region_id: ap-southeast-1, instance_ids: [i-1, i-2], interval: 15s}
alerts:
  receivers:
    - {name: ops, type: webhook, url: "https://hooks.example/T0/token"}
    - {name: am, type: alertmanager, url: "http://127.0.0.1:9093"}
)",
                       "cfg.yaml", env());
  ASSERT_TRUE(c) << c.error().front();
  std::string s = summary(*c);
  EXPECT_EQ(s,
            "2 region(s): cn-hangzhou (every instance, every 30s), ap-southeast-1 (2 "
            "instance(s), every 15s); 2 receiver(s): ops (webhook), am (alertmanager); "
            "credentials: an AccessKey in the configuration; alerting on 5 status(es) and any "
            "ErrorCode; state in /var/lib/swas-invocation-monitor/state.db (kept 14 days); "
            "metrics on http://127.0.0.1:9786/metrics.");
  EXPECT_EQ(s.find("s3cr3t"), std::string::npos);
  EXPECT_EQ(s.find("token"), std::string::npos);
}

TEST(Config, ADuplicateKeyIsAProblem) {
  auto c = parseConfig("regions: [{region_id: a}]\npoll:\n  interval: 5s\npoll:\n  jitter: 0\n",
                       "cfg.yaml", env());
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().front(),
            "cfg.yaml:4:1: key 'poll' appears twice in the configuration; the second would "
            "silently win");
}

TEST(Config, MissingRegionsAndBadYaml) {
  EXPECT_FALSE(parseConfig("poll: {}\n", "f", env()));
  auto bad = parseConfig("regions: [\n", "f", env());
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().front().starts_with("f:"));
}

TEST(Config, Durations) {
  EXPECT_EQ(parseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(parseDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parseDuration("14d"), hours(24 * 14));
  EXPECT_FALSE(parseDuration("30"));
  EXPECT_FALSE(parseDuration("s"));
  EXPECT_FALSE(parseDuration("10 s"));
  EXPECT_FALSE(parseDuration("1e400d")) << "no undefined conversion";
  EXPECT_FALSE(parseDuration("99999999999999999999d"));
}

// A retention of 200000d once passed --check-config and silently switched alerting off.
TEST(Config, DurationsBeyondTenYearsAreRefusedWithTheirPlace) {
  auto c = parseConfig("regions:\n  - region_id: cn-hangzhou\nstate:\n  retention: 200000d\n",
                       "f.yaml", env());
  ASSERT_FALSE(c);
  ASSERT_EQ(c.error().size(), 1u);
  EXPECT_EQ(c.error()[0],
            "f.yaml:4:14: retention: '200000d' is longer than the longest allowed duration "
            "(3650d)");
  EXPECT_TRUE(parseConfig("regions:\n  - region_id: cn-hangzhou\nstate:\n  retention: 3650d\n",
                          "f.yaml", env()));
}

}  // namespace
}  // namespace swas::config

namespace swas::config {
namespace {

TEST(Config, ChatReceiversAndMatch) {
  auto c = parseConfig(R"(regions: [{region_id: cn-hangzhou}]
alerts:
  timezone: Asia/Shanghai
  receivers:
    - name: oncall
      type: dingtalk
      url: http://127.0.0.1/robot/send?access_token=T
      mention: {mobiles: ['13800000000'], user_ids: [u1], all: true}
      language: zh
      rate_limit: 10/min
      match: {regions: [cn-*], command_names: ['deploy-?pp'], statuses: [Failed]}
)",
                       "cfg.yaml", env());
  ASSERT_TRUE(c) << c.error().front();
  const auto& r = c->alerts.receivers.at(0);
  EXPECT_EQ(c->alerts.timezone, "Asia/Shanghai");
  EXPECT_EQ(r.type, "dingtalk");
  EXPECT_EQ(r.mention.mobiles, std::vector<std::string>{"13800000000"});
  EXPECT_TRUE(r.mention.all);
  EXPECT_EQ(r.language, "zh");
  EXPECT_EQ(r.rate_limit, "10/min");
  EXPECT_EQ(r.match.command_names, std::vector<std::string>{"deploy-?pp"});
}

TEST(Config, ChatReceiverMistakesWithPositions) {
  auto c = parseConfig(R"(regions: [{region_id: cn-hangzhou}]
alerts:
  timezone: Asia/Shanghia
  receivers:
    - name: a
      type: dingtlak
      url: http://x
    - name: b
      type: feishu
      url: http://x
      language: fr
      rate_limit: 5/sec
      template_file: /nonexistent/t.mustache
      match: {statuses: [Broken], command: [x]}
    - name: c
      type: webhook
      url: http://x
      mention: {all: true}
)",
                       "cfg.yaml", env());
  ASSERT_FALSE(c);
  const Problems& p = c.error();
  auto has = [&](const std::string& prefix) {
    return std::any_of(p.begin(), p.end(),
                       [&](const std::string& s) { return s.starts_with(prefix); });
  };
  EXPECT_TRUE(has("cfg.yaml:3:13: alerts.timezone: unknown time zone 'Asia/Shanghia'"));
  EXPECT_TRUE(has("cfg.yaml:6:13: receiver type must be webhook, alertmanager, dingtalk, feishu"));
  EXPECT_TRUE(has("cfg.yaml:11:17: language must be en or zh"));
  EXPECT_TRUE(has("cfg.yaml:12:19: rate_limit: '5/sec' is not N/s, N/min or N/h"));
  EXPECT_TRUE(has("cfg.yaml:13:22: template_file: cannot read /nonexistent/t.mustache"));
  EXPECT_TRUE(has("cfg.yaml:14:35: unknown key 'command' in match"));
  EXPECT_TRUE(has("cfg.yaml:14:25: match.statuses: 'Broken' is not a per-instance"));
  EXPECT_TRUE(has("cfg.yaml:18:16: mention is for chat receivers only"));
  EXPECT_EQ(p.size(), 8u) << p.front();
}

}  // namespace
}  // namespace swas::config

namespace swas::config {
namespace {

TEST(Config, ChatKeysAVendorCannotUseAreWarnedAbout) {
  std::string secret = std::filesystem::temp_directory_path() / "swas-config-test-chat-secret";
  std::ofstream(secret) << "s\n";
  ::chmod(secret.c_str(), 0600);
  auto c = parseConfig(R"(regions: [{region_id: cn-hangzhou}]
alerts:
  receivers:
    - name: a
      type: slack
      url: http://x
      secret_file: )" + secret +
                           R"(
      mention: {mobiles: ['13800000000']}
      match: {instance_names: [web-*]}
)",
                       "cfg.yaml", env());
  ASSERT_TRUE(c) << c.error().front();
  // Names come from the inventory now: match.instance_names is no longer worth a warning.
  ASSERT_EQ(c->warnings.size(), 2u);
  EXPECT_TRUE(c->warnings[0].starts_with("cfg.yaml:7:20: secret_file: slack robots do not sign"))
      << c->warnings[0];
  EXPECT_TRUE(c->warnings[1].starts_with("cfg.yaml:8:16: mention.mobiles: slack mentions by"))
      << c->warnings[1];
  auto dir = parseConfig(R"(regions: [{region_id: cn-hangzhou}]
alerts:
  receivers:
    - {name: a, type: wecom, url: http://x, template_file: /tmp}
)",
                         "cfg.yaml", env());
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().front(), "cfg.yaml:4:60: template_file: /tmp is not a regular file");
}

}  // namespace
TEST(Config, InventoryAndWatchRules) {
  auto c = parseConfig(R"(inventory: {refresh: 10m, cloud_assistant_down_after: 0s}
regions:
  - region_id: cn-hangzhou
    instance_tags: {env: prod, team: web}
    instance_names: ["web-*", "api-?"]
)",
                       "cfg.yaml", env());
  ASSERT_TRUE(c) << c.error().front();
  EXPECT_EQ(c->inventory.refresh, std::chrono::minutes(10));
  EXPECT_EQ(c->inventory.cloud_assistant_down_after, milliseconds::zero());
  const auto& r = c->regions.at(0);
  EXPECT_EQ(r.instance_tags,
            (std::vector<std::pair<std::string, std::string>>{{"env", "prod"}, {"team", "web"}}));
  EXPECT_EQ(r.instance_names, (std::vector<std::string>{"web-*", "api-?"}));
  EXPECT_FALSE(c->allRegions());
  EXPECT_NE(summary(*c).find("instances tagged env=prod,team=web named web-*|api-?"),
            std::string::npos)
      << summary(*c);

  auto defaults =
      parseConfig("regions: [{region_id: all, instance_names: [db-*]}]\n", "cfg.yaml", env());
  ASSERT_TRUE(defaults) << defaults.error().front();
  EXPECT_TRUE(defaults->allRegions());
  EXPECT_EQ(defaults->inventory.refresh, std::chrono::minutes(5));
  EXPECT_EQ(defaults->inventory.cloud_assistant_down_after, std::chrono::minutes(10));
  EXPECT_NE(summary(*defaults).find("every region ListRegions returns"), std::string::npos)
      << summary(*defaults);
}

TEST(Config, InventoryMistakesWithPositions) {
  auto c = parseConfig(R"(inventory: {refresh: 0s, agent_down: 1m}
regions:
  - region_id: all
    instance_ids: [i-1]
    instance_tags: [env]
  - region_id: cn-hangzhou
    instance_names: [""]
)",
                       "cfg.yaml", env());
  ASSERT_FALSE(c);
  std::string all;
  for (const auto& p : c.error()) all += p + "\n";
  EXPECT_NE(all.find("cfg.yaml:1:22: refresh must be positive"), std::string::npos) << all;
  EXPECT_NE(all.find("cfg.yaml:1:26: unknown key 'agent_down'"), std::string::npos) << all;
  EXPECT_NE(all.find("cfg.yaml:5:20: instance_tags must be a mapping"), std::string::npos) << all;
  EXPECT_NE(all.find("cfg.yaml:4:19: instance_ids cannot be given with region_id: all"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("cfg.yaml:7:21: instance_names: a name must not be empty"), std::string::npos)
      << all;
  EXPECT_NE(all.find("cfg.yaml:3:3: region_id: all stands alone"), std::string::npos) << all;

  auto fast = parseConfig("inventory: {refresh: 30s}\nregions: [{region_id: cn-hangzhou}]\n",
                          "cfg.yaml", env());
  ASSERT_TRUE(fast) << fast.error().front();
  ASSERT_EQ(fast->warnings.size(), 1u);
  EXPECT_NE(fast->warnings[0].find("cfg.yaml:1:22: inventory.refresh under 1m"), std::string::npos)
      << fast->warnings[0];
}

}  // namespace swas::config

namespace swas::config {
namespace {

TEST(Config, AnAlertmanagerClusterIsEveryPeerInUrls) {
  auto c = parseConfig(R"(regions: [{region_id: cn-hangzhou}]
alerts:
  receivers:
    - name: am
      type: alertmanager
      urls: [http://am-a:9093, "https://am-b:9093/prefix"]
)",
                       "cfg.yaml", env());
  ASSERT_TRUE(c) << c.error().front();
  EXPECT_EQ(c->alerts.receivers[0].urls,
            (std::vector<std::string>{"http://am-a:9093", "https://am-b:9093/prefix"}));
  EXPECT_TRUE(c->alerts.receivers[0].url.empty());
  // The HA example's receiver (deploy/ha), under a region.
  std::ifstream in(std::string(SWAS_SOURCE_DIR) + "/deploy/ha/swas-invocation-monitor.yaml");
  std::stringstream ha;
  ha << "regions: [{region_id: cn-hangzhou}]\n" << in.rdbuf();
  std::string creds = credentialsDirectory(0600);
  auto example = parseConfig(ha.str(), "ha.yaml", env({{"CREDENTIALS_DIRECTORY", creds}}));
  ASSERT_TRUE(example) << example.error().front();
  EXPECT_EQ(example->alerts.receivers[0].urls.size(), 2u);
  EXPECT_EQ(example->http.relay_token_file, creds + "/relay_token");
  EXPECT_TRUE(example->alerts.receivers[1].relay_only);

  auto bad = parseConfig(R"(regions: [{region_id: cn-hangzhou}]
alerts:
  receivers:
    - name: a
      type: alertmanager
      url: http://am-a:9093
      urls: [http://am-a:9093]
    - name: b
      type: alertmanager
      urls: [am-a:9093, http://x, http://x]
    - name: c
      type: webhook
      urls: [http://x]
    - name: d
      type: alertmanager
      urls: []
    - name: e
      type: alertmanager
      urls: ["http://y/", "http://y", "http://z/?q=1"]
)",
                         "cfg.yaml", env());
  ASSERT_FALSE(bad);
  const Problems& p = bad.error();
  auto has = [&](const std::string& prefix) {
    return std::any_of(p.begin(), p.end(),
                       [&](const std::string& s) { return s.starts_with(prefix); });
  };
  EXPECT_TRUE(has("cfg.yaml:4:7: a receiver needs exactly one of url, url_file and urls"));
  EXPECT_TRUE(has("cfg.yaml:10:14: urls: 'am-a:9093' is not an http:// or https:// URL"));
  EXPECT_TRUE(has("cfg.yaml:10:35: urls: 'http://x' is listed twice"));
  EXPECT_TRUE(has("cfg.yaml:13:13: urls (every peer of a cluster) is for alertmanager"));
  EXPECT_TRUE(has("cfg.yaml:14:7: a receiver needs exactly one of url, url_file and urls"));
  EXPECT_TRUE(has("cfg.yaml:16:13: urls is empty"));
  EXPECT_TRUE(has("cfg.yaml:19:27: urls: 'http://y' is listed twice"));
  // Peers are named without user information, query or fragment (they may carry a password).
  EXPECT_TRUE(has("cfg.yaml:19:39: urls: 'http://z' has a query or fragment"));
  EXPECT_EQ(p.size(), 8u) << p.front();
}

}  // namespace
}  // namespace swas::config
