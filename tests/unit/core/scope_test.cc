#include "daemon/core/scope.h"

#include <gtest/gtest.h>

#include <set>

namespace swas::core {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;

TEST(Scope, TheSingleFormKeysByTheBareRegionAndCarriesNoAccountLabel) {
  Scope scope("", "cn-hangzhou");
  EXPECT_EQ(scope.key(), "cn-hangzhou");
  EXPECT_EQ(Scope::fromKey("cn-hangzhou").account(), "");
  EXPECT_EQ(Scope::fromKey("cn-hangzhou").regionId(), "cn-hangzhou");
  EXPECT_EQ(scope.accountName(), "default");
  EXPECT_EQ(scope.labels(), (Labels{{"region_id", "cn-hangzhou"}}));
}

TEST(Scope, ANamedAccountsRegionIsKeyedByBothAndLabelledWithBoth) {
  Scope scope("prod", "cn-hangzhou");
  EXPECT_EQ(scope.key(), "prod/cn-hangzhou");
  EXPECT_EQ(scope.regionId(), "cn-hangzhou") << "the API region, never the key";
  Scope parsed = Scope::fromKey(scope.key());
  EXPECT_EQ(parsed.account(), "prod");
  EXPECT_EQ(parsed.regionId(), "cn-hangzhou");
  EXPECT_EQ(parsed, scope);
  EXPECT_EQ(parsed.accountName(), "prod");
  EXPECT_EQ(parsed.labels(), (Labels{{"account", "prod"}, {"region_id", "cn-hangzhou"}}));
  EXPECT_EQ(Scope::fromKey(Scope("default", "eu-central-1").key()).account(), "default")
      << "an account named default is named";
}

TEST(Scope, OrdersAndComparesByItsKey) {
  std::set<Scope> scopes{Scope("prod", "cn-hangzhou"), Scope("", "cn-hangzhou"),
                         Scope::fromKey("prod/cn-hangzhou")};
  ASSERT_EQ(scopes.size(), 2u);
  EXPECT_EQ(scopes.begin()->key(), "cn-hangzhou");
  EXPECT_NE(Scope("prod", "cn-hangzhou"), Scope("staging", "cn-hangzhou"));
}

}  // namespace
}  // namespace swas::core
