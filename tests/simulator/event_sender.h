#pragma once

// EventBridge in front of ECS's Cloud Assistant, for tests and benches: once given a target
// (POST /_sim/events), every per-instance execution of the ECS world that reaches a terminal
// state is pushed there as `ecs:CloudAssistant:TaskCompleted` (the reference's §6: one
// CloudEvents 1.0 envelope per POST, numbers as strings, terminal states only), with the
// token as a bearer token or in the URL's query. With the real clock it looks every 50 ms;
// with the manual one, after each /_sim/advance.

#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <string>

#include "daemon/http/curl_http_client.h"
#include "tests/simulator/world.h"

namespace swas::sim {

class SimClock;

class EventSender {
 public:
  EventSender(boost::asio::io_context& io, World& world, const SimClock& clock, bool manual);

  struct Target {
    std::string url;
    std::string token;
    bool token_in_query = false;
  };
  // From now on, to `target` (what finished before is not sent).
  void start(Target target);
  // Sends what finished since the last look.
  void flush();
  uint64_t sent() const { return sent_; }
  uint64_t failed() const { return failed_; }

 private:
  void tick();
  std::string envelope(const TruthEntry& entry);

  boost::asio::io_context& io_;
  World& world_;
  const SimClock& clock_;
  bool manual_;
  http::CurlHttpClient http_;
  boost::asio::steady_timer timer_;
  Target target_;
  bool started_ = false;
  size_t next_ = 0;  // into the world's truth
  uint64_t sequence_ = 0;
  uint64_t sent_ = 0;
  uint64_t failed_ = 0;
};

}  // namespace swas::sim
