#include "daemon/inventory/region_discovery.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>

#include "daemon/api/ecs.h"
#include "daemon/core/scope.h"

namespace swas::inventory {
namespace {

// A region ID goes into the endpoint's host name and the state: [a-z0-9-], 1 to 64 of them.
bool plausibleRegionId(const std::string& id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

struct RegionDiscovery::Impl : std::enable_shared_from_this<Impl> {
  Impl(boost::asio::io_context& io_context, api::SwasClient& c, core::PollObserver& m,
       const core::Clock& cl, std::chrono::milliseconds e, Apply a, std::string acct,
       core::Product p)
      : client(c),
        observer(m),
        clock(cl),
        every(e),
        apply(std::move(a)),
        timer(io_context),
        account(std::move(acct)),
        product(p),
        action(api::regionsAction(p)) {}

  api::SwasClient& client;
  core::PollObserver& observer;
  const core::Clock& clock;
  const std::chrono::milliseconds every;
  Apply apply;
  boost::asio::steady_timer timer;
  bool stopping = false;
  bool busy = false;
  std::string last_error;  // logged once per distinct error
  std::string account;
  core::Product product;
  std::string action;  // ListRegions, or ECS's DescribeRegions

  void ask() {
    busy = true;
    auto started = clock.steadyNow();
    const std::string endpoint(kDiscoveryEndpointRegion);
    client.listRegions(endpoint, [self = shared_from_this(), started, endpoint](
                                     std::expected<std::vector<api::Region>, core::Error> r) {
      self->busy = false;
      self->observer.onApiRequest(
          core::Scope(self->account, endpoint, self->product).key(), self->action,
          r ? "OK" : core::metricCode(r.error()),
          std::chrono::duration<double>(self->clock.steadyNow() - started).count());
      if (self->stopping) return;
      self->answered(r);
    });
  }

  void answered(const std::expected<std::vector<api::Region>, core::Error>& r) {
    std::vector<std::string> listed;
    if (r) {
      for (const auto& region : *r) {
        if (plausibleRegionId(region.region_id)) listed.push_back(region.region_id);
      }
    }
    if (listed.empty()) {
      std::string why = r ? "it listed no region" : core::describe(r.error());
      if (why != last_error) {
        spdlog::warn("region_id: all{}: {} failed ({}); the regions polled stay as they are",
                     account.empty() ? "" : " (account " + account + ")", action, why);
        last_error = why;
      }
      wait(std::min(every, std::chrono::milliseconds(std::chrono::minutes(1))));
      return;
    }
    last_error.clear();
    apply(listed);
    wait(every);
  }

  void wait(std::chrono::milliseconds d) {
    timer.expires_after(d);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->stopping) self->ask();
    });
  }
};

RegionDiscovery::RegionDiscovery(boost::asio::io_context& io, api::SwasClient& client,
                                 core::PollObserver& observer, const core::Clock& clock,
                                 std::chrono::milliseconds every, Apply apply, std::string account,
                                 core::Product product)
    : impl_(std::make_shared<Impl>(io, client, observer, clock, every, std::move(apply),
                                   std::move(account), product)) {}

RegionDiscovery::~RegionDiscovery() { stop(); }

void RegionDiscovery::start() { impl_->ask(); }

void RegionDiscovery::stop() {
  impl_->stopping = true;
  impl_->timer.cancel();
}

bool RegionDiscovery::busy() const { return impl_->busy; }
const std::string& RegionDiscovery::lastError() const { return impl_->last_error; }

}  // namespace swas::inventory
