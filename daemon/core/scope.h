#pragma once

// A region of an account, and the key its state, series and alerts are kept under:
// "prod/cn-hangzhou". The single-account form's regions are keyed by the bare region ID (its
// account is `default` and carries no label), so its state files stay as they were.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swas::core {

inline constexpr std::string_view kDefaultAccount = "default";

struct Scope {
  std::string account;  // "" for the single-account form
  std::string region_id;
};

std::string scopeKey(std::string_view account, std::string_view region_id);
Scope splitScope(std::string_view key);
// The account's name as shown: `default` for the single-account form.
std::string accountName(std::string_view key);
// The labels of a region's series and alerts: region_id, and account when the account is named.
std::vector<std::pair<std::string, std::string>> scopeLabels(std::string_view key);

}  // namespace swas::core
