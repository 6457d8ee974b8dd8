#include "daemon/api/credentials.h"

#include <cstdlib>
#include <fstream>

#include "daemon/api/oidc_credentials.h"
#include "daemon/api/response_parser.h"
#include "daemon/core/time.h"
#include "daemon/util/credentials_file.h"

namespace swas::api {
core::Error credentialsError(std::string message) {
  return core::Error{
      .kind = core::ErrorKind::kCredentials, .message = std::move(message), .retryable = true};
}

namespace {

using util::trimmed;

}  // namespace

std::optional<IniSection> parseIniSection(std::string_view text, const std::string& profile) {
  return util::parseIniSection(text, profile);
}

namespace {

bool truthy(const std::optional<std::string>& value) {
  return value && (*value == "true" || *value == "1");
}

}  // namespace

void RefreshingCredentialsProvider::get(CredentialsCallback callback) {
  auto now = clock_.now();
  bool fresh = current_ && now < expiration_ - timing_.refresh_before;
  bool usable = current_ && now < expiration_;
  if (fresh || (usable && now < next_attempt_)) {
    callback(*current_);
    return;
  }
  // None to serve, and the last fetch failed within the holdoff: its error, without asking the
  // source again (every region's every retry would, and STS is rate-limited).
  if (!usable && last_error_ && now < next_attempt_) {
    callback(std::unexpected(*last_error_));
    return;
  }
  waiting_.push_back(std::move(callback));
  if (!fetching_) {
    fetching_ = true;
    fetch();
  }
}

void RefreshingCredentialsProvider::complete(Fetched result) {
  fetching_ = false;
  auto now = clock_.now();
  std::optional<core::Error> failure;
  if (result) {
    current_ = std::move(result->first);
    expiration_ = result->second;
    last_error_.reset();
  } else {
    ++refresh_failures_;
    refreshFailed();
    next_attempt_ = now + timing_.retry_holdoff;
    failure = std::move(result.error());
    last_error_ = failure;
  }
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& callback : waiting) {
    if (!failure || (current_ && now < expiration_)) {
      callback(*current_);  // a failed refresh keeps the old credentials while they last
    } else {
      callback(std::unexpected(*failure));
    }
  }
}

EcsRamRoleProvider::EcsRamRoleProvider(http::HttpClient& http, const core::Clock& clock,
                                       Options options)
    : RefreshingCredentialsProvider(clock, options.timing),
      http_(http),
      options_(std::move(options)),
      role_name_(options_.role_name) {}

void EcsRamRoleProvider::fetch() { fetchToken(); }

http::HttpRequest EcsRamRoleProvider::metadataRequest(std::string method, std::string path,
                                                      const std::string& token) const {
  http::HttpRequest request;
  request.method = std::move(method);
  request.url = options_.metadata_endpoint + path;
  request.timeout = options_.timeout;
  if (!token.empty()) request.headers.emplace_back("X-aliyun-ecs-metadata-token", token);
  return request;
}

void EcsRamRoleProvider::fetchToken() {
  http::HttpRequest request = metadataRequest("PUT", "/latest/api/token", "");
  request.headers.emplace_back("X-aliyun-ecs-metadata-token-ttl-seconds", "21600");
  std::weak_ptr<bool> alive = this->alive();
  http_.send(std::move(request), [this, alive](http::HttpResult result) {
    if (alive.expired()) return;
    if (result && result->status / 100 == 2 && !result->body.empty()) {
      fetchRole(trimmed(result->body));
    } else if (options_.imdsv1_disabled) {
      complete(std::unexpected(credentialsError(
          "ECS metadata token (IMDSv2) request failed and IMDSv1 is disabled: " +
          (result ? "HTTP " + std::to_string(result->status) : core::describe(result.error())))));
    } else {
      fetchRole("");  // IMDSv1
    }
  });
}

