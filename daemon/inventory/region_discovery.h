#pragma once

// `region_id: all`: ListRegions at start and every inventory.refresh. Each answer with at least
// one region goes to `apply`; a failed or empty answer changes nothing and is asked again
// sooner. The call is counted in swas_api_requests_total{action="ListRegions"}.

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/api/swas_client.h"
#include "daemon/core/clock.h"
#include "daemon/core/poll_observer.h"

namespace swas::inventory {

// The endpoint ListRegions is sent to (any region's answers with every region).
inline constexpr std::string_view kDiscoveryEndpointRegion = "cn-hangzhou";

class RegionDiscovery {
 public:
  using Apply = std::function<void(const std::vector<std::string>& listed)>;
  // `account`: whose regions ("" for the single-account form); its calls are counted under
  // its key of the endpoint region. For ECS, `client` is ECS's (DescribeRegions).
  RegionDiscovery(boost::asio::io_context& io, api::SwasClient& client,
                  core::PollObserver& observer, const core::Clock& clock,
                  std::chrono::milliseconds every, Apply apply, std::string account = "",
                  core::Product product = core::Product::kSwas);
  ~RegionDiscovery();
  RegionDiscovery(const RegionDiscovery&) = delete;
  RegionDiscovery& operator=(const RegionDiscovery&) = delete;

  void start();
  void stop();
  bool busy() const;
  // Why the last ListRegions gave no region; empty before the first answer and after a good one.
  const std::string& lastError() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace swas::inventory
