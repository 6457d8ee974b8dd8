// What --check-config must catch before the daemon starts (third round, "Exposure"): every file
// and profile the configuration names resolved at load, receiver URLs http or https only, no
// password of a URL in a problem, and one identity per account.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "daemon/config/config.h"
#include "daemon/util/url.h"

namespace swas::config {
namespace {

util::EnvLookup env(std::map<std::string, std::string> vars = {}) {
  return [vars](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A private file (0600) under this test's directory.
std::string writeFile(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() /
             ("swas-config-exposure-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string path = (dir / name).string();
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
  ::chmod(path.c_str(), 0600);
  return path;
}

std::string joined(const Problems& problems) {
  std::string out;
  for (const auto& p : problems) out += p + "\n";
  return out;
}

bool has(const Problems& problems, const std::string& prefix) {
  return std::any_of(problems.begin(), problems.end(),
                     [&](const std::string& p) { return p.starts_with(prefix); });
}

constexpr const char* kRegion = "regions: [{region_id: cn-hangzhou}]\n";

// Defect 4: `credentials: {profile: nope}` passed --check-config, and the daemon could not start.
TEST(ConfigExposure, ACredentialsProfileIsLookedUpAtLoad) {
  auto profile = [](const std::string& name, const util::EnvLookup& lookup) {
    return parseConfig(std::string(kRegion) + "credentials: {profile: " + name + "}\n", "cfg.yaml",
                       lookup);
  };
  auto no_file = profile("nope", env({{"HOME", "/nonexistent"}}));
  ASSERT_FALSE(no_file);
  ASSERT_EQ(no_file.error().size(), 1u) << joined(no_file.error());
  EXPECT_TRUE(
      no_file.error()[0].starts_with("cfg.yaml:2:24: credentials.profile nope: no credentials file "
                                     "/nonexistent/.alibabacloud/credentials"))
      << no_file.error()[0];
  auto no_home = profile("nope", env());
  ASSERT_FALSE(no_home);
  EXPECT_TRUE(no_home.error()[0].starts_with(
      "cfg.yaml:2:24: credentials.profile nope: no credentials file"))
      << no_home.error()[0];

  const std::string profiles =
      "[default]\naccess_key_id = default-id\naccess_key_secret = default-secret\n"
      "[half]\naccess_key_id = half-id\n"
      "[arn]\ntype = ram_role_arn\n"
      "[role]\ntype = ecs_ram_role\nrole_name = R\n";
  std::string file = writeFile("credentials", profiles);
  auto with_file = env({{"ALIBABA_CLOUD_CREDENTIALS_FILE", file}, {"HOME", "/nonexistent"}});
  auto missing = profile("nope", with_file);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error()[0],
            "cfg.yaml:2:24: credentials.profile nope: " + file + " has no profile [nope]");
  auto half = profile("half", with_file);
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error()[0], "cfg.yaml:2:24: credentials.profile half: " + file +
                                 " [half]: access_key_id and access_key_secret are required");
  auto arn = profile("arn", with_file);
  ASSERT_FALSE(arn);
  EXPECT_NE(arn.error()[0].find("credential type 'ram_role_arn' is not supported"),
            std::string::npos)
      << arn.error()[0];
  EXPECT_TRUE(profile("default", with_file));
  EXPECT_TRUE(profile("role", with_file));
  // $HOME/.alibabacloud/credentials when no file variable is set, as the credentials chain.
  std::string home = writeFile("home/.alibabacloud/credentials", profiles);
  EXPECT_TRUE(profile("default", env({{"HOME", home.substr(0, home.find("/.alibabacloud"))}})));

  // An account's profile too, at its own line.
  auto account = parseConfig(
      "accounts:\n  - name: prod\n    credentials: {profile: nope}\n"
      "    regions: [{region_id: cn-hangzhou}]\n",
      "cfg.yaml", with_file);
  ASSERT_FALSE(account);
  EXPECT_TRUE(has(account.error(), "cfg.yaml:3:28: credentials.profile nope: "))
      << joined(account.error());
}

TEST(ConfigExposure, SecretFilesMustHoldSomething) {
  auto secret = [](const std::string& path) {
    return parseConfig(std::string(kRegion) +
                           "credentials:\n  access_key_id: id\n  access_key_secret_file: " + path +
                           "\n",
                       "cfg.yaml", env());
  };
  std::string empty = writeFile("empty", " \n\t\n");
  auto blank = secret(empty);
  ASSERT_FALSE(blank);
  ASSERT_EQ(blank.error().size(), 1u) << joined(blank.error());
  EXPECT_EQ(blank.error()[0], "cfg.yaml:4:27: access_key_secret_file: " + empty + " is empty");
  std::string dir = std::filesystem::path(empty).parent_path().string();
  auto directory = secret(dir);
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error()[0],
            "cfg.yaml:4:27: access_key_secret_file: " + dir + " is a directory, not a file");
  auto endless = secret("/dev/zero");
  ASSERT_FALSE(endless);
  EXPECT_EQ(endless.error()[0],
            "cfg.yaml:4:27: access_key_secret_file: /dev/zero is larger than 64 KiB; it holds no "
            "secret");
  EXPECT_TRUE(secret(writeFile("ak_secret", "s3cr3t\n")));
  // Half a key pair fails at start: now, at load.
  auto no_secret =
      parseConfig(std::string(kRegion) + "credentials:\n  access_key_id: id\n", "cfg.yaml", env());
  ASSERT_FALSE(no_secret);
  EXPECT_EQ(no_secret.error()[0],
            "cfg.yaml:3:18: credentials: access_key_id needs access_key_secret or "
            "access_key_secret_file");
}

TEST(ConfigExposure, ARelayTokenShorterThan16BytesIsRefused) {
  auto relay = [](const std::string& path) {
    return parseConfig(std::string(kRegion) + "http:\n  relay_token_file: " + path + "\n",
                       "cfg.yaml", env());
  };
  std::string short_token = writeFile("short_token", "short-token-15b\n");
  auto refused = relay(short_token);
  ASSERT_FALSE(refused);
  ASSERT_EQ(refused.error().size(), 1u) << joined(refused.error());
  EXPECT_TRUE(refused.error()[0].starts_with("cfg.yaml:3:21: http.relay_token_file: the token in " +
                                             short_token + " is shorter than 16 bytes"))
      << refused.error()[0];
  EXPECT_EQ(refused.error()[0].find("short-token-15b"), std::string::npos) << "never the token";
  std::string empty = writeFile("empty_token", "\n");
  auto blank = relay(empty);
  ASSERT_FALSE(blank);
  EXPECT_EQ(blank.error()[0], "cfg.yaml:3:21: relay_token_file: " + empty + " is empty");
  auto ok = relay(writeFile("token", "0123456789abcdef\n"));
  ASSERT_TRUE(ok) << joined(ok.error());
  EXPECT_TRUE(ok->warnings.empty());
}

// Issue 26: the event hints' token follows the relay's rules, and hinted polls may not come
// closer than 200 ms (each is an API call).
TEST(ConfigExposure, TheEventTokenAndTheHintGapAreChecked) {
  auto events = [](const std::string& path, const std::string& gap) {
    return parseConfig(std::string(kRegion) + "poll:\n  hint_gap: " + gap +
                           "\nhttp:\n  event_token_file: " + path + "\n",
                       "cfg.yaml", env());
  };
  std::string short_token = writeFile("short_event_token", "short-token-15b\n");
  auto refused = events(short_token, "1s");
  ASSERT_FALSE(refused);
  ASSERT_EQ(refused.error().size(), 1u) << joined(refused.error());
  EXPECT_TRUE(refused.error()[0].starts_with("cfg.yaml:5:21: http.event_token_file: the token in " +
                                             short_token + " is shorter than 16 bytes"))
      << refused.error()[0];
  std::string token = writeFile("event_token", "0123456789abcdef\n");
  auto ok = events(token, "500ms");
  ASSERT_TRUE(ok) << joined(ok.error());
  EXPECT_EQ(ok->http.event_token_file, token);
  EXPECT_EQ(ok->poll.hint_gap, std::chrono::milliseconds(500));
  auto close = events(token, "100ms");
  ASSERT_FALSE(close);
  EXPECT_TRUE(close.error()[0].starts_with("cfg.yaml:3:13: poll.hint_gap must be at least 200ms"))
      << close.error()[0];
  auto defaults = parseConfig(kRegion, "cfg.yaml", env());
  ASSERT_TRUE(defaults);
  EXPECT_TRUE(defaults->http.event_token_file.empty()) << "off unless set";
  EXPECT_EQ(defaults->poll.hint_gap, std::chrono::seconds(1));
}

// Issue 27: cluster: {shards, shard, replicas}, the shard from the environment (a StatefulSet's
// pod index), each problem at its place.
TEST(ConfigExposure, TheClusterIsCheckedAndItsShardMayComeFromTheEnvironment) {
  auto cluster = [](const std::string& body, std::map<std::string, std::string> vars = {}) {
    return parseConfig(std::string(kRegion) + "cluster:\n" + body, "cfg.yaml", env(vars));
  };
  auto ok =
      cluster("  shards: 3\n  shard: \"${POD_INDEX}\"\n  replicas: 2\n", {{"POD_INDEX", "2"}});
  ASSERT_TRUE(ok) << joined(ok.error());
  EXPECT_EQ(ok->cluster.shards, 3);
  EXPECT_EQ(ok->cluster.shard, 2);
  EXPECT_EQ(ok->cluster.replicas, 2);
  auto defaults = parseConfig(kRegion, "cfg.yaml", env());
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->cluster.shards, 1);
  EXPECT_EQ(defaults->cluster.replicas, 1);
  auto beyond = cluster("  shards: 3\n  shard: 3\n");
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error()[0],
            "cfg.yaml:4:10: cluster.shard 3 is not below cluster.shards (3): replicas are "
            "numbered 0..2");
  auto owners = cluster("  shards: 2\n  replicas: 3\n");
  ASSERT_FALSE(owners);
  EXPECT_TRUE(owners.error()[0].starts_with("cfg.yaml:4:13: cluster.replicas (3) must be at most"))
      << owners.error()[0];
  auto unknown = cluster("  shard_count: 2\n");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error()[0].find("shard_count"), std::string::npos) << unknown.error()[0];
  auto peers = cluster("  shards: 3\n  peers: [\"http://a:9786\", \"ftp://b\"]\n");
  ASSERT_FALSE(peers);
  EXPECT_EQ(peers.error()[0],
            "cfg.yaml:4:10: cluster.peers lists 2 URL(s); it needs one per shard (3), in shard "
            "order");
  EXPECT_EQ(peers.error()[1], "cfg.yaml:4:28: cluster.peers: not an http:// or https:// URL");
}

