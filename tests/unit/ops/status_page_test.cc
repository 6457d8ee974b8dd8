// The status page's HTML: every value escaped, whatever mstch's global escape is set to; empty
// and stale states said plainly; a state that cannot be read is a 503 page; one render a second.
#include "daemon/ops/status_page.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <mstch/mstch.hpp>

#include "daemon/core/time.h"
#include "daemon/state/store.h"
#include "tests/support/fake_clock.h"
#include "tests/support/sim_process.h"

namespace swas::ops {
namespace {

constexpr const char* kHostile = "<img src=x onerror=alert(1)>\"'&{{#x}}{{>p}}";
constexpr const char* kEscaped =
    "&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;{{#x}}{{&gt;p}}";

state::Overview hostileOverview() {
  state::Overview o;
  o.status.recorded_at = 1'796'000'000;
  o.status.regions.push_back(
      {kHostile, false, kHostile, std::nullopt, 1, 0, {{kHostile, 1}, {"Success", 2}}});
  o.status.firing = 1;
  o.status.receivers.push_back({kHostile, 3, kHostile, 1'796'000'000});
  o.firing.push_back({1'796'000'000, kHostile, kHostile, kHostile, kHostile, kHostile, kHostile,
                      kHostile, kHostile, kHostile});
  o.failures.push_back({1'796'000'000, kHostile, kHostile, kHostile, kHostile, kHostile, kHostile,
                        kHostile, kHostile, 3});
  return o;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(StatusPage, EveryValueIsEscapedOnceWhateverTheGlobalEscapeIs) {
  PageContext context{.version = kHostile, .now = 1'796'000'005};
  std::string html = renderStatusHtml(hostileOverview(), context);
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_EQ(html.find("&amp;lt;"), std::string::npos) << "escaped twice: " << html;
  // Regions (id, reason, tracked, data attribute), receiver (name, outcome), alert (8 values),
  // failure (7 values), version.
  EXPECT_GE(count(html, kEscaped), 20u) << html;
  EXPECT_NE(html.find("data-region=\"" + std::string(kEscaped) + "\""), std::string::npos);

  // The chat templates set mstch's one global escape for their render, on another thread: the
  // page must not depend on it.
  auto saved = mstch::config::escape;
  mstch::config::escape = [](const std::string& s) { return s; };
  std::string unescaped_global = renderStatusHtml(hostileOverview(), context);
  mstch::config::escape = saved;
  EXPECT_EQ(unescaped_global, html);
}

TEST(StatusPage, SaysWhatIsEmptyAndWhenTheStatusIsOld) {
  std::string html = renderStatusHtml({}, {.version = "1.0", .now = 1'796'000'000});
  EXPECT_NE(html.find("No region recorded yet."), std::string::npos);
  EXPECT_NE(html.find("No alert is firing."), std::string::npos);
  EXPECT_NE(html.find("No failure recorded."), std::string::npos);
  EXPECT_NE(html.find("The daemon has not recorded its status yet."), std::string::npos);
  state::Overview old;
  old.status.recorded_at = 1'796'000'000 - 300;
  html = renderStatusHtml(old, {.version = "1.0", .now = 1'796'000'000});
  EXPECT_NE(html.find("last recorded 5 min ago: the daemon may be stuck"), std::string::npos);
  old.status.recorded_at = 1'796'000'000 - 5;
  html = renderStatusHtml(old, {.version = "1.0", .now = 1'796'000'000});
  EXPECT_EQ(html.find("id=\"stale\""), std::string::npos);
}

TEST(StatusPage, ALongOutputShowsItsLastCharacters) {
  state::Overview o;
  o.firing.push_back({});
  o.firing[0].output = std::string(3000, 'a') + "\u00e9 THE END";  // é: two bytes, one character
  std::string html = renderStatusHtml(o, {.version = "1.0", .now = 0});
  EXPECT_NE(html.find(">..." + std::string(kPageOutputChars - 9, 'a') + "\u00e9 THE END</pre>"),
            std::string::npos);
  o.firing[0].output = std::string(kPageOutputChars - 1, 'a') + "\u00e9";
  html = renderStatusHtml(o, {.version = "1.0", .now = 0});
  EXPECT_NE(html.find(">" + o.firing[0].output + "</pre>"), std::string::npos) << "not cut";
}

TEST(StatusPage, MoreAlertsThanListedAreCountedAndTheCommandNamed) {
  state::Overview o;
  o.status.firing = 150;
  o.firing.resize(kPageAlerts);
  std::string html = renderStatusHtml(o, {.version = "1.0", .now = 0});
  EXPECT_NE(html.find("The newest 100 are listed, and 50 more fire: swas-invocation-monitor "
                      "alerts lists them all."),
            std::string::npos);
  o.status.firing = kPageAlerts;
  html = renderStatusHtml(o, {.version = "1.0", .now = 0});
  EXPECT_EQ(html.find("id=\"more-alerts\""), std::string::npos);
}

TEST(StatusPage, TheProblemPageEscapesToo) {
  std::string html = renderProblemHtml(kHostile, {.version = kHostile, .now = 0});
  EXPECT_EQ(html.find("<img"), std::string::npos) << html;
  EXPECT_EQ(count(html, kEscaped), 2u) << html;
}

TEST(StatusPage, AnUnreadableStateIsA503PageThenThePageOnceItCanBeRead) {
  std::string path = testing::writeTempFile("status_page/<b>state.db", "");
  std::filesystem::remove(path);
  testing::FakeClock clock;
  StatusPage page(path, "1.0 (abc)", clock);
  auto answer = page.render();
  EXPECT_EQ(answer.status, 503);
  EXPECT_NE(answer.html.find("does not exist"), std::string::npos) << answer.html;
  EXPECT_NE(answer.html.find("&lt;b&gt;state.db"), std::string::npos) << answer.html;

  auto store = state::Store::open(path);
  ASSERT_TRUE(store) << store.error();
  EXPECT_EQ(page.render().status, 503) << "the same page within the second";
  clock.advance(std::chrono::seconds(1));
  answer = page.render();
  EXPECT_EQ(answer.status, 200) << answer.html;
  EXPECT_NE(answer.html.find("No region recorded yet."), std::string::npos);
  EXPECT_NE(answer.html.find("1.0 (abc)"), std::string::npos);

  state::StatusSnapshot s{.now = core::unixSeconds(clock.now()),
                          .regions = {{"cn-hangzhou", true, "", std::nullopt, 1, 0}},
                          .receivers = {},
                          .configured_receivers = {}};
  ASSERT_TRUE((*store)->recordStatus(s));
  EXPECT_EQ(page.render().html, answer.html) << "one render a second, however often asked";
  clock.advance(std::chrono::seconds(1));
  EXPECT_NE(page.render().html.find("data-region=\"cn-hangzhou\""), std::string::npos);
}

}  // namespace
}  // namespace swas::ops
