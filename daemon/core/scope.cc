#include "daemon/core/scope.h"

#include <atomic>

namespace swas::core {

namespace {

constexpr std::string_view kEcsMark = "ecs:";
std::atomic<bool> products_labelled{false};

}  // namespace

std::string_view productName(Product product) { return product == Product::kEcs ? "ecs" : "swas"; }

Scope::Scope(std::string account, std::string region_id, Product product)
    : account_(std::move(account)), region_id_(std::move(region_id)), product_(product) {
  std::string region = product_ == Product::kEcs ? std::string(kEcsMark) + region_id_ : region_id_;
  key_ = account_.empty() ? region : account_ + "/" + region;
}

Scope Scope::fromKey(std::string_view key) {
  size_t slash = key.find('/');
  std::string_view account = slash == std::string_view::npos ? "" : key.substr(0, slash);
  std::string_view region = slash == std::string_view::npos ? key : key.substr(slash + 1);
  Product product = Product::kSwas;
  if (region.starts_with(kEcsMark)) {
    product = Product::kEcs;
    region.remove_prefix(kEcsMark.size());
  }
  return Scope(std::string(account), std::string(region), product);
}

void Scope::labelProducts(bool on) { products_labelled = on; }
bool Scope::productsLabelled() { return products_labelled; }

std::string Scope::accountName() const {
  return account_.empty() ? std::string(kDefaultAccount) : account_;
}

std::string Scope::shownRegion() const {
  return product_ == Product::kEcs ? region_id_ + " (ECS)" : region_id_;
}

std::vector<std::pair<std::string, std::string>> Scope::labels(bool with_product) const {
  std::vector<std::pair<std::string, std::string>> labels;
  if (!account_.empty()) labels.emplace_back("account", account_);
  if (with_product) labels.emplace_back("product", std::string(productName(product_)));
  labels.emplace_back("region_id", region_id_);
  return labels;
}

}  // namespace swas::core
