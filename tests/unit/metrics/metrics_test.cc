#include "daemon/metrics/metrics.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "daemon/metrics/inventory_metrics.h"
#include "tests/support/fake_clock.h"

namespace swas::metrics {
namespace {

using namespace std::chrono;

// "name{a="x",b="y"}" (labels sorted by name) -> value, for every sample of an exposition.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    std::string series = line.substr(0, space);
    if (auto open = series.find('{'); open != std::string::npos) {
      std::vector<std::string> labels;
      std::string inner = series.substr(open + 1, series.size() - open - 2);
      for (size_t at = 0; at < inner.size();) {
        size_t end = inner.find("\",", at);
        end = end == std::string::npos ? inner.size() : end + 1;
        labels.push_back(inner.substr(at, end - at));
        at = end + 1;
      }
      std::sort(labels.begin(), labels.end());
      series = series.substr(0, open + 1);
      for (size_t i = 0; i < labels.size(); ++i) series += (i ? "," : "") + labels[i];
      series += "}";
    }
    out[series] = std::stod(line.substr(space + 1));
  }
  return out;
}

core::Transition transition(std::string invoke, std::string instance, std::string from,
                            std::string to, bool occurrence = false, std::string error_code = "") {
  core::Transition t;
  t.scope = "cn-hangzhou";
  t.invoke_id = std::move(invoke);
  t.instance_id = std::move(instance);
  t.from = std::move(from);
  t.to = std::move(to);
  t.error_code = std::move(error_code);
  t.occurrence = occurrence;
  return t;
}

class MetricsTest : public ::testing::Test {
 protected:
  std::map<std::string, double> scrape() { return samples(serializeText(registry_)); }

  prometheus::Registry registry_;
  testing::FakeClock clock_;
  Metrics metrics_{registry_, clock_,
                   MetricsOptions{{"cn-hangzhou", "ap-southeast-1"}, {"ops"}, "0.1.0", "abc123"}};
};

TEST_F(MetricsTest, EveryRegionStatusPairIsThereFromStart) {
  auto s = scrape();
  for (std::string region : {"cn-hangzhou", "ap-southeast-1"}) {
    for (auto status : core::kOverallStatuses) {
      std::string key = "swas_invocations{invocation_status=\"" + std::string(status) +
                        "\",region_id=\"" + region + "\"}";
      ASSERT_TRUE(s.contains(key)) << key;
      EXPECT_EQ(s[key], 0);
    }
    for (auto status : core::kInstanceStatuses) {
      std::string key = "swas_invocation_instances{invocation_status=\"" + std::string(status) +
                        "\",region_id=\"" + region + "\"}";
      ASSERT_TRUE(s.contains(key)) << key;
      EXPECT_EQ(s[key], 0);
    }
    EXPECT_EQ(s["swas_region_up{region_id=\"" + region + "\"}"], 0);
    EXPECT_EQ(s["swas_poll_last_success_timestamp_seconds{region_id=\"" + region + "\"}"], 0);
    EXPECT_TRUE(
        s.contains("swas_api_requests_total{action=\"DescribeCommandInvocations\",code="
                   "\"OK\",region_id=\"" +
                   region + "\"}"));
    EXPECT_EQ(s["swas_poll_duration_seconds_count{region_id=\"" + region + "\"}"], 0);
  }
  EXPECT_EQ(s["swas_build_info{revision=\"abc123\",version=\"0.1.0\"}"], 1);
  EXPECT_EQ(s["swas_alerts_firing"], 0);
  EXPECT_EQ(s["swas_alert_queue_length{receiver=\"ops\"}"], 0);
  for (std::string outcome : {"delivered", "failed", "dropped"}) {
    EXPECT_EQ(s["swas_alert_notifications_total{outcome=\"" + outcome + "\",receiver=\"ops\"}"], 0);
  }
}

