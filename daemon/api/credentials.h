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

// A source's failure: kCredentials, retryable (a refresh may work later).
core::Error credentialsError(std::string message);

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

// Temporary credentials, fetched when first asked for and again 15 minutes before they expire;
// a failed fetch is counted and not retried for `retry_holdoff`: the old credentials serve
// meanwhile while they last, else its error. Callers asking during a fetch wait for it.
class RefreshingCredentialsProvider : public CredentialsProvider {
 public:
  struct Timing {
    std::chrono::seconds refresh_before{15 * 60};
    std::chrono::seconds retry_holdoff{60};
  };
  RefreshingCredentialsProvider(const core::Clock& clock, Timing timing)
      : clock_(clock), timing_(timing) {}
  ~RefreshingCredentialsProvider() override { *alive_ = false; }
  void get(CredentialsCallback callback) final;
  uint64_t refreshFailures() const final { return refresh_failures_; }

 protected:
  using Fetched =
      std::expected<std::pair<Credentials, std::chrono::system_clock::time_point>, core::Error>;
  // Starts one fetch, which ends with complete() (later, on the loop: callbacks of a destroyed
  // provider check alive()).
  virtual void fetch() = 0;
  void complete(Fetched result);
  std::weak_ptr<bool> alive() const { return alive_; }
  const core::Clock& clock() const { return clock_; }

 private:
  const core::Clock& clock_;
  Timing timing_;
  std::optional<Credentials> current_;
  std::chrono::system_clock::time_point expiration_{};
  std::chrono::system_clock::time_point next_attempt_{};
  std::optional<core::Error> last_error_;  // of the last fetch, while it failed
  bool fetching_ = false;
  std::vector<CredentialsCallback> waiting_;
  uint64_t refresh_failures_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// STS credentials of an ECS RAM role from the instance metadata service: IMDSv2 token first,
// IMDSv1 when that fails (unless disabled), role discovery when no role is named.
class EcsRamRoleProvider final : public RefreshingCredentialsProvider {
 public:
  struct Options {
    std::string metadata_endpoint = "http://100.100.100.200";
    std::string role_name;  // empty: discover
    bool imdsv1_disabled = false;
    std::chrono::milliseconds timeout{2'000};
    Timing timing;
  };
  EcsRamRoleProvider(http::HttpClient& http, const core::Clock& clock, Options options);
  std::string source() const override { return "ecs_ram_role"; }

 private:
  void fetch() override;
  void fetchToken();
  void fetchRole(std::string token);
  void fetchCredentials(std::string token);
  http::HttpRequest metadataRequest(std::string method, std::string path,
                                    const std::string& token) const;

  http::HttpClient& http_;
  Options options_;
  std::string role_name_;
};

// One profile's `key = value` lines of a credentials file (INI), or nullopt without that
// [profile] section. Comments (# ;) and lines without '=' are skipped.
using IniSection = std::vector<std::pair<std::string, std::string>>;
std::optional<IniSection> parseIniSection(std::string_view text, const std::string& profile);

// The contract's order: the config's own keys; else the default chain of environment variables
// (ALIBABA_CLOUD_ACCESS_KEY_ID/_SECRET/_SECURITY_TOKEN), ACK's RRSA (ALIBABA_CLOUD_ROLE_ARN,
// _OIDC_PROVIDER_ARN and _OIDC_TOKEN_FILE, all three), the credentials file
// (~/.alibabacloud/credentials or ALIBABA_CLOUD_CREDENTIALS_FILE, profile ALIBABA_CLOUD_PROFILE
// or "default"), then the ECS RAM role. A half-configured source is an error, not a fall-through.
// Error texts never contain secrets.
std::expected<std::unique_ptr<CredentialsProvider>, std::string> makeCredentialsProvider(
    const core::CredentialsSettings& settings, const util::EnvLookup& env, http::HttpClient& http,
    const core::Clock& clock);

}  // namespace swas::api
