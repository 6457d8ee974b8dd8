#include "daemon/app/relay.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/alerting/relay_payload.h"
#include "daemon/app/runtime.h"
#include "daemon/core/time.h"

namespace swas::app {
namespace {

constexpr std::string_view kChatTypes[] = {"dingtalk", "feishu", "wecom", "slack"};

constexpr const char* kRelayOff = "the relay is off (http.relay_token_file)";
constexpr const char* kTokenRequired = "a bearer token is required (http.relay_token_file's)";

http::ServerResponse answer(metrics::Metrics& metrics, int status, std::string body) {
  metrics.onRelayRequest(status);
  http::ServerResponse response{status, {{"Content-Type", "text/plain; charset=utf-8"}}, {}};
  response.body = std::move(body) + "\n";
  if (status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

}  // namespace

bool bearerMatches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (token.empty() || authorization.size() < kScheme.size()) return false;
  std::string scheme(authorization.substr(0, kScheme.size()));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "bearer ") return false;
  std::string_view given = authorization.substr(kScheme.size());
  // Every byte compared whatever differs, so the time taken says nothing of the token.
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i) {
    diff |= static_cast<unsigned char>(token[i] ^ (i < given.size() ? given[i] : 0));
  }
  return diff == 0;
}

void RelayAuth::set(std::string token) {
  std::lock_guard lock(mutex_);
  token_ = std::move(token);
}

bool RelayAuth::admits(const http::ServerRequest& head) const {
  std::lock_guard lock(mutex_);
  return !token_.empty() && bearerMatches(head.header("authorization"), token_);
}

http::ServerResponse RelayAuth::refusal(metrics::Metrics& metrics) const {
  bool off = false;
  {
    std::lock_guard lock(mutex_);
    off = token_.empty();
  }
  return off ? answer(metrics, 404, kRelayOff) : answer(metrics, 401, kTokenRequired);
}

RelayPayload parseRelayPayload(const http::ServerRequest& request) {
  return alerting::parseAlertmanagerWebhook(request.body);
}

http::ServerResponse relayRequest(const http::ServerRequest& request, const RelayPayload& alerts,
                                  Runtime& rt) {
  if (rt.relay_token.empty()) return answer(rt.deps.metrics, 404, kRelayOff);
  if (!bearerMatches(request.header("authorization"), rt.relay_token)) {
    return answer(rt.deps.metrics, 401, kTokenRequired);
  }
  std::string_view path = request.target;
  path = path.substr(0, path.find('?')).substr(kRelayPrefix.size());
  if (path.ends_with('/')) path.remove_suffix(1);
  const auto& receivers = rt.config.alerts.receivers;
  auto receiver = std::find_if(receivers.begin(), receivers.end(), [&](const auto& r) {
    return r.name == path && std::ranges::find(kChatTypes, r.type) != std::end(kChatTypes);
  });
  if (receiver == receivers.end()) {
    return answer(rt.deps.metrics, 404,
                  "no chat receiver is named \"" + std::string(path.substr(0, 100)) + "\"");
  }
  if (!alerts) {
    spdlog::warn("relay to {}: refused a payload from {}: {}", receiver->name, request.remote,
                 alerts.error());
    return answer(rt.deps.metrics, 400, "not Alertmanager's webhook payload: " + alerts.error());
  }
  auto stored = rt.deps.store.relayAlerts(receiver->name, *alerts, receiver->send_resolved,
                                          core::unixMillis(rt.deps.clock.now()));
  if (!stored) {
    rt.deps.metrics.onStateError("relay");
    spdlog::warn("relay to {}: cannot store {} alert(s): {}; answering 503 (Alertmanager retries)",
                 receiver->name, alerts->size(), stored.error().message);
    return answer(rt.deps.metrics, 503, "cannot store the alerts now: " + stored.error().message);
  }
  rt.deps.metrics.onRelayedAlerts(receiver->name, stored->queued, stored->repeated);
  if (stored->queued > 0 && rt.delivering) rt.dispatcher->kick();
  return answer(rt.deps.metrics, 200,
                "queued " + std::to_string(stored->queued) + ", repeated " +
                    std::to_string(stored->repeated));
}

}  // namespace swas::app