// Issue 27: ACK's RRSA in the configuration: the three keys together and alone, the token file
// readable at load, STS's endpoint a URL; one role is one identity across accounts.
TEST(ConfigExposure, ARoleAssumedWithAnOidcTokenIsCheckedAtLoad) {
  std::string token = writeFile("oidc_token", "eyJ.token.sig\n");
  auto with = [](const std::string& credentials) {
    return parseConfig(std::string(kRegion) + "credentials:\n" + credentials, "cfg.yaml", env());
  };
  const std::string role = "  oidc_role_arn: acs:ram::1:role/monitor\n";
  const std::string provider = "  oidc_provider_arn: acs:ram::1:oidc-provider/ack-rrsa-c1\n";
  auto ok = with(role + provider + "  oidc_token_file: " + token +
                 "\n  role_session_name: pod-0\n  sts_endpoint: "
                 "\"https://sts-vpc.cn-hangzhou.aliyuncs.com\"\n");
  ASSERT_TRUE(ok) << joined(ok.error());
  EXPECT_EQ(ok->credentials.oidc_role_arn, "acs:ram::1:role/monitor");
  EXPECT_EQ(ok->credentials.oidc_token_file, token);
  EXPECT_EQ(ok->credentials.role_session_name, "pod-0");
  auto half = with(role + "  oidc_token_file: " + token + "\n");
  ASSERT_FALSE(half);
  EXPECT_TRUE(
      has(half.error(),
          "cfg.yaml:3:3: credentials: a role assumed with an OIDC token needs oidc_role_arn, "
          "oidc_provider_arn and oidc_token_file"))
      << joined(half.error());
  auto unreadable = with(role + provider + "  oidc_token_file: /nonexistent/token\n");
  ASSERT_FALSE(unreadable);
  EXPECT_TRUE(has(unreadable.error(), "cfg.yaml:5:20: oidc_token_file: cannot read"))
      << joined(unreadable.error());
  auto mixed = with(role + provider + "  oidc_token_file: " + token + "\n  access_key_id: x\n");
  ASSERT_FALSE(mixed);
  EXPECT_TRUE(
      has(mixed.error(), "cfg.yaml:3:18: credentials: oidc_role_arn is a source of its own"))
      << joined(mixed.error());
  auto endpoint = with(role + provider + "  oidc_token_file: " + token +
                       "\n  sts_endpoint: sts.aliyuncs.com\n");
  ASSERT_FALSE(endpoint);
  EXPECT_TRUE(has(endpoint.error(), "cfg.yaml:6:17: credentials.sts_endpoint must be"))
      << joined(endpoint.error());
  // Empty (an unset-to-empty ${VAR}, say): not a silent fall to another source.
  auto empty = with("  oidc_role_arn: \"\"\n" + provider + "  oidc_token_file: " + token + "\n");
  ASSERT_FALSE(empty);
  EXPECT_TRUE(has(empty.error(), "cfg.yaml:3:3: credentials: a role assumed with an OIDC token"))
      << joined(empty.error());
  auto with_role =
      with(role + provider + "  oidc_token_file: " + token + "\n  ecs_ram_role: SwasMonitorRole\n");
  ASSERT_FALSE(with_role);
  EXPECT_TRUE(has(with_role.error(),
                  "cfg.yaml:3:18: credentials: oidc_role_arn is a source of "
                  "its own; give it without ecs_ram_role"))
      << joined(with_role.error());
  // Per account, and one role is one identity across accounts.
  std::string oidc =
      "      oidc_role_arn: acs:ram::1:role/monitor\n      oidc_provider_arn: "
      "acs:ram::1:oidc-provider/p\n      oidc_token_file: " +
      token + "\n";
  auto accounts =
      parseConfig("accounts:\n  - name: a\n    credentials:\n" + oidc +
                      "    regions: [{region_id: cn-hangzhou}]\n  - name: b\n    credentials:\n" +
                      oidc + "    regions: [{region_id: cn-beijing}]\n",
                  "cfg.yaml", env());
  ASSERT_FALSE(accounts);
  EXPECT_TRUE(has(accounts.error(),
                  "cfg.yaml:10:7: account b: its credentials are account a's "
                  "(the same RAM role, by OIDC)"))
      << joined(accounts.error());
}

