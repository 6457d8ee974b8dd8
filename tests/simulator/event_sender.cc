#include "tests/simulator/event_sender.h"

#include <chrono>

#include "daemon/core/json.h"
#include "daemon/core/time.h"
#include "daemon/util/percent_encoding.h"
#include "tests/simulator/gateway.h"

namespace swas::sim {

EventSender::EventSender(boost::asio::io_context& io, World& world, const SimClock& clock,
                         bool manual)
    : io_(io),
      world_(world),
      clock_(clock),
      manual_(manual),
      http_(io, {.user_agent = "swas-sim-eventbridge"}),
      timer_(io) {}

void EventSender::start(Target target) {
  target_ = std::move(target);
  next_ = world_.truth().size();
  if (!started_ && !manual_) {
    started_ = true;
    tick();
  }
  started_ = true;
}

void EventSender::tick() {
  timer_.expires_after(std::chrono::milliseconds(50));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    world_.advanceTo(clock_.now());
    flush();
    tick();
  });
}

void EventSender::flush() {
  if (!started_) return;
  const auto& truth = world_.truth();
  for (; next_ < truth.size(); ++next_) {
    const TruthEntry& entry = truth[next_];
    if (!entry.region_id.starts_with(kEcsPrefix) || !isTerminal(entry.to)) continue;
    http::HttpRequest request{.method = "POST", .url = target_.url};
    if (target_.token_in_query) {
      request.url += (request.url.find('?') == std::string::npos ? "?" : "&");
      request.url += "token=" + util::percentEncode(target_.token);
    } else {
      request.headers.emplace_back("Authorization", "Bearer " + target_.token);
    }
    request.headers.emplace_back("Content-Type", "application/cloudevents+json; charset=utf-8");
    request.body = envelope(entry);
    request.timeout = std::chrono::seconds(5);  // CloudMonitor's callbacks wait 5 s
    http_.send(std::move(request), [this](http::HttpResult result) {
      if (result && result->status / 100 == 2) {
        ++sent_;
      } else {
        ++failed_;
      }
    });
  }
}

std::string EventSender::envelope(const TruthEntry& entry) {
  std::string region = entry.region_id.substr(kEcsPrefix.size());
  std::string repeat = "Once";
  Query query;
  query.region_id = entry.region_id;
  query.invoke_id = entry.invoke_id;
  for (const SimInvocation* inv : world_.query(query)) repeat = inv->repeat_mode;
  auto when = clock_.epoch() +
              std::chrono::duration_cast<std::chrono::system_clock::duration>(Seconds(entry.time));
  std::string time = core::formatIso8601(when);
  std::string body;
  core::JsonObject e(body);
  e.str("id", "sim-event-" + std::to_string(++sequence_));
  e.str("source", "acs.ecs");
  e.str("specversion", "1.0");
  e.str("subject", "acs.ecs:" + region + ":1234567890123456:instance/" + entry.instance_id);
  e.str("time", time);
  e.str("type", "ecs:CloudAssistant:TaskCompleted");
  e.str("aliyunaccountid", "1234567890123456");
  e.str("aliyunregionid", region);
  e.key("data");
  core::JsonObject d(body);
  d.str("instanceId", entry.instance_id);
  d.str("invokeId", entry.invoke_id);
  d.str("invocationStatus", entry.to);
  d.str("repeatMode", repeat);
  d.str("finishTime", time);
  d.str("errorCode", "0");
  d.close();
  e.close();
  return body;
}

}  // namespace swas::sim
