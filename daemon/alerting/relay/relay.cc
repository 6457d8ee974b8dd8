#include "daemon/alerting/relay/relay.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/alerting/relay/payload.h"
#include "daemon/core/time.h"
#include "daemon/util/bearer.h"

namespace swas::alerting {
namespace {

constexpr const char* kRelayOff = "the relay is off (http.relay_token_file)";
constexpr const char* kTokenRequired = "a bearer token is required (http.relay_token_file's)";

}  // namespace

RelayPayload parseRelayPayload(const http::ServerRequest& request) {
  return parseAlertmanagerWebhook(request.body);
}

Relay::Relay(core::RelayObserver& observer, const core::Clock& clock)
    : observer_(observer), clock_(clock) {}

void Relay::configure(Settings settings) {
  {
    std::lock_guard lock(mutex_);
    token_ = std::move(settings.token);
  }
  targets_ = std::move(settings.targets);
  store_ = settings.store;
  queued_ = std::move(settings.queued);
}

bool Relay::admits(const http::ServerRequest& head) const {
  std::lock_guard lock(mutex_);
  return !token_.empty() && util::bearerMatches(head.header("authorization"), token_);
}

http::ServerResponse Relay::refusal() const {
  bool off = false;
  {
    std::lock_guard lock(mutex_);
    off = token_.empty();
  }
  return off ? answer(404, kRelayOff) : answer(401, kTokenRequired);
}

http::ServerResponse Relay::unavailable() const { return answer(503, "stopping; retry"); }

http::ServerResponse Relay::answer(int status, std::string body) const {
  observer_.onRelayRequest(status);
  http::ServerResponse response{status, {{"Content-Type", "text/plain; charset=utf-8"}}, {}};
  response.body = std::move(body) + "\n";
  if (status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

http::ServerResponse Relay::handle(const http::ServerRequest& request, const RelayPayload& alerts) {
  if (!admits(request)) return refusal();
  std::string_view path = request.target;
  path = path.substr(0, path.find('?')).substr(kRelayPrefix.size());
  if (path.ends_with('/')) path.remove_suffix(1);
  if (store_ == nullptr) return answer(503, "the relay has no state file yet; retry");
  auto target = std::find_if(targets_.begin(), targets_.end(),
                             [&](const RelayTarget& t) { return t.name == path; });
  if (target == targets_.end()) {
    return answer(404, "no chat receiver is named \"" + std::string(path.substr(0, 100)) + "\"");
  }
  if (!alerts) {
    spdlog::warn("relay to {}: refused a payload from {}: {}", target->name, request.remote,
                 alerts.error());
    return answer(400, "not Alertmanager's webhook payload: " + alerts.error());
  }
  auto stored = store_->relayAlerts(target->name, *alerts, target->send_resolved,
                                    core::unixMillis(clock_.now()));
  if (!stored) {
    observer_.onStateError("relay");
    spdlog::warn("relay to {}: cannot store {} alert(s): {}; answering 503 (Alertmanager retries)",
                 target->name, alerts->size(), stored.error().message);
    return answer(503, "cannot store the alerts now: " + stored.error().message);
  }
  observer_.onRelayedAlerts(target->name, stored->queued, stored->repeated);
  if (stored->queued > 0 && queued_) queued_();
  return answer(200, "queued " + std::to_string(stored->queued) + ", repeated " +
                         std::to_string(stored->repeated));
}

}  // namespace swas::alerting
