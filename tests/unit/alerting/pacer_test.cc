#include "daemon/alerting/pacer.h"

#include <gtest/gtest.h>

#include <random>

#include "daemon/alerting/robot_pacers.h"
#include "daemon/core/rate_limit.h"

namespace swas::alerting {
namespace {

using namespace std::chrono_literals;
using TimePoint = Pacer::TimePoint;

TEST(Pacer, DingTalkSends20ThenWaitsUntilTheFirstLeavesTheMinute) {
  Pacer pacer(vendorLimits("dingtalk"));
  TimePoint t0{1000h};
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(pacer.wait(t0 + 1s * i), 0ms) << i;
    pacer.sent(t0 + 1s * i);
  }
  EXPECT_EQ(pacer.wait(t0 + 20s), 40s) << "the first of the 20 leaves the window at t0 + 60 s";
  EXPECT_EQ(pacer.wait(t0 + 60s), 0ms);
  pacer.sent(t0 + 60s);
  EXPECT_EQ(pacer.wait(t0 + 60s), 1s) << "then the second, sent at t0 + 1 s";
}

TEST(Pacer, FeishuKeepsBothItsLimits) {
  Pacer pacer(vendorLimits("feishu"));
  TimePoint t0{1000h};
  for (int i = 0; i < 5; ++i) pacer.sent(t0);
  EXPECT_EQ(pacer.wait(t0), 1s) << "5 in any second";
  EXPECT_EQ(pacer.wait(t0 + 1s), 0ms);
}

TEST(Pacer, NoLimitNeverWaits) {
  Pacer pacer(vendorLimits("webhook"));
  TimePoint t0{1000h};
  for (int i = 0; i < 1000; ++i) pacer.sent(t0);
  EXPECT_EQ(pacer.wait(t0), 0ms);
}

// A sender that sends whenever the pacer lets it, at random moments, never has more than
// `count` messages in any window of any limit, for each vendor; and it is not needlessly slow:
// a sender that is always ready gets exactly the limit through.
TEST(Pacer, NoWindowEverHoldsMoreThanItsLimit) {
  std::mt19937_64 rng(7);
  for (std::string_view vendor : {"dingtalk", "wecom", "feishu", "slack"}) {
    Pacer pacer(vendorLimits(vendor));
    std::vector<TimePoint> sends;
    TimePoint now{1000h};
    TimePoint end = now + 10min;
    std::uniform_int_distribution<int> gap_ms(0, 700);
    while (now < end) {
      auto wait = pacer.wait(now);
      if (wait > 0ms) {
        now += wait;
        continue;
      }
      pacer.sent(now);
      sends.push_back(now);
      now += std::chrono::milliseconds(gap_ms(rng));
    }
    for (const auto& limit : vendorLimits(vendor)) {
      for (size_t i = 0; i < sends.size(); ++i) {
        size_t in_window = 0;
        for (size_t j = i; j < sends.size() && sends[j] < sends[i] + limit.window; ++j) ++in_window;
        ASSERT_LE(in_window, limit.count) << vendor << " at send " << i;
      }
    }
  }
  Pacer greedy(vendorLimits("dingtalk"));
  TimePoint now{1000h};
  int sent = 0;
  for (TimePoint end = now + 10min; now < end;) {
    if (auto wait = greedy.wait(now); wait > 0ms) {
      now += wait;
      continue;
    }
    greedy.sent(now);
    ++sent;
  }
  EXPECT_EQ(sent, 200) << "20 in each of the 10 minutes";
}

TEST(Pacer, ASlowAnswerCountsFromWhenItCameBack) {
  Pacer p({{1, 10s}});
  TimePoint t0{1000h};
  auto at = p.sent(t0);
  EXPECT_EQ(at, t0);
  p.answered(at, t0 + 5s);
  EXPECT_EQ(p.wait(t0 + 10s), 5000ms) << "the vendor may have seen it as late as t0 + 5 s";
  EXPECT_EQ(p.wait(t0 + 15s), 0ms);
}

TEST(Pacer, NewLimitsKeepTheSendTimes) {
  Pacer p({{5, 60s}});
  TimePoint t0{1000h};
  p.sent(t0);
  p.setLimits({{1, 60s}, {1, 60s}, {5, 60s}});
  EXPECT_EQ(p.limits().size(), 2u) << "duplicates merged";
  EXPECT_EQ(p.wait(t0 + 1s), 59000ms);
}

// A throttled robot is held back as a whole, limits or none, until its penalty ends.
TEST(Pacer, APenaltyHoldsEverySendUntilItEnds) {
  Pacer p;
  TimePoint t0{1000h};
  p.penalise(t0 + 600s);
  EXPECT_EQ(p.wait(t0), 600s);
  p.penalise(t0 + 60s);
  EXPECT_EQ(p.wait(t0 + 1s), 599s) << "a shorter penalty does not cut a longer one short";
  p.setLimits({{20, 60s}});
  EXPECT_EQ(p.wait(t0 + 599s), 1s) << "new limits keep the penalty";
  EXPECT_EQ(p.wait(t0 + 600s), 0ms);
}

// Receivers on one robot find one pacer, however their URLs differ in what does not name it.
TEST(RobotPacers, OneRobotIsOnePacer) {
  const std::string dingtalk = "https://oapi.dingtalk.com/robot/send?access_token=T";
  EXPECT_EQ(robotOf(dingtalk + "&timestamp=1764331212000&sign=abc%3D"), dingtalk);
  EXPECT_EQ(robotOf("https://oapi.dingtalk.com/robot/send?source=zh&access_token=T#x"), dingtalk);
  EXPECT_NE(robotOf("https://oapi.dingtalk.com/robot/send?access_token=U"), dingtalk);
  EXPECT_EQ(robotOf("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?timestamp=1&key=K&debug=1"),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K&debug=1");
  EXPECT_EQ(robotOf("https://hooks.slack.com/services/T/B/X?sign=s"),
            "https://hooks.slack.com/services/T/B/X");
  EXPECT_EQ(robotOf("https://open.feishu.cn/open-apis/bot/v2/hook/T"),
            "https://open.feishu.cn/open-apis/bot/v2/hook/T");
  RobotPacers pacers;
  EXPECT_EQ(&pacers.of(dingtalk), &pacers.of(dingtalk + "&timestamp=1&sign=s"));
  EXPECT_NE(&pacers.of(dingtalk),
            &pacers.of("https://oapi.dingtalk.com/robot/send?access_token=U"));
}

TEST(Pacer, RateLimitsParse) {
  auto both = core::parseRateLimits("5/s, 100/min");
  ASSERT_TRUE(both) << both.error();
  EXPECT_EQ(*both, (std::vector<core::RateLimit>{{5, 1s}, {100, 60s}}));
  EXPECT_EQ(core::parseRateLimits("2/h").value(), (std::vector<core::RateLimit>{{2, 3600s}}));
  EXPECT_TRUE(core::parseRateLimits("")->empty());
  for (std::string_view bad : {"5", "0/s", "x/s", "5/day", "5/s,", "-1/s"}) {
    EXPECT_FALSE(core::parseRateLimits(bad)) << bad;
  }
}

}  // namespace
}  // namespace swas::alerting