// Issue 27: with two owners per key, a receiver sent to straight needs the peers, or both
// owners would send it; Alertmanager's (which deduplicates) and relay_only ones do not.
TEST(ConfigExposure, TwoOwnersPerKeyNeedThePeersToSendStraight) {
  auto with = [](const std::string& cluster, const std::string& receiver) {
    return parseConfig(std::string(kRegion) + "cluster:\n" + cluster +
                           "alerts:\n  receivers:\n    - name: r\n      url: "
                           "\"http://hooks.example/x\"\n" +
                           receiver,
                       "cfg.yaml", env());
  };
  const std::string pair = "  shards: 2\n  shard: 1\n  replicas: 2\n";
  auto webhook = with(pair, "      type: webhook\n");
  ASSERT_FALSE(webhook);
  EXPECT_EQ(webhook.error()[0],
            "cfg.yaml:5:13: cluster.replicas is 2 and receiver r (webhook) is sent to straight: "
            "list cluster.peers (every replica's URL, by shard) so only the first live owner of "
            "a key sends to it, or make it relay_only");
  EXPECT_TRUE(with(pair, "      type: alertmanager\n"));
  EXPECT_TRUE(with(pair, "      type: dingtalk\n      relay_only: true\n"));
  auto listed = with(pair + "  peers: [\"http://m-0.m:9786\", \"http://m-1.m:9786\"]\n",
                     "      type: webhook\n");
  ASSERT_TRUE(listed) << joined(listed.error());
  EXPECT_EQ(listed->cluster.peers.size(), 2u);
  EXPECT_EQ(listed->cluster.probe_interval, std::chrono::seconds(5));
}

