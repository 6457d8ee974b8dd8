#include "daemon/core/scope.h"

#include <gtest/gtest.h>

namespace swas::core {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

TEST(Scope, TheSingleFormKeysByTheBareRegionAndCarriesNoAccountLabel) {
  EXPECT_EQ(scopeKey("", "cn-hangzhou"), "cn-hangzhou");
  EXPECT_EQ(splitScope("cn-hangzhou").account, "");
  EXPECT_EQ(splitScope("cn-hangzhou").region_id, "cn-hangzhou");
  EXPECT_EQ(accountName("cn-hangzhou"), "default");
  EXPECT_EQ(scopeLabels("cn-hangzhou"), (Labels{{"region_id", "cn-hangzhou"}}));
}

TEST(Scope, ANamedAccountsRegionIsKeyedByBothAndLabelledWithBoth) {
  std::string key = scopeKey("prod", "cn-hangzhou");
  EXPECT_EQ(key, "prod/cn-hangzhou");
  EXPECT_EQ(splitScope(key).account, "prod");
  EXPECT_EQ(splitScope(key).region_id, "cn-hangzhou");
  EXPECT_EQ(accountName(key), "prod");
  EXPECT_EQ(scopeLabels(key), (Labels{{"account", "prod"}, {"region_id", "cn-hangzhou"}}));
  EXPECT_EQ(splitScope(scopeKey("default", "eu-central-1")).account, "default")
      << "an account named default is named";
}

}  // namespace
}  // namespace swas::core
