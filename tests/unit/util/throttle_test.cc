#include "daemon/util/throttle.h"

#include <gtest/gtest.h>

namespace swas::util {
namespace {

TEST(Throttle, RunsSoonButNeverFromWithinTheCaller) {
  boost::asio::io_context io;
  int runs = 0;
  Throttle throttle(io, std::chrono::milliseconds(20), [&] { ++runs; });
  throttle();
  EXPECT_EQ(runs, 0);
  io.run();
  EXPECT_EQ(runs, 1);
}

TEST(Throttle, CallsWithinTheGapMakeOneMoreRunAtItsEnd) {
  boost::asio::io_context io;
  int runs = 0;
  std::chrono::steady_clock::time_point first, second;
  Throttle throttle(io, std::chrono::milliseconds(50),
                    [&] { (++runs == 1 ? first : second) = std::chrono::steady_clock::now(); });
  throttle();
  io.run();
  io.restart();
  for (int i = 0; i < 5; ++i) throttle();  // all within the gap: one run, none dropped
  io.run();
  EXPECT_EQ(runs, 2);
  EXPECT_GE(second - first, std::chrono::milliseconds(50));
}

TEST(Throttle, CallsWhileARunIsPendingJoinIt) {
  boost::asio::io_context io;
  int runs = 0;
  Throttle throttle(io, std::chrono::milliseconds(20), [&] { ++runs; });
  throttle();
  throttle();  // the run to come is pending: this joins it
  throttle();
  io.run();
  EXPECT_EQ(runs, 1);
}

TEST(Throttle, NothingRunsOnceItIsGone) {
  boost::asio::io_context io;
  int runs = 0;
  {
    Throttle throttle(io, std::chrono::milliseconds(20), [&] { ++runs; });
    throttle();
    io.run();
    io.restart();
    throttle();  // a timed run, cancelled with the throttle
  }
  io.run();
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace swas::util
