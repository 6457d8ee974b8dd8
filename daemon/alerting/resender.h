#pragma once

// Alertmanager forgets alerts it is not told about again: every `every`, its receiver gets the
// firing set, and the alerts resolved within `resolved_for`, again. Read from the store a page
// at a time and posted at most kInFlight messages at once, so a large firing set neither sits
// in memory whole nor floods the receiver or the loop. Best effort: a failed round is logged
// (once per distinct error) and the next one follows on schedule.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/alerting/receivers.h"
#include "daemon/core/alert.h"
#include "daemon/core/clock.h"
#include "daemon/http/http_client.h"
#include "daemon/state/store.h"

namespace swas::alerting {

class FiringSetResender : public std::enable_shared_from_this<FiringSetResender> {
 public:
  static constexpr size_t kPage = 500;
  static constexpr int kInFlight = 2;

  FiringSetResender(boost::asio::io_context& io, http::HttpClient& http, state::Store& store,
                    core::AlertObserver& observer, const core::Clock& clock,
                    std::shared_ptr<Receiver> receiver, std::chrono::milliseconds every,
                    std::chrono::milliseconds resolved_for);

  // Rounds every `every`, the first after one interval.
  void start();
  // No new round and no new message; those in flight complete. For good: start() after stop()
  // does nothing.
  void stop();
  bool idle() const { return in_flight_ == 0; }

 private:
  struct Round {
    int64_t since = 0;  // resolved alerts ended at or after this are included
    state::AlertPage page{.limit = kPage};
    std::vector<core::Alert> batch;
    size_t next = 0;
    bool exhausted = false;
  };
  void schedule();
  // Posts the round's next messages, up to kInFlight at once.
  void more();
  // Reads the round's next page when its batch is sent; false when there is none.
  bool nextPage(Round& r);

  http::HttpClient& http_;
  state::Store& store_;
  core::AlertObserver& observer_;
  const core::Clock& clock_;
  std::shared_ptr<Receiver> receiver_;
  std::chrono::milliseconds every_;
  std::chrono::milliseconds resolved_for_;
  boost::asio::steady_timer timer_;
  std::optional<Round> round_;
  int in_flight_ = 0;
  bool stopped_ = false;
  std::string last_error_;
};

}  // namespace swas::alerting
