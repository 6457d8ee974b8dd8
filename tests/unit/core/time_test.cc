#include "daemon/core/time.h"

#include <gtest/gtest.h>

namespace swas::core {
namespace {

using namespace std::chrono;

TEST(ParseApiTime, ZonelessIsUtcAndMatchesZ) {
  auto a = parseApiTime("2023-04-27T10:11:58");
  auto b = parseApiTime("2023-04-27T10:11:58Z");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*a, sys_days(year(2023) / 4 / 27) + hours(10) + minutes(11) + seconds(58));
}

TEST(ParseApiTime, FractionsAndOffsets) {
  EXPECT_EQ(parseApiTime("2023-04-27T10:11:58.123Z"), parseApiTime("2023-04-27T10:11:58Z"));
  EXPECT_EQ(parseApiTime("2023-04-27T18:11:58+08:00"), parseApiTime("2023-04-27T10:11:58Z"));
}

TEST(ParseApiTime, RejectsMalformed) {
  EXPECT_FALSE(parseApiTime(""));
  EXPECT_FALSE(parseApiTime("2023-04-27"));
  EXPECT_FALSE(parseApiTime("2023-13-27T10:11:58Z"));
  EXPECT_FALSE(parseApiTime("2023-04-27T10:11:58Zjunk"));
  EXPECT_FALSE(parseApiTime("2023-04-27T1a:11:58Z"));
}

TEST(FormatIso8601, RoundTrips) {
  auto t = sys_days(year(2016) / 2 / 23) + hours(12) + minutes(46) + seconds(24);
  EXPECT_EQ(formatIso8601(t), "2016-02-23T12:46:24Z");
  EXPECT_EQ(parseApiTime(formatIso8601(t)), t);
}

TEST(Time, CreationTimeIsZoneLess) {
  auto t = std::chrono::sys_days(std::chrono::year(2023) / 4 / 27) + std::chrono::hours(10) +
           std::chrono::minutes(11) + std::chrono::seconds(58);
  EXPECT_EQ(formatCreationTime(t), "2023-04-27T10:11:58");
  EXPECT_EQ(parseApiTime(formatCreationTime(t)), t);
}

}  // namespace
}  // namespace swas::core
