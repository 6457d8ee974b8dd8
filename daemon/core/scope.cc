#include "daemon/core/scope.h"

namespace swas::core {

Scope::Scope(std::string account, std::string region_id)
    : account_(std::move(account)),
      region_id_(std::move(region_id)),
      key_(account_.empty() ? region_id_ : account_ + "/" + region_id_) {}

Scope Scope::fromKey(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return Scope("", std::string(key));
  return Scope(std::string(key.substr(0, slash)), std::string(key.substr(slash + 1)));
}

std::string Scope::accountName() const {
  return account_.empty() ? std::string(kDefaultAccount) : account_;
}

std::vector<std::pair<std::string, std::string>> Scope::labels() const {
  std::vector<std::pair<std::string, std::string>> labels;
  if (!account_.empty()) labels.emplace_back("account", account_);
  labels.emplace_back("region_id", region_id_);
  return labels;
}

}  // namespace swas::core
