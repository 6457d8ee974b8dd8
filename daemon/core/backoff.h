#pragma once

#include <chrono>
#include <optional>

namespace swas::core {

// Full-jitter exponential backoff for retry `attempt` (0-based): u * min(cap, initial * 2^n),
// but never sooner than the server's retry-after. `u` is uniform in [0, 1).
std::chrono::milliseconds backoffDelay(int attempt, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds cap, double u,
                                       std::optional<std::chrono::milliseconds> retry_after);

}  // namespace swas::core
