#include "daemon/alerting/housekeeping.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "daemon/core/time.h"

namespace swas::alerting {

struct Housekeeping::Impl : std::enable_shared_from_this<Housekeeping::Impl> {
  Impl(boost::asio::io_context& io, state::Store& s, Lifecycle& l, core::AlertObserver& o,
       const core::Clock& c, const DeliveryOptions& opts, std::function<void()> d)
      : timer(io),
        store(s),
        lifecycle(l),
        observer(o),
        clock(c),
        options(opts),
        done(std::move(d)) {}

  void round() {
    auto now = clock.now();
    auto writes = lifecycle.expire(now);
    if (!writes.empty()) {
      if (auto ok = store.commitAlerts(writes); ok) {
        spdlog::info("alerts: {} alert(s) resolved by alerts.resolve_timeout",
                     writes.resolved.size());
        lifecycle.committed(writes);
      } else {
        observer.onStateError("alerts");
        spdlog::error("alerts: resolving timed-out alerts failed: {}", ok.error().message);
      }
    }
    if (auto evicted = store.evictResolvedAlerts(core::unixSeconds(now - options.retention));
        !evicted) {
      observer.onStateError("alerts");
      spdlog::warn("alerts: evicting old alerts failed: {}", evicted.error().message);
    }
    if (done) done();
    timer.expires_after(options.housekeeping_every);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->stopped) self->round();
    });
  }

  boost::asio::steady_timer timer;
  state::Store& store;
  Lifecycle& lifecycle;
  core::AlertObserver& observer;
  const core::Clock& clock;
  DeliveryOptions options;
  std::function<void()> done;
  bool stopped = false;
};

Housekeeping::Housekeeping(boost::asio::io_context& io, state::Store& store, Lifecycle& lifecycle,
                           core::AlertObserver& observer, const core::Clock& clock,
                           const DeliveryOptions& options, std::function<void()> done)
    : impl_(std::make_shared<Impl>(io, store, lifecycle, observer, clock, options,
                                   std::move(done))) {}

Housekeeping::~Housekeeping() { stop(); }

void Housekeeping::start() { impl_->round(); }

void Housekeeping::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

}  // namespace swas::alerting
