#pragma once

// Runs a callback on the event loop at most once per `gap`, never dropping a call: a call within
// the gap of the last run makes one more run at the gap's end, however many came meanwhile.
// Each call otherwise runs it soon (posted, never from within the caller). The owner keeps it
// as long as the loop may run its handlers.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

namespace swas::util {

class Throttle {
 public:
  Throttle(boost::asio::io_context& io, std::chrono::steady_clock::duration gap,
           std::function<void()> run);
  void operator()();

 private:
  boost::asio::steady_timer timer_;
  std::chrono::steady_clock::duration gap_;
  std::function<void()> run_;
  std::chrono::steady_clock::time_point last_{};
  bool pending_ = false;
};

}  // namespace swas::util
