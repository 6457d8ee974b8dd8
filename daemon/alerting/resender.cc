#include "daemon/alerting/resender.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "daemon/alerting/routing.h"
#include "daemon/core/time.h"

namespace swas::alerting {

FiringSetResender::FiringSetResender(boost::asio::io_context& io, http::HttpClient& http,
                                     state::Store& store, core::AlertObserver& observer,
                                     const core::Clock& clock, std::shared_ptr<Receiver> receiver,
                                     std::chrono::milliseconds every,
                                     std::chrono::milliseconds resolved_for,
                                     std::chrono::milliseconds fresh_wait)
    : http_(http),
      store_(store),
      observer_(observer),
      clock_(clock),
      receiver_(std::move(receiver)),
      every_(every),
      resolved_for_(resolved_for),
      fresh_wait_(fresh_wait),
      timer_(io) {}

void FiringSetResender::start() {
  if (!stopped_) schedule();
}

void FiringSetResender::stop() {
  stopped_ = true;
  timer_.cancel();
}

void FiringSetResender::stateFresh(std::chrono::system_clock::time_point as_of) {
  fresh_as_of_ = as_of;  // the latest, not the greatest: a wall clock stepped back follows
  if (due_since_ && fresh_as_of_ >= *due_since_ && !stopped_) {
    timer_.cancel();  // whenFresh's wait ends now; it begins the round
  }
}

void FiringSetResender::schedule() {
  timer_.expires_after(every_);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    // Only stop() cancels this wait; any other error still counts as the round falling due,
    // so re-sending never ends by accident.
    if (self->stopped_) return;
    (void)ec;
    if (self->fresh_wait_.count() > 0) {
      self->due_since_ = self->clock_.now();
      self->due_steady_ = self->clock_.steadyNow();
      self->whenFresh();
      return;
    }
    self->beginRound();
    self->schedule();
  });
}

void FiringSetResender::whenFresh() {
  if (stopped_) return;
  auto waited = clock_.steadyNow() - due_steady_;
  if (fresh_as_of_ >= *due_since_ || waited >= fresh_wait_) {
    due_since_.reset();
    beginRound();
    schedule();
    return;
  }
  // Woken early by stateFresh (the timer cancelled), else at the end of fresh_wait.
  timer_.expires_after(std::chrono::ceil<std::chrono::milliseconds>(fresh_wait_ - waited));
  timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (self->stopped_ || (ec && ec != boost::asio::error::operation_aborted)) return;
    self->whenFresh();
  });
}

void FiringSetResender::beginRound() {
  if (round_) return;  // the previous round is still going: it is the current set
  round_ = Round{core::unixSeconds(clock_.now() - resolved_for_)};
  more();
}

bool FiringSetResender::nextPage(Round& r) {
  while (!r.exhausted) {
    auto page = store_.alerts(r.since, r.page);
    if (!page) {
      observer_.onStateError("alerts");
      spdlog::error("alerts: receiver={} cannot read the firing set: {}", receiver_->config().name,
                    page.error().message);
      r.exhausted = true;
      return false;
    }
    r.batch = std::move(*page);
    r.next = 0;
    r.exhausted = r.batch.size() < r.page.limit;
    if (r.batch.empty()) return false;
    r.page.after_starts_at = r.batch.back().starts_at;
    r.page.after_fingerprint = r.batch.back().fingerprint;
    // Only the alerts this receiver's `match` takes, of keys this replica owns.
    std::erase_if(r.batch, [&](const core::Alert& a) {
      return !matches(receiver_->config().match, a) || (owned_ && !owned_(a.scope));
    });
    if (!r.batch.empty()) return true;
  }
  return false;
}

void FiringSetResender::more() {
  Round& r = *round_;
  size_t per = receiver_->maxPerMessage();
  while (!stopped_ && in_flight_ < kInFlight) {
    if (r.next >= r.batch.size() && !nextPage(r)) break;
    std::vector<MessageItem> items;
    size_t end = std::min(r.batch.size(), r.next + per);
    for (size_t i = r.next; i < end; ++i) {
      items.push_back({&r.batch[i], r.batch[i].ends_at.has_value()});
    }
    r.next = end;
    ++in_flight_;
    receiver_->send(http_, receiver_->request(items, clock_.now()), &observer_,
                    [self = shared_from_this()](http::HttpResult result) {
                      --self->in_flight_;
                      auto verdict = classify(result, self->clock_.now());
                      if (verdict.kind == Verdict::kDelivered) {
                        self->last_error_.clear();  // the next outage is logged again
                      } else if (verdict.reason != self->last_error_) {
                        spdlog::warn("alerts: receiver={} re-sending the firing set failed: {}",
                                     self->receiver_->config().name, verdict.reason);
                        self->last_error_ = verdict.reason;
                      }
                      if (self->round_) self->more();
                    });
  }
  if (in_flight_ == 0 && (stopped_ || (r.exhausted && r.next >= r.batch.size()))) round_.reset();
}

}  // namespace swas::alerting
