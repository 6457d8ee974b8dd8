#pragma once

// Alertmanager forgets alerts it is not told about again: every `every`, its receiver gets the
// firing set, and the alerts resolved within `resolved_for`, again. With `fresh_wait`, a round
// that is due waits (up to fresh_wait) for state as fresh as the moment it fell due (stateFresh:
// every region polled since): a replica that has not yet seen a resolution another replica has
// seen would otherwise re-send the alert as firing, and Alertmanager would reopen it. Read from the
// store a page at a time and posted at most kInFlight messages at once, so a large firing set
// neither sits in memory whole nor floods the receiver or the loop. Best effort: a failed round is
// logged (once per distinct error) and the next one follows on schedule.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
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
                    std::chrono::milliseconds resolved_for,
                    std::chrono::milliseconds fresh_wait = std::chrono::milliseconds(0));

  // Rounds every `every`, the first after one interval.
  void start();
  // No new round and no new message; those in flight complete. For good: start() after stop()
  // does nothing.
  void stop();
  bool idle() const { return in_flight_ == 0; }
  // The alert state is as fresh as `as_of` (every region completed a poll since).
  void stateFresh(std::chrono::system_clock::time_point as_of);
  // Sharded: only alerts of the keys this replica owns are re-sent (a key's new owner speaks
  // for it after a re-shard, the one it left does not keep it firing).
  void onlyScopes(std::function<bool(const std::string& scope)> owned) {
    owned_ = std::move(owned);
  }

 private:
  struct Round {
    int64_t since = 0;  // resolved alerts ended at or after this are included
    state::AlertPage page{.limit = kPage};
    std::vector<core::Alert> batch;
    size_t next = 0;
    bool exhausted = false;
  };
  void schedule();
  // A round is due since due_since_: starts it once the state is fresh enough, or fresh_wait
  // has passed (a region that cannot be polled must not keep Alertmanager from hearing again).
  void whenFresh();
  void beginRound();
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
  std::chrono::milliseconds fresh_wait_;
  std::function<bool(const std::string&)> owned_;  // empty: every key
  std::chrono::system_clock::time_point fresh_as_of_{};
  std::optional<std::chrono::system_clock::time_point> due_since_;  // for the freshness test
  std::chrono::steady_clock::time_point due_steady_;  // for the wait: wall clock steps skip it
  boost::asio::steady_timer timer_;
  std::optional<Round> round_;
  int in_flight_ = 0;
  bool stopped_ = false;
  std::string last_error_;
};

}  // namespace swas::alerting
