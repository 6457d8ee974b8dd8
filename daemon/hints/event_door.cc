#include "daemon/hints/event_door.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "daemon/util/bearer.h"
#include "daemon/util/percent_encoding.h"

namespace swas::hints {
namespace {

constexpr const char* kDoorOff = "event hints are off (http.event_token_file)";
constexpr const char* kTokenRequired =
    "a token is required (http.event_token_file's): Authorization: Bearer, or ?token=";

// The `token` parameter of the target's query, decoded; "" without one.
std::string queryToken(std::string_view target) {
  size_t question = target.find('?');
  if (question == std::string_view::npos) return "";
  auto query = util::parseQuery(target.substr(question + 1));
  if (!query) return "";
  for (const auto& [key, value] : *query) {
    if (key == "token") return value;
  }
  return "";
}

// SWAS's instance IDs are 32 hexadecimal characters; ECS's are not (i-..., and mi-... for
// managed instances).
bool swasShaped(std::string_view id) {
  return id.size() == 32 && std::ranges::all_of(id, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Whether SWAS instances send the event is UNCONFIRMED: an event that names a SWAS-shaped
// instance polls the SWAS pollers, one that names none polls both products'.
bool concerns(const Hint& hint, const poller::RegionPoller& poller) {
  const core::Scope& scope = poller.scope();
  if (scope.regionId() != hint.region_id) return false;
  if (hint.instance_id.empty()) return true;
  bool ecs = !swasShaped(hint.instance_id);
  return (scope.product() == core::Product::kEcs) == ecs && poller.watches(hint.instance_id);
}

}  // namespace

void EventDoor::configure(std::string token) {
  std::lock_guard lock(mutex_);
  token_ = std::move(token);
}

bool EventDoor::admits(const http::ServerRequest& head) const {
  std::lock_guard lock(mutex_);
  if (token_.empty()) return false;
  if (util::bearerMatches(head.header("authorization"), token_)) return true;
  return util::sameSecret(queryToken(head.target), token_);
}

http::ServerResponse EventDoor::refusal() const {
  bool off = false;
  {
    std::lock_guard lock(mutex_);
    off = token_.empty();
  }
  return off ? answer(404, kDoorOff) : answer(401, kTokenRequired);
}

http::ServerResponse EventDoor::unavailable() const {
  return answer(503, "no configuration is running (a reload, or stopping); retry");
}

http::ServerResponse EventDoor::answer(int status, std::string body) const {
  observer_.onEventRequest(status);
  http::ServerResponse response{status, {{"Content-Type", "text/plain; charset=utf-8"}}, {}};
  response.body = std::move(body) + "\n";
  if (status == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

void EventDoor::route(const Hint& hint,
                      const std::vector<std::unique_ptr<poller::RegionPoller>>& pollers,
                      std::map<std::string, size_t>& outcomes) const {
  bool any = false;
  for (const auto& poller : pollers) {
    if (!concerns(hint, *poller)) continue;
    any = true;
    bool polls = poller->hint(hint.timed);
    ++outcomes[polls ? "poll" : "coalesced"];
    if (polls) {
      spdlog::debug("region={} poll hinted by an event (instance {})", poller->scope().key(),
                    hint.instance_id.empty() ? "not named" : hint.instance_id);
    }
  }
  if (!any) ++outcomes["unwatched"];
}

http::ServerResponse EventDoor::handle(
    const http::ServerRequest& request, const ParsedEvents& events,
    const std::vector<std::unique_ptr<poller::RegionPoller>>& pollers) {
  if (!admits(request)) return refusal();
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  if (path.ends_with('/')) path.remove_suffix(1);
  if (path != kEventPath) return answer(404, "not found; events go to " + std::string(kEventPath));
  if (!events) return answer(400, events.error());
  std::map<std::string, size_t> outcomes;
  for (const Hint& hint : events->hints) route(hint, pollers, outcomes);
  if (events->ignored > 0) outcomes["ignored"] = events->ignored;
  std::string said;
  for (const auto& [outcome, count] : outcomes) {
    observer_.onEventHints(outcome, count);
    said += (said.empty() ? "" : ", ") + outcome + " " + std::to_string(count);
  }
  size_t total = events->hints.size() + events->ignored;
  return answer(202, std::to_string(total) + " event(s)" + (said.empty() ? "" : ": " + said));
}

}  // namespace swas::hints
