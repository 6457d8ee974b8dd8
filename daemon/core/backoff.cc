#include "daemon/core/backoff.h"

#include <algorithm>
#include <cmath>

namespace swas::core {

std::chrono::milliseconds backoffDelay(int attempt, std::chrono::milliseconds initial,
                                       std::chrono::milliseconds cap, double u,
                                       std::optional<std::chrono::milliseconds> retry_after) {
  double ceiling = static_cast<double>(initial.count()) * std::pow(2.0, std::clamp(attempt, 0, 30));
  ceiling = std::min(ceiling, static_cast<double>(cap.count()));
  std::chrono::milliseconds delay(static_cast<int64_t>(std::clamp(u, 0.0, 1.0) * ceiling));
  if (retry_after && *retry_after > delay) delay = *retry_after;
  return delay;
}

}  // namespace swas::core
