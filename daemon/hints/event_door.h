#pragma once

// The door of POST /api/eventbridge/cloud-assistant (http.event_token_file): who may come in,
// and where each event makes the daemon poll. One token decides, in one place (admits): on the
// endpoint's thread from a request's head alone (whether its body may be large, and whether it
// is refused unread: 404 while the door is off, 401 without the token), and again on the event
// loop, since a reload may have changed it meanwhile.
//
// The token comes as `Authorization: Bearer <token>`, or as `?token=` in the URL where the
// sender can set no header; it is compared in constant time and never logged. An admitted
// event costs at most one poll of each poller of its region and product (RegionPoller::hint
// coalesces and spaces them), and nothing else: the poll is the truth.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/core/hint_observer.h"
#include "daemon/hints/events.h"
#include "daemon/http/http_server.h"
#include "daemon/poller/region_poller.h"

namespace swas::hints {

class EventDoor {
 public:
  explicit EventDoor(core::HintObserver& observer) : observer_(observer) {}

  // Any thread. The token (empty: the door is off).
  void configure(std::string token);

  // Any thread. The door is open and the head bears its token.
  bool admits(const http::ServerRequest& head) const;
  // Any thread. The answer to a request it does not admit (404 when off, else 401), counted.
  http::ServerResponse refusal() const;
  // Any thread. The answer while no runtime can take hints (a reload, or stopping), counted.
  http::ServerResponse unavailable() const;

  // The event loop. The answer to one request: a refusal without the token, 404 for another
  // path under the prefix, 400 for a body that is not CloudEvents, else 202 once each hint
  // reached the pollers it concerns.
  http::ServerResponse handle(const http::ServerRequest& request, const ParsedEvents& events,
                              const std::vector<std::unique_ptr<poller::RegionPoller>>& pollers);

 private:
  http::ServerResponse answer(int status, std::string body) const;
  // The pollers `hint` concerns were told; the outcome counted.
  void route(const Hint& hint, const std::vector<std::unique_ptr<poller::RegionPoller>>& pollers,
             std::map<std::string, size_t>& outcomes) const;

  core::HintObserver& observer_;
  mutable std::mutex mutex_;
  std::string token_;
};

}  // namespace swas::hints