void EcsRamRoleProvider::fetchRole(std::string token) {
  if (!role_name_.empty()) {
    fetchCredentials(std::move(token));
    return;
  }
  std::weak_ptr<bool> alive = this->alive();
  http_.send(
      metadataRequest("GET", "/latest/meta-data/ram/security-credentials/", token),
      [this, alive, token](http::HttpResult result) {
        if (alive.expired()) return;
        if (!result || result->status != 200) {
          complete(
              std::unexpected(credentialsError("cannot discover the ECS RAM role: " +
                                               (result ? "HTTP " + std::to_string(result->status)
                                                       : core::describe(result.error())))));
          return;
        }
        std::string role = trimmed(result->body.substr(0, result->body.find('\n')));
        if (role.empty()) {
          complete(std::unexpected(credentialsError("no RAM role is attached to this instance")));
          return;
        }
        role_name_ = role;
        fetchCredentials(token);
      });
}

void EcsRamRoleProvider::fetchCredentials(std::string token) {
  std::weak_ptr<bool> alive = this->alive();
  http_.send(
      metadataRequest("GET", "/latest/meta-data/ram/security-credentials/" + role_name_, token),
      [this, alive](http::HttpResult result) {
        if (alive.expired()) return;
        if (!result || result->status != 200) {
          complete(std::unexpected(
              credentialsError("cannot fetch credentials of ECS RAM role " + role_name_ + ": " +
                               (result ? "HTTP " + std::to_string(result->status)
                                       : core::describe(result.error())))));
          return;
        }
        auto parsed = parseMetadataCredentials(result->body);
        if (!parsed) {
          complete(
              std::unexpected(credentialsError("metadata credentials: " + parsed.error().message)));
          return;
        }
        auto expiration = core::parseApiTime(parsed->expiration);
        if (parsed->code != "Success" || parsed->access_key_id.empty() ||
            parsed->access_key_secret.empty() || !expiration) {
          complete(
              std::unexpected(credentialsError("metadata credentials of role " + role_name_ +
                                               " are incomplete (Code=" + parsed->code + ")")));
          return;
        }
        complete(std::pair{
            Credentials{parsed->access_key_id, parsed->access_key_secret, parsed->security_token},
            std::chrono::system_clock::time_point(*expiration)});
      });
}

namespace {

using Made = std::expected<std::unique_ptr<CredentialsProvider>, std::string>;

std::unique_ptr<CredentialsProvider> staticProvider(Credentials c, std::string source) {
  return std::make_unique<StaticCredentialsProvider>(std::move(c), std::move(source));
}

// The sources of the chain, in order; each answers nullopt when it holds nothing, so the next
// is tried, and an error when it is half-configured.
struct Chain {
  const core::CredentialsSettings& settings;
  const util::EnvLookup& env;
  http::HttpClient& http;
  const core::Clock& clock;

  std::unique_ptr<CredentialsProvider> ecs(std::string role) const {
    EcsRamRoleProvider::Options options;
    options.metadata_endpoint = settings.metadata_endpoint;
    options.role_name = std::move(role);
    options.imdsv1_disabled = truthy(env("ALIBABA_CLOUD_IMDSV1_DISABLED"));
    return std::make_unique<EcsRamRoleProvider>(http, clock, std::move(options));
  }

  std::unique_ptr<CredentialsProvider> oidc(std::string role_arn, std::string provider_arn,
                                            std::string token_file,
                                            std::optional<std::string> session) const {
    OidcRoleProvider::Options options;
    options.role_arn = std::move(role_arn);
    options.provider_arn = std::move(provider_arn);
    options.token_file = std::move(token_file);
    if (session && !session->empty()) options.session_name = std::move(*session);
    options.sts_endpoint = settings.sts_endpoint.empty() ? stsEndpoint(env) : settings.sts_endpoint;
    return std::make_unique<OidcRoleProvider>(http, clock, std::move(options));
  }

  std::optional<Made> fromConfig() const {
    if (!settings.ecs_ram_role.empty()) return ecs(settings.ecs_ram_role);
    if (!settings.oidc_role_arn.empty()) {
      return oidc(settings.oidc_role_arn, settings.oidc_provider_arn, settings.oidc_token_file,
                  settings.role_session_name);
    }
    bool has_secret =
        !settings.access_key_secret.empty() || !settings.access_key_secret_file.empty();
    if (settings.access_key_id.empty() && !has_secret) return std::nullopt;
    if (settings.access_key_id.empty())
      return std::unexpected("credentials: access_key_id is missing");
    if (!has_secret) {
      return std::unexpected("credentials: access_key_secret or access_key_secret_file is missing");
    }
    std::string secret = settings.access_key_secret;
    if (!settings.access_key_secret_file.empty()) {
      auto read = util::readSecretFile(settings.access_key_secret_file, "access_key_secret_file");
      if (!read) return std::unexpected("credentials: " + read.error());
      secret = *read;
    }
    return staticProvider({settings.access_key_id, secret, settings.security_token}, "config");
  }

