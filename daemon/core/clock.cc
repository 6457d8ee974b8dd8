#include "daemon/core/clock.h"

#include <random>

namespace swas::core {

std::chrono::system_clock::time_point SystemClock::now() const {
  return std::chrono::system_clock::now();
}

std::chrono::steady_clock::time_point SystemClock::steadyNow() const {
  return std::chrono::steady_clock::now();
}

double Random::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

namespace {

class MersenneRandom final : public Random {
 public:
  explicit MersenneRandom(uint64_t seed) : engine_(seed) {}
  uint64_t next() override { return engine_(); }

 private:
  std::mt19937_64 engine_;
};

}  // namespace

std::unique_ptr<Random> makeRandom() {
  std::random_device device;
  uint64_t seed = (static_cast<uint64_t>(device()) << 32) ^ device();
  return std::make_unique<MersenneRandom>(seed);
}

std::unique_ptr<Random> makeSeededRandom(uint64_t seed) {
  return std::make_unique<MersenneRandom>(seed);
}

}  // namespace swas::core
