#pragma once

// The chat relay: Alertmanager as the downstream of two replicas posts its notifications
// (webhook payload version 4) to POST /api/alertmanager/webhook/<receiver>, and their alerts go
// to that chat receiver through the outbox, with its signing, pacing and templates.
//
// One token decides everything, in one place (admits): on the endpoint's thread, from a request's
// head alone, whether its body may be large and whether it is answered at once (refusal: 404
// when the relay is off, 401 without the token, never reaching the event loop); and on the
// event loop, where handle() stores the alerts, again, since a reload may have changed it
// meanwhile.

#include <cstdint>
#include <expected>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/alert.h"
#include "daemon/core/clock.h"
#include "daemon/http/http_server.h"
#include "daemon/state/store.h"

namespace swas::alerting {

inline constexpr std::string_view kRelayPrefix = "/api/alertmanager/webhook/";
// The largest notification taken (other requests: 64 KiB); a larger one is answered 413, which
// Alertmanager does not retry: keep max_alerts of its webhook_config under kMaxRelayedAlerts.
inline constexpr uint64_t kMaxRelayBody = 4 * 1024 * 1024;

// A chat receiver alerts may be relayed to.
struct RelayTarget {
  std::string name;
  bool send_resolved = true;
};

// A request's payload, parsed off the event loop (the endpoint's thread): its alerts, or what is
// wrong with it (answered only once the token and the receiver were checked).
using RelayPayload = std::expected<std::vector<core::Alert>, std::string>;
RelayPayload parseRelayPayload(const http::ServerRequest& request);

class Relay {
 public:
  Relay(core::RelayObserver& observer, const core::Clock& clock);

  // What a runtime relays (set on the event loop whenever one is adopted): its token (empty:
  // the relay is off), its chat receivers, the store, and what to do once alerts were queued.
  struct Settings {
    std::string token;
    std::vector<RelayTarget> targets;
    state::Store* store = nullptr;
    std::function<void()> queued;
  };
  void configure(Settings settings);

  // Any thread. The relay is on and the head bears its token.
  bool admits(const http::ServerRequest& head) const;
  // Any thread. The answer to a request it does not admit (404 when the relay is off, else
  // 401), counted.
  http::ServerResponse refusal() const;
  // Any thread. The answer while no runtime can take notifications (a reload that could build
  // nothing, or stopping), counted: Alertmanager retries.
  http::ServerResponse unavailable() const;

  // The event loop. The answer to one request: a refusal without the token, 404 for a name that
  // is not a chat receiver, 400 for a payload that is not Alertmanager's, 503 without a store
  // or when the alerts could not be stored (Alertmanager retries), else 200 once committed.
  http::ServerResponse handle(const http::ServerRequest& request, const RelayPayload& alerts);

 private:
  http::ServerResponse answer(int status, std::string body) const;

  core::RelayObserver& observer_;
  const core::Clock& clock_;
  mutable std::mutex mutex_;  // the token is read by the endpoint's thread
  std::string token_;
  std::vector<RelayTarget> targets_;  // the rest: the event loop's
  state::Store* store_ = nullptr;
  std::function<void()> queued_;
};

}  // namespace swas::alerting
