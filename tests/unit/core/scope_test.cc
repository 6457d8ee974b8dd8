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

TEST(Scope, AnEcsScopeIsMarkedInItsKeyAndSwasKeysStayAsTheyWere) {
  Scope ecs("prod", "cn-hangzhou", Product::kEcs);
  EXPECT_EQ(ecs.key(), "prod/ecs:cn-hangzhou");
  EXPECT_EQ(ecs.regionId(), "cn-hangzhou") << "the calls still go to the region";
  EXPECT_EQ(Scope("", "cn-hangzhou", Product::kEcs).key(), "ecs:cn-hangzhou");
  EXPECT_EQ(Scope("prod", "cn-hangzhou").key(), "prod/cn-hangzhou") << "SWAS: unchanged";
  Scope parsed = Scope::fromKey("prod/ecs:cn-hangzhou");
  EXPECT_EQ(parsed.product(), Product::kEcs);
  EXPECT_EQ(parsed.account(), "prod");
  EXPECT_EQ(parsed.regionId(), "cn-hangzhou");
  EXPECT_EQ(parsed, ecs);
  EXPECT_NE(ecs, Scope("prod", "cn-hangzhou")) << "the same region for both products: two scopes";
  EXPECT_EQ(Scope::fromKey("ecs:cn-beijing").product(), Product::kEcs);
  EXPECT_EQ(Scope::fromKey("cn-beijing").product(), Product::kSwas);
  // The product label only when asked (some ECS scope is configured).
  EXPECT_EQ(ecs.labels(), (Labels{{"account", "prod"}, {"region_id", "cn-hangzhou"}}));
  EXPECT_EQ(ecs.labels(true),
            (Labels{{"account", "prod"}, {"product", "ecs"}, {"region_id", "cn-hangzhou"}}));
  EXPECT_EQ(Scope("", "cn-hangzhou").labels(true),
            (Labels{{"product", "swas"}, {"region_id", "cn-hangzhou"}}));
}

TEST(Scope, ShownToAPersonWithItsProductAndLabelledAsConfigured) {
  EXPECT_EQ(Scope("prod", "cn-hangzhou").shownRegion(), "cn-hangzhou");
  EXPECT_EQ(Scope("prod", "cn-hangzhou", Product::kEcs).shownRegion(), "cn-hangzhou (ECS)");
  Scope::labelProducts(true);
  Labels labelled = Scope("", "cn-hangzhou").labels();
  Scope::labelProducts(false);
  EXPECT_EQ(labelled, (Labels{{"product", "swas"}, {"region_id", "cn-hangzhou"}}));
  EXPECT_EQ(Scope("", "cn-hangzhou").labels(), (Labels{{"region_id", "cn-hangzhou"}}));
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