// Defect 8: `url: "file:///etc/passwd"` passed --check-config, and test-alert printed the file.
TEST(ConfigExposure, ReceiverUrlsAreHttpOrHttpsOnly) {
  std::string file_url = writeFile("file_url", "file:///etc/passwd\n");
  auto c = parseConfig(std::string(kRegion) + R"(alerts:
  receivers:
    - name: a
      type: webhook
      url: "file:///etc/passwd"
    - name: b
      type: dingtalk
      url_file: )" + file_url +
                           R"(
    - name: c
      type: alertmanager
      url: "gopher://admin:s3cret@am:70/x"
    - name: d
      type: webhook
      url: "HTTPS://hooks.example/T0/token"
    - name: e
      type: slack
      url: "hooks.example/services/T"
)",
                       "cfg.yaml", env());
  ASSERT_FALSE(c);
  const Problems& p = c.error();
  EXPECT_TRUE(has(p, "cfg.yaml:6:12: url is not an http:// or https:// URL (its scheme is file)"))
      << joined(p);
  EXPECT_TRUE(has(p, "cfg.yaml:9:17: url_file: " + file_url +
                         " does not hold an http:// or https:// URL (its scheme is file)"))
      << joined(p);
  EXPECT_TRUE(
      has(p, "cfg.yaml:12:12: url is not an http:// or https:// URL (its scheme is gopher)"))
      << joined(p);
  EXPECT_TRUE(has(p, "cfg.yaml:18:12: url is not an http:// or https:// URL;")) << joined(p);
  EXPECT_EQ(p.size(), 4u) << joined(p);
  EXPECT_EQ(joined(p).find("s3cret"), std::string::npos) << joined(p);
  EXPECT_EQ(joined(p).find("services/T"), std::string::npos) << "a URL's path may be its token";

  std::string good_url = writeFile("good_url", "https://hooks.example/T0/token\n");
  auto good = parseConfig(
      std::string(kRegion) +
          "alerts:\n  receivers:\n    - {name: a, type: webhook, url_file: " + good_url + "}\n",
      "cfg.yaml", env());
  EXPECT_TRUE(good) << joined(good.error());
  auto metadata = parseConfig(std::string(kRegion) +
                                  "credentials: {ecs_ram_role: r, metadata_endpoint: "
                                  "\"file:///etc/passwd\"}\n",
                              "cfg.yaml", env());
  ASSERT_FALSE(metadata);
  EXPECT_TRUE(has(metadata.error(),
                  "cfg.yaml:2:51: credentials.metadata_endpoint must be an "
                  "http:// or https:// URL"))
      << joined(metadata.error());
}

