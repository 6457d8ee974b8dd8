#pragma once

// The chat relay: Alertmanager as the downstream of two replicas posts its notifications
// (webhook payload version 4) to POST /api/alertmanager/webhook/<receiver>, and their alerts go
// to that chat receiver through the outbox, with its signing, pacing and templates. Runs on the
// event loop, which owns the store.

#include <cstdint>
#include <expected>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/alert.h"
#include "daemon/http/http_server.h"
#include "daemon/metrics/metrics.h"

namespace swas::app {

struct Runtime;

inline constexpr std::string_view kRelayPrefix = "/api/alertmanager/webhook/";
// The largest notification taken (other requests: 64 KiB); a larger one is answered 413, which
// Alertmanager does not retry: keep max_alerts of its webhook_config under kMaxRelayedAlerts.
inline constexpr uint64_t kMaxRelayBody = 4 * 1024 * 1024;

// The answer to one relay request: 401 without the runtime's token (404 when the relay is off),
// 404 for a name that is not a chat receiver, 400 for a payload that is not Alertmanager's, 503
// when the alerts could not be stored (Alertmanager retries), else 200 once they are committed.
// A request's payload, parsed off the event loop (the endpoint's thread): its alerts, or what is
// wrong with it (answered only once the token and the receiver were checked).
using RelayPayload = std::expected<std::vector<core::Alert>, std::string>;
RelayPayload parseRelayPayload(const http::ServerRequest& request);
http::ServerResponse relayRequest(const http::ServerRequest& request, const RelayPayload& alerts,
                                  Runtime& rt);

// The token in `Authorization: Bearer <token>` equals `token` (compared in constant time).
bool bearerMatches(std::string_view authorization, std::string_view token);

// The relay's token as the endpoint's thread sees it, to decide from a request's head alone
// whether its body may be large: set on the event loop whenever a runtime is adopted.
class RelayAuth {
 public:
  void set(std::string token);
  // The relay is on and the head bears its token.
  bool admits(const http::ServerRequest& head) const;
  // The answer to a request it does not admit (404 when the relay is off, else 401), counted:
  // given on the endpoint's thread, so requests without the token never reach the event loop
  // (where they would hold connections while it is busy).
  http::ServerResponse refusal(metrics::Metrics& metrics) const;

 private:
  mutable std::mutex mutex_;
  std::string token_;
};

}  // namespace swas::app