  std::optional<Made> fromEnvironment() const {
    auto id = env("ALIBABA_CLOUD_ACCESS_KEY_ID");
    auto secret = env("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    if (!id && !secret) return std::nullopt;
    if (!id || !secret) {
      return std::unexpected(
          "environment: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET must be "
          "set together");
    }
    return staticProvider({*id, *secret, env("ALIBABA_CLOUD_SECURITY_TOKEN").value_or("")},
                          "environment");
  }

  // ACK's RRSA: only with all three variables, as the SDK.
  std::optional<Made> fromOidcEnvironment() const {
    auto role = env("ALIBABA_CLOUD_ROLE_ARN");
    auto provider = env("ALIBABA_CLOUD_OIDC_PROVIDER_ARN");
    auto token = env("ALIBABA_CLOUD_OIDC_TOKEN_FILE");
    if (!role || !provider || !token || role->empty() || provider->empty() || token->empty()) {
      return std::nullopt;
    }
    // The configuration's session name first, as its sts_endpoint.
    std::optional<std::string> session = settings.role_session_name;
    if (session->empty()) session = env("ALIBABA_CLOUD_ROLE_SESSION_NAME");
    return oidc(*role, *provider, *token, session);
  }

  // `configured`: credentials.profile, which must be there.
  std::optional<Made> fromFile(const std::string& configured = "") const {
    std::optional<std::string> file = util::credentialsFilePath(env);
    if (!file || !std::ifstream(*file).good()) {
      if (configured.empty()) return std::nullopt;
      return std::unexpected("credentials.profile " + configured + ": no credentials file (" +
                             file.value_or("~/.alibabacloud/credentials") + ")");
    }
    std::string profile =
        configured.empty() ? env("ALIBABA_CLOUD_PROFILE").value_or("default") : configured;
    auto read = util::readProfile(*file, profile);
    if (!read) return std::unexpected(read.error());
    if (!*read) {
      if (env("ALIBABA_CLOUD_PROFILE") || !configured.empty()) {
        return std::unexpected(*file + " has no profile [" + profile + "]");
      }
      return std::nullopt;
    }
    const util::ProfileCredentials& p = **read;
    if (p.type == util::ProfileCredentials::Type::kEcsRamRole) return ecs(p.role_name);
    return staticProvider({p.access_key_id, p.access_key_secret, p.security_token},
                          "credentials_file");
  }

  Made fromEcsRamRole() const {
    if (truthy(env("ALIBABA_CLOUD_ECS_METADATA_DISABLED"))) {
      return std::unexpected(
          "no credentials: none in the configuration, the environment or the credentials file, "
          "and the ECS metadata service is disabled");
    }
    return ecs(env("ALIBABA_CLOUD_ECS_METADATA").value_or(""));
  }
};

}  // namespace

std::expected<std::unique_ptr<CredentialsProvider>, std::string> makeCredentialsProvider(
    const core::CredentialsSettings& settings, const util::EnvLookup& env, http::HttpClient& http,
    const core::Clock& clock) {
  Chain chain{settings, env, http, clock};
  if (auto made = chain.fromConfig()) return std::move(*made);
  if (!settings.profile.empty()) {
    if (auto made = chain.fromFile(settings.profile)) return std::move(*made);
    return std::unexpected("credentials.profile " + settings.profile + ": not found");
  }
  if (auto made = chain.fromEnvironment()) return std::move(*made);
  if (auto made = chain.fromOidcEnvironment()) return std::move(*made);
  if (auto made = chain.fromFile()) return std::move(*made);
  return chain.fromEcsRamRole();
}

}  // namespace swas::api
