#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

namespace swas::core {

// Time as a dependency, so schedules, expiries and timestamps are testable without waiting.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() const = 0;
  virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override;
  std::chrono::steady_clock::time_point steadyNow() const override;
};

// Randomness as a dependency: jitter, backoff and nonces.
class Random {
 public:
  virtual ~Random() = default;
  virtual uint64_t next() = 0;
  // Uniform in [0, 1).
  double uniform();
};

// A 64-bit Mersenne Twister seeded from std::random_device (or from `seed` when given).
std::unique_ptr<Random> makeRandom();
std::unique_ptr<Random> makeSeededRandom(uint64_t seed);

}  // namespace swas::core