// Defect 9: a problem with an Alertmanager peer printed its URL, password and all.
TEST(ConfigExposure, ProblemsNamePeersWithoutTheirPassword) {
  auto c = parseConfig(std::string(kRegion) + R"(alerts:
  receivers:
    - name: am
      type: alertmanager
      urls:
        - "http://admin:s3cret@am1:9093/?x"
        - "ftp://admin:s3cret@am2:9093"
        - "http://admin:s3cret@am3:9093"
        - "http://admin:s3cret@am3:9093/"
)",
                       "cfg.yaml", env());
  ASSERT_FALSE(c);
  const Problems& p = c.error();
  EXPECT_TRUE(has(p, "cfg.yaml:7:11: urls: 'http://am1:9093' has a query or fragment"))
      << joined(p);
  EXPECT_TRUE(has(p, "cfg.yaml:8:11: urls: 'ftp://am2:9093' is not an http:// or https:// URL"))
      << joined(p);
  EXPECT_TRUE(has(p, "cfg.yaml:10:11: urls: 'http://am3:9093' is listed twice")) << joined(p);
  EXPECT_EQ(p.size(), 3u) << joined(p);
  EXPECT_EQ(joined(p).find("s3cret"), std::string::npos) << joined(p);

  // A password with an unescaped '/', '?' or '#' leaves an '@' after the host: refused, and
  // neither the password nor the "host" before it is named.
  auto ambiguous = parseConfig(std::string(kRegion) + R"(alerts:
  receivers:
    - name: am
      type: alertmanager
      urls: ["http://localhost:1234/S3cretTail@am1:9093", "http://admin:2024?S3cret@am2"]
    - {name: hook, type: webhook, url: "http://admin:77/S3cret@hook.example/x"}
)",
                               "cfg.yaml", env());
  ASSERT_FALSE(ambiguous);
  EXPECT_EQ(ambiguous.error().size(), 3u) << joined(ambiguous.error());
  EXPECT_EQ(joined(ambiguous.error()).find("S3cret"), std::string::npos)
      << joined(ambiguous.error());
  EXPECT_EQ(joined(ambiguous.error()).find("2024"), std::string::npos) << joined(ambiguous.error());

  auto endpoint = parseConfig(
      std::string(kRegion) +
          "api:\n  endpoint: \"https://admin:s3cret@swas.{region_id}.aliyuncs.com/x\"\n",
      "cfg.yaml", env());
  ASSERT_FALSE(endpoint);
  EXPECT_EQ(endpoint.error()[0],
            "cfg.yaml:3:13: api.endpoint: user information (user:password@) has no place in an "
            "API endpoint");
  EXPECT_EQ(joined(endpoint.error()).find("s3cret"), std::string::npos);

  auto valid = parseConfig(std::string(kRegion) +
                               "alerts:\n  receivers:\n    - {name: am, type: alertmanager, urls: "
                               "[\"http://admin:s3cret@am1:9093\", \"http://am2:9093\"]}\n",
                           "cfg.yaml", env());
  ASSERT_TRUE(valid) << joined(valid.error());
  EXPECT_EQ(summary(*valid).find("s3cret"), std::string::npos) << summary(*valid);
}