TEST_F(MetricsTest, GaugesFollowTheTrackedCounts) {
  metrics_.onTrackedCounts("cn-hangzhou", {{{"Running", 2}, {"Success", 5}},
                                           {{"Running", 3}, {"Success", 9}, {"Failed", 1}}});
  auto s = scrape();
  EXPECT_EQ(s["swas_invocations{invocation_status=\"Running\",region_id=\"cn-hangzhou\"}"], 2);
  EXPECT_EQ(s["swas_invocations{invocation_status=\"Success\",region_id=\"cn-hangzhou\"}"], 5);
  EXPECT_EQ(s["swas_invocation_instances{invocation_status=\"Failed\",region_id=\"cn-hangzhou\"}"],
            1);
  EXPECT_EQ(s["swas_invocations{invocation_status=\"Success\",region_id=\"ap-southeast-1\"}"], 0);
  // Everything Running finished and an unknown status appeared; statuses not listed drop to 0.
  metrics_.onTrackedCounts("cn-hangzhou", {{{"Success", 7}, {"Mystery", 1}}, {{"Success", 12}}});
  s = scrape();
  EXPECT_EQ(s["swas_invocations{invocation_status=\"Running\",region_id=\"cn-hangzhou\"}"], 0);
  EXPECT_EQ(s["swas_invocations{invocation_status=\"Success\",region_id=\"cn-hangzhou\"}"], 7);
  EXPECT_EQ(s["swas_invocations{invocation_status=\"Mystery\",region_id=\"cn-hangzhou\"}"], 1);
  EXPECT_EQ(s["swas_invocation_instances{invocation_status=\"Failed\",region_id=\"cn-hangzhou\"}"],
            0);
}

TEST_F(MetricsTest, TransitionsAndOccurrences) {
  metrics_.onTransitions(
      "cn-hangzhou",
      {transition("t-1", "i-1", "none", "Running"),
       transition("t-1", "i-1", "Running", "Failed", true, "ExitCodeNonzero"),
       transition("t-2", "i-1", "none", "Timeout", true),
       transition("t-3", "i-2", "Running", "Running", true, "InstanceRestarted"),
       transition("t-3", "i-2", "Running", "Failed", false, "InstanceRestarted")},
      {});
  auto s = scrape();
  EXPECT_EQ(s["swas_invocation_transitions_total{from=\"none\",region_id=\"cn-hangzhou\",to="
              "\"Running\"}"],
            1);
  EXPECT_EQ(s["swas_invocation_transitions_total{from=\"Running\",region_id=\"cn-hangzhou\",to="
              "\"Failed\"}"],
            2);
  EXPECT_FALSE(
      s.contains("swas_invocation_transitions_total{from=\"Running\",region_id=\"cn-"
                 "hangzhou\",to=\"Running\"}"))
      << "an ErrorCode appearing is not a status change";
  EXPECT_EQ(s["swas_invocation_failures_total{error_code=\"ExitCodeNonzero\",instance_id=\"i-1\","
              "invocation_status=\"Failed\",region_id=\"cn-hangzhou\"}"],
            1);
  EXPECT_EQ(s["swas_invocation_failures_total{error_code=\"\",instance_id=\"i-1\","
              "invocation_status=\"Timeout\",region_id=\"cn-hangzhou\"}"],
            1);
  EXPECT_EQ(s["swas_invocation_failures_total{error_code=\"InstanceRestarted\",instance_id=\"i-2\","
              "invocation_status=\"Running\",region_id=\"cn-hangzhou\"}"],
            1);
  double failures = 0;
  for (const auto& [key, value] : s) {
    if (key.starts_with("swas_invocation_failures_total{")) failures += value;
  }
  EXPECT_EQ(failures, 3) << "one per occurrence, not per transition";
  std::string text = serializeText(registry_);
  EXPECT_EQ(text.find("\"t-1\""), std::string::npos) << "no invoke ID in any label";
  EXPECT_EQ(text.find("invoke"), std::string::npos);
}

// Issue 15: ListRegions is sent to an endpoint region that `region_id: all` may not poll.
TEST_F(MetricsTest, ACallOutsideThePolledRegionsIsCountedWithoutMakingTheRegionUp) {
  metrics_.onApiRequest("cn-shenzhen", "ListRegions", "OK", 0.01);
  auto s = scrape();
  EXPECT_EQ(
      s["swas_api_requests_total{action=\"ListRegions\",code=\"OK\",region_id=\"cn-shenzhen\"}"],
      1);
  EXPECT_FALSE(s.contains("swas_region_up{region_id=\"cn-shenzhen\"}"));
}

