#include "daemon/app/options.h"

#include <gtest/gtest.h>

namespace swas::app {
namespace {

using std::chrono::milliseconds;

config::Config polling(std::vector<std::vector<std::string>> regions_of_accounts) {
  config::Config c;
  for (const auto& regions : regions_of_accounts) {
    config::AccountSettings a;
    a.name = regions_of_accounts.size() > 1 ? "account" + std::to_string(c.accounts.size()) : "";
    for (const auto& id : regions) {
      config::RegionSettings r;
      r.region_id = id;
      a.regions.push_back(r);
    }
    c.accounts.push_back(a);
  }
  return c;
}

// The gather window waits for other polls' notifications: with one region and no relay there
// are none, and a message goes out at once.
TEST(DeliveryOptionsTest, OneRegionSendsAtOnce) {
  EXPECT_EQ(deliveryOptions(polling({{"cn-hangzhou"}})).gather, milliseconds(0));
}

TEST(DeliveryOptionsTest, WhatCanJoinAPollsNotificationsKeepsTheGatherWindow) {
  EXPECT_EQ(deliveryOptions(polling({{"cn-hangzhou", "cn-beijing"}})).gather, milliseconds(250));
  EXPECT_EQ(deliveryOptions(polling({{"cn-hangzhou"}, {"cn-hangzhou"}})).gather, milliseconds(250));
  EXPECT_EQ(deliveryOptions(polling({{std::string(config::kAllRegions)}})).gather,
            milliseconds(250));
  config::Config relaying = polling({{"cn-hangzhou"}});
  relaying.http.relay_token_file = "/run/credentials/relay_token";
  EXPECT_EQ(deliveryOptions(relaying).gather, milliseconds(250));
}

}  // namespace
}  // namespace swas::app