TEST(ConfigExposure, PeerNamesAndSchemes) {
  EXPECT_EQ(util::peerName("https://u:p@am.example:9093/prefix/?x#y"),
            "https://am.example:9093/prefix");
  EXPECT_EQ(util::peerName("http://[::1]:9093/"), "http://[::1]:9093");
  // As libcurl reads them (RFC 3986): the authority ends at the first '/', '?' or '#'; a path
  // with an '@' is not shown (another parser might read a password there).
  EXPECT_EQ(util::peerName("http://am:9093/a@b"), "http://am:9093");
  EXPECT_EQ(util::peerName("http://localhost:1234/S3cretTail@am1:9093"), "http://localhost:1234");
  EXPECT_EQ(util::peerName("http://admin:s3cret@am1:9093/x"), "http://am1:9093/x");
  EXPECT_EQ(util::peerName("admin:s3cret@am1:9093"), "am1:9093");
  EXPECT_TRUE(util::ambiguousAt("http://admin:s3/cret@am1"));
  EXPECT_TRUE(util::ambiguousAt("http://admin:2024?S3cret@am1"));
  EXPECT_FALSE(util::ambiguousAt("http://admin:s3cret@am1:9093/alertmanager"));
  EXPECT_EQ(util::peerName("am-a:9093"), "am-a:9093");
  EXPECT_TRUE(util::isHttpUrl("http://x"));
  EXPECT_TRUE(util::isHttpUrl("HTTPS://u:p@x/y"));
  EXPECT_FALSE(util::isHttpUrl("http://"));
  EXPECT_FALSE(util::isHttpUrl("http://u:p@/x"));
  EXPECT_FALSE(util::isHttpUrl("file:///etc/passwd"));
  EXPECT_FALSE(util::isHttpUrl("ftp://x"));
  EXPECT_FALSE(util::isHttpUrl("x.example/y"));
  EXPECT_EQ(util::urlScheme("Gopher://x"), "gopher");
  EXPECT_EQ(util::urlScheme("x.example/a://b"), "");
}

