#pragma once

// Where something is watched: a region of an account, for a product (SWAS or ECS). Its key is
// what state, series and alerts are kept under ("prod/cn-hangzhou"); the single-account form's
// regions are keyed by the bare region ID (the account is `default` and carries no label), and
// SWAS scopes carry no product in their key, so SWAS state files stay as they were. An ECS
// scope's region is marked in its key ("prod/ecs:cn-hangzhou", "ecs:cn-hangzhou"): region IDs
// hold no ':' and account names no '/'. Record fields that hold a key are named `scope`; a field
// named `region_id` holds a region ID and nothing else.

#include <compare>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swas::core {

inline constexpr std::string_view kDefaultAccount = "default";

enum class Product { kSwas, kEcs };
// "swas" or "ecs", as configured and as labelled.
std::string_view productName(Product product);

class Scope {
 public:
  Scope() = default;
  // `account` "" for the single-account form.
  Scope(std::string account, std::string region_id, Product product = Product::kSwas);
  // The scope a key names (region IDs never hold a '/', and account names may not).
  static Scope fromKey(std::string_view key);

  const std::string& account() const { return account_; }
  Product product() const { return product_; }
  // The region the API calls go to.
  const std::string& regionId() const { return region_id_; }
  // The key of state, series and alerts.
  const std::string& key() const { return key_; }
  // The account's name as shown: `default` for the single-account form.
  std::string accountName() const;
  // The region as shown to a person: "cn-hangzhou", or "cn-hangzhou (ECS)" for ECS.
  std::string shownRegion() const;
  // The labels of its series and alerts: account when the account is named, region_id, and
  // product when `with_product` (any ECS scope is configured; else the label is left out).
  std::vector<std::pair<std::string, std::string>> labels(bool with_product) const;
  std::vector<std::pair<std::string, std::string>> labels() const {
    return labels(productsLabelled());
  }
  // Whether labels() carries `product`: set by the process from its configuration (any ECS
  // scope) before it makes a series or an alert. A reload that would change it takes a restart:
  // it changes the labels of every series and the fingerprint of every alert.
  static void labelProducts(bool on);
  static bool productsLabelled();

  bool operator==(const Scope& other) const { return key_ == other.key_; }
  std::strong_ordering operator<=>(const Scope& other) const { return key_ <=> other.key_; }

 private:
  std::string account_;
  std::string region_id_;
  Product product_ = Product::kSwas;
  std::string key_;
};

}  // namespace swas::core
