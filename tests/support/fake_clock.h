#pragma once

#include <chrono>

#include "daemon/core/clock.h"

namespace swas::testing {

// A clock the test moves; steady time follows wall time.
class FakeClock final : public core::Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return now_; }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::time_point(now_.time_since_epoch());
  }
  void advance(std::chrono::system_clock::duration d) { now_ += d; }

 private:
  std::chrono::system_clock::time_point now_ =
      std::chrono::sys_days(std::chrono::year(2026) / 11 / 28) + std::chrono::hours(12);
};

}  // namespace swas::testing
