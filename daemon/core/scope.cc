#include "daemon/core/scope.h"

namespace swas::core {

std::string scopeKey(std::string_view account, std::string_view region_id) {
  if (account.empty()) return std::string(region_id);
  return std::string(account) + "/" + std::string(region_id);
}

// Region IDs never hold a '/', and account names may not (config checks them).
Scope splitScope(std::string_view key) {
  size_t slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

std::string accountName(std::string_view key) {
  Scope s = splitScope(key);
  return s.account.empty() ? std::string(kDefaultAccount) : s.account;
}

std::vector<std::pair<std::string, std::string>> scopeLabels(std::string_view key) {
  Scope s = splitScope(key);
  std::vector<std::pair<std::string, std::string>> labels;
  if (!s.account.empty()) labels.emplace_back("account", s.account);
  labels.emplace_back("region_id", s.region_id);
  return labels;
}

}  // namespace swas::core
