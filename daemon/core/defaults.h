#pragma once

// The contract's defaults (contract.md), each in exactly one place: the configuration's structs
// and the option structs of the modules below it all take their defaults from here.

#include <chrono>
#include <cstddef>
#include <string_view>

namespace swas::core::defaults {

using namespace std::chrono_literals;

// api
inline constexpr std::string_view kApiEndpoint = "https://swas.{region_id}.aliyuncs.com";
inline constexpr std::chrono::milliseconds kApiTimeout = 10s;
inline constexpr double kRateLimit = 10;  // requests per second per region
inline constexpr int kMaxInFlight = 4;

// poll
inline constexpr std::chrono::milliseconds kPollInterval = 30s;
inline constexpr double kJitter = 0.1;
// At most one poll per this per region at an event's hint (http.event_token_file).
inline constexpr std::chrono::milliseconds kHintGap = 1s;
inline constexpr int kPageSize = 50;
inline constexpr std::chrono::milliseconds kFullScanEvery = 1h;
inline constexpr std::chrono::milliseconds kInitialLookback = 1h;

// state
inline constexpr std::chrono::milliseconds kRetention = 24h * 14;

// alerts
inline constexpr std::string_view kAlertStatuses[] = {"Failed", "Timeout", "Error", "Invalid",
                                                      "Aborted"};
inline constexpr std::chrono::milliseconds kResolveTimeout = 24h;
inline constexpr std::chrono::milliseconds kInventoryRefresh = 5min;
inline constexpr std::chrono::milliseconds kCloudAssistantDownAfter = 10min;
inline constexpr std::chrono::milliseconds kReceiverTimeout = 5s;
inline constexpr size_t kMaxAlertsPerMessage = 50;
inline constexpr std::chrono::milliseconds kInitialBackoff = 1s;
inline constexpr std::chrono::milliseconds kMaxBackoff = 5min;
inline constexpr std::chrono::milliseconds kGiveUpAfter = 24h;

}  // namespace swas::core::defaults
