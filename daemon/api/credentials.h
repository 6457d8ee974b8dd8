#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/api/request_signer.h"
#include "daemon/core/clock.h"
#include "daemon/core/credentials_settings.h"
#include "daemon/core/error.h"
#include "daemon/http/http_client.h"
#include "daemon/util/env.h"

namespace swas::api {

using CredentialsResult = std::expected<Credentials, core::Error>;
using CredentialsCallback = std::function<void(CredentialsResult)>;

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Completes with usable credentials or a kCredentials error; may complete before returning.
  virtual void get(CredentialsCallback callback) = 0;
  // Where the credentials come from, for logs ("config", "environment", "ecs_ram_role", ...).
  virtual std::string source() const = 0;
  // Refreshes that failed so far.
  virtual uint64_t refreshFailures() const = 0;
  // Called on each refresh that fails, as it fails (swas_credentials_refresh_failures_total).
  void onRefreshFailure(std::function<void()> callback) {
    on_refresh_failure_ = std::move(callback);
  }

 protected:
  void refreshFailed() const {
    if (on_refresh_failure_) on_refresh_failure_();
  }

 private:
  std::function<void()> on_refresh_failure_;
};

class StaticCredentialsProvider final : public CredentialsProvider {
 public:
  StaticCredentialsProvider(Credentials credentials, std::string source)
      : credentials_(std::move(credentials)), source_(std::move(source)) {}
  void get(CredentialsCallback callback) override { callback(credentials_); }
  std::string source() const override { return source_; }
  uint64_t refreshFailures() const override { return 0; }  // nothing to refresh

 private:
  Credentials credentials_;
  std::string source_;
};

// STS credentials of an ECS RAM role from the instance metadata service: IMDSv2 token first,
// IMDSv1 when that fails (unless disabled), role discovery when no role is named. Refreshes
// 15 minutes before Expiration; a failed refresh keeps the old credentials until they expire,
// is counted, and is not retried for `retry_holdoff`.
class EcsRamRoleProvider final : public CredentialsProvider {
 public:
  struct Options {
    std::string metadata_endpoint = "http://100.100.100.200";
    std::string role_name;  // empty: discover
    bool imdsv1_disabled = false;
    std::chrono::milliseconds timeout{2'000};
    std::chrono::seconds refresh_before{15 * 60};
    std::chrono::seconds retry_holdoff{60};
  };
  EcsRamRoleProvider(http::HttpClient& http, const core::Clock& clock, Options options);
  ~EcsRamRoleProvider() override;
  void get(CredentialsCallback callback) override;
  std::string source() const override { return "ecs_ram_role"; }

  uint64_t refreshFailures() const override { return refresh_failures_; }

 private:
  void fetch();
  void fetchToken();
  void fetchRole(std::string token);
  void fetchCredentials(std::string token);
  void complete(
      std::expected<std::pair<Credentials, std::chrono::system_clock::time_point>, core::Error>
          result);
  http::HttpRequest metadataRequest(std::string method, std::string path,
                                    const std::string& token) const;

  http::HttpClient& http_;
  const core::Clock& clock_;
  Options options_;
  std::string role_name_;
  std::optional<Credentials> current_;
  std::chrono::system_clock::time_point expiration_{};
  std::chrono::system_clock::time_point next_attempt_{};
  bool fetching_ = false;
  std::vector<CredentialsCallback> waiting_;
  uint64_t refresh_failures_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// One profile's `key = value` lines of a credentials file (INI), or nullopt without that
// [profile] section. Comments (# ;) and lines without '=' are skipped.
using IniSection = std::vector<std::pair<std::string, std::string>>;
std::optional<IniSection> parseIniSection(std::string_view text, const std::string& profile);

// The contract's order: the config's own keys; else the default chain of environment variables
// (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/_SECURITY_TOKEN), the credentials file
// (~/.alibabacloud/credentials or ALIBABA_CLOUD_CREDENTIALS_FILE, profile ALIBABA_CLOUD_PROFILE
// or "default"), then the ECS RAM role. A half-configured source is an error, not a fall-through.
// Error texts never contain secrets.
std::expected<std::unique_ptr<CredentialsProvider>, std::string> makeCredentialsProvider(
    const core::CredentialsSettings& settings, const util::EnvLookup& env, http::HttpClient& http,
    const core::Clock& clock);

}  // namespace swas::api