// Defect 10: an account without credentials polled with the process's default chain (another
// account's), and that account's invocations were alerted again under the wrong label.
TEST(ConfigExposure, EveryAccountIsItsOwnIdentity) {
  auto c = parseConfig(R"(accounts:
  - name: prod
    credentials: {access_key_id: "${PROD_AK}", access_key_secret: a}
    regions: [{region_id: cn-hangzhou}]
  - name: staging
    regions: [{region_id: cn-hangzhou}]
  - name: qa
    credentials: {access_key_id: AK1, access_key_secret: b}
    regions: [{region_id: cn-hangzhou}]
  - name: dev
    credentials: {metadata_endpoint: "http://127.0.0.1:1"}
    regions: [{region_id: cn-hangzhou}]
  - name: ok
    credentials: {access_key_id: AK2, access_key_secret: b}
    regions: [{region_id: cn-hangzhou}]
)",
                       "cfg.yaml", env({{"PROD_AK", "AK1"}}));
  ASSERT_FALSE(c);
  const Problems& p = c.error();
  EXPECT_TRUE(has(p, "cfg.yaml:5:5: account staging: credentials is required with accounts:"))
      << joined(p);
  EXPECT_TRUE(has(p,
                  "cfg.yaml:8:18: account qa: its credentials are account prod's (the same "
                  "AccessKey ID)"))
      << joined(p);
  EXPECT_TRUE(has(p, "cfg.yaml:11:18: account dev: credentials names no source")) << joined(p);
  EXPECT_EQ(p.size(), 3u) << joined(p);
  EXPECT_EQ(joined(p).find("AK1"), std::string::npos) << "an AccessKey ID is not printed";

  // Through the credentials file: the same profile, or two profiles of one key; and one ECS
  // RAM role.
  std::string file = writeFile("accounts_credentials",
                               "[p1]\naccess_key_id = K\naccess_key_secret = s\n"
                               "[p2]\naccess_key_id = K\naccess_key_secret = t\n"
                               "[p3]\naccess_key_id = L\naccess_key_secret = u\n");
  auto profiles = parseConfig(R"(accounts:
  - name: a
    credentials: {profile: p1}
    regions: [{region_id: cn-hangzhou}]
  - name: b
    credentials: {profile: p1}
    regions: [{region_id: cn-hangzhou}]
  - name: c
    credentials: {profile: p2}
    regions: [{region_id: cn-hangzhou}]
  - name: d
    credentials: {profile: p3}
    regions: [{region_id: cn-hangzhou}]
  - name: e
    credentials: {ecs_ram_role: r}
    regions: [{region_id: cn-hangzhou}]
  - name: f
    credentials: {ecs_ram_role: r}
    regions: [{region_id: cn-hangzhou}]
)",
                              "cfg.yaml", env({{"ALIBABA_CLOUD_CREDENTIALS_FILE", file}}));
  ASSERT_FALSE(profiles);
  const Problems& q = profiles.error();
  EXPECT_TRUE(has(q, "cfg.yaml:6:18: account b: its credentials are account a's")) << joined(q);
  EXPECT_TRUE(has(q, "cfg.yaml:9:18: account c: its credentials are account a's")) << joined(q);
  EXPECT_TRUE(has(q,
                  "cfg.yaml:18:18: account f: its credentials are account e's (the same ECS "
                  "RAM role)"))
      << joined(q);
  EXPECT_EQ(q.size(), 3u) << joined(q);
}

TEST(ConfigExposure, TheStatusPageCanBeSwitchedOff) {
  auto defaults = parseConfig(kRegion, "cfg.yaml", env());
  ASSERT_TRUE(defaults);
  EXPECT_TRUE(defaults->http.status_page);
  auto off = parseConfig(std::string(kRegion) + "http:\n  status_page: false\n", "cfg.yaml", env());
  ASSERT_TRUE(off) << joined(off.error());
  EXPECT_FALSE(off->http.status_page);
  auto bad = parseConfig(std::string(kRegion) + "http:\n  status_page: maybe\n", "cfg.yaml", env());
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error()[0], "cfg.yaml:3:16: status_page must be true or false");
}

}  // namespace
}  // namespace swas::config