TEST_F(MetricsTest, ApiRequestsAndPolls) {
  metrics_.onApiRequest("cn-hangzhou", "DescribeCommandInvocations", "OK", 0.004);
  metrics_.onApiRequest("cn-hangzhou", "DescribeCommandInvocations", "Throttling.User", 0.2);
  metrics_.onApiRequest("cn-hangzhou", "DescribeCommandInvocations", "timeout", 10);
  metrics_.onPollFinished("cn-hangzhou", true, 0.3, true, 3);
  auto s = scrape();
  std::string labels = "action=\"DescribeCommandInvocations\",";
  EXPECT_EQ(s["swas_api_requests_total{" + labels + "code=\"OK\",region_id=\"cn-hangzhou\"}"], 1);
  EXPECT_EQ(s["swas_api_requests_total{" + labels +
              "code=\"Throttling.User\",region_id=\"cn-hangzhou\"}"],
            1);
  std::string hist = "swas_api_request_duration_seconds_bucket{" + labels;
  EXPECT_EQ(s[hist + "le=\"0.005\",region_id=\"cn-hangzhou\"}"], 1);
  EXPECT_EQ(s[hist + "le=\"0.25\",region_id=\"cn-hangzhou\"}"], 2);
  EXPECT_EQ(s[hist + "le=\"30\",region_id=\"cn-hangzhou\"}"], 3);
  EXPECT_EQ(s["swas_poll_duration_seconds_bucket{le=\"0.01\",region_id=\"cn-hangzhou\"}"], 0);
  EXPECT_EQ(s["swas_poll_duration_seconds_bucket{le=\"300\",region_id=\"cn-hangzhou\"}"], 1);
  EXPECT_EQ(s["swas_region_up{region_id=\"cn-hangzhou\"}"], 1);
  double now = duration<double>(clock_.now().time_since_epoch()).count();
  EXPECT_EQ(s["swas_poll_last_success_timestamp_seconds{region_id=\"cn-hangzhou\"}"], now);

  clock_.advance(seconds(30));
  metrics_.onPollFinished("cn-hangzhou", false, 1.5, false, 6);
  s = scrape();
  EXPECT_EQ(s["swas_region_up{region_id=\"cn-hangzhou\"}"], 0);
  EXPECT_EQ(s["swas_poll_last_success_timestamp_seconds{region_id=\"cn-hangzhou\"}"], now)
      << "a failed poll keeps the last success";
  EXPECT_EQ(s["swas_poll_duration_seconds_count{region_id=\"cn-hangzhou\"}"], 2);
  // Full walks are counted when they succeed (retention and full_scan_every are seen from
  // outside by them).
  EXPECT_EQ(s["swas_poll_full_walks_total{region_id=\"cn-hangzhou\"}"], 1) << "the first poll";
  metrics_.onPollFinished("cn-hangzhou", true, 1.5, true, 61);
  metrics_.onPollFinished("cn-hangzhou", false, 1.5, true, 6);
  EXPECT_EQ(scrape()["swas_poll_full_walks_total{region_id=\"cn-hangzhou\"}"], 2);
}

// The degraded states: each reaches a counter, present from the start at 0.
TEST_F(MetricsTest, DegradedStatesAreCounted) {
  auto s = scrape();
  for (const std::string series :
       {"swas_poll_skipped_ticks_total{region_id=\"cn-hangzhou\"}",
        "swas_paging_fallbacks_total{region_id=\"cn-hangzhou\"}",
        "swas_credentials_refresh_failures_total", "swas_state_errors_total{op=\"outbox\"}",
        "swas_state_errors_total{op=\"poll_commit\"}"}) {
    ASSERT_TRUE(s.contains(series)) << series;
    EXPECT_EQ(s[series], 0) << series;
  }
  metrics_.onSkippedTicks("cn-hangzhou", 3);
  metrics_.onPagingFallback("cn-hangzhou");
  metrics_.onCredentialRefreshFailures(2);
  metrics_.onStateError("outbox");
  metrics_.onApiAnomaly("cn-hangzhou", "field", 4);
  s = scrape();
  EXPECT_EQ(s["swas_poll_skipped_ticks_total{region_id=\"cn-hangzhou\"}"], 3);
  EXPECT_EQ(s["swas_paging_fallbacks_total{region_id=\"cn-hangzhou\"}"], 1);
  EXPECT_EQ(s["swas_credentials_refresh_failures_total"], 2);
  EXPECT_EQ(s["swas_state_errors_total{op=\"outbox\"}"], 1);
  EXPECT_EQ(s["swas_api_anomalies_total{kind=\"field\",region_id=\"cn-hangzhou\"}"], 4);
}

TEST_F(MetricsTest, AlertDelivery) {
  metrics_.onNotifications("ops", core::kFailed, 3);
  metrics_.onNotifications("ops", core::kDelivered, 1);
  metrics_.onQueueLength("ops", 4);
  metrics_.onAlertsFiring(2);
  auto s = scrape();
  EXPECT_EQ(s["swas_alert_notifications_total{outcome=\"failed\",receiver=\"ops\"}"], 3);
  EXPECT_EQ(s["swas_alert_notifications_total{outcome=\"delivered\",receiver=\"ops\"}"], 1);
  EXPECT_EQ(s["swas_alert_queue_length{receiver=\"ops\"}"], 4);
  EXPECT_EQ(s["swas_alerts_firing"], 2);
}

TEST_F(MetricsTest, EveryFamilyHasHelpAndType) {
  metrics_.onTransitions("cn-hangzhou", {transition("t-1", "i-1", "none", "Failed", true)}, {});
  std::string text = serializeText(registry_);
  for (std::string family :
       {"swas_invocations", "swas_invocation_instances", "swas_invocation_transitions_total",
        "swas_invocation_failures_total", "swas_api_requests_total",
        "swas_api_request_duration_seconds", "swas_poll_duration_seconds",
        "swas_poll_last_success_timestamp_seconds", "swas_region_up",
        "swas_alert_notifications_total", "swas_alert_queue_length", "swas_alerts_firing",
        "swas_build_info"}) {
    EXPECT_NE(text.find("# HELP " + family + " "), std::string::npos) << family;
    EXPECT_NE(text.find("# TYPE " + family + " "), std::string::npos) << family;
  }
}

TEST(InventoryMetrics, EachRefreshReplacesTheRegionsSeries) {
  prometheus::Registry registry;
  InventoryMetrics inventory(registry);
  auto scrape = [&] { return samples(serializeText(registry)); };
  inventory.onInventory("cn-hangzhou", {{"i-1", "web-1", "", "", "Running", {}, true},
                                        {"i-2", "db-1", "", "", "Stopped", {}, std::nullopt}});
  inventory.onInventory("ap-southeast-1", {{"i-9", "sg-1", "", "", "Running", {}, false}});
  auto s = scrape();
  EXPECT_EQ(
      s.at(
          R"(swas_instance_info{instance_id="i-1",instance_name="web-1",region_id="cn-hangzhou",status="Running"})"),
      1);
  EXPECT_EQ(s.at(R"(swas_cloud_assistant_up{instance_id="i-1",region_id="cn-hangzhou"})"), 1);
  EXPECT_EQ(s.at(R"(swas_cloud_assistant_up{instance_id="i-9",region_id="ap-southeast-1"})"), 0);
  EXPECT_FALSE(s.contains(R"(swas_cloud_assistant_up{instance_id="i-2",region_id="cn-hangzhou"})"))
      << "unknown is absent, not 0";
  inventory.onInventory("cn-hangzhou", {{"i-1", "web-1b", "", "", "Stopped", {}, false}});
  s = scrape();
  EXPECT_FALSE(s.contains(
      R"(swas_instance_info{instance_id="i-1",instance_name="web-1",region_id="cn-hangzhou",status="Running"})"))
      << "no stale series after a rename";
  EXPECT_FALSE(s.contains(
      R"(swas_instance_info{instance_id="i-2",instance_name="db-1",region_id="cn-hangzhou",status="Stopped"})"))
      << "an instance that left";
  EXPECT_EQ(
      s.at(
          R"(swas_instance_info{instance_id="i-1",instance_name="web-1b",region_id="cn-hangzhou",status="Stopped"})"),
      1);
  EXPECT_EQ(s.at(R"(swas_cloud_assistant_up{instance_id="i-9",region_id="ap-southeast-1"})"), 0)
      << "other regions untouched";
  inventory.forget("ap-southeast-1");
  EXPECT_FALSE(scrape().contains(
      R"(swas_cloud_assistant_up{instance_id="i-9",region_id="ap-southeast-1"})"));
}

}  // namespace
}  // namespace swas::metrics
