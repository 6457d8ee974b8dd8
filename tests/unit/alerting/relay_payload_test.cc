#include <gtest/gtest.h>

#include "daemon/alerting/chat/view.h"
#include "daemon/alerting/relay/payload.h"
#include "daemon/alerting/rules.h"

namespace swas::alerting {
namespace {

// As Alertmanager 0.25 posts it (notify/webhook), trimmed to what matters.
constexpr std::string_view kPayload = R"({
  "receiver": "dingtalk-relay", "status": "firing", "version": "4",
  "groupKey": "{}:{alertname=\"SwasInvocationFailed\"}", "truncatedAlerts": 0,
  "groupLabels": {"alertname": "SwasInvocationFailed"}, "commonLabels": {}, "commonAnnotations": {},
  "externalURL": "http://am:9093",
  "alerts": [
    {"status": "firing", "labels": {"alertname": "SwasInvocationFailed", "region_id": "cn-hangzhou",
       "instance_id": "i-1", "invoke_id": "t-1", "command_name": "deploy"},
     "annotations": {"summary": "deploy failed on i-1", "output": "<b>x</b>"},
     "startsAt": "2026-12-02T05:00:00.123456789Z", "endsAt": "0001-01-01T00:00:00Z",
     "generatorURL": "", "fingerprint": "0123456789abcdef"},
    {"status": "resolved", "labels": {"alertname": "SwasPollStale", "region_id": "cn-hangzhou"},
     "annotations": {},
     "startsAt": "2026-12-02T13:00:00+08:00", "endsAt": "2026-12-02T05:10:00Z",
     "generatorURL": "http://prometheus/graph"}
  ]})";

TEST(RelayPayload, ReadsEachAlertOfANotification) {
  auto alerts = parseAlertmanagerWebhook(kPayload);
  ASSERT_TRUE(alerts) << alerts.error();
  ASSERT_EQ(alerts->size(), 2u);
  const core::Alert& firing = (*alerts)[0];
  EXPECT_EQ(firing.fingerprint, "0123456789abcdef");
  EXPECT_EQ(firing.scope, "cn-hangzhou");
  EXPECT_EQ(firing.instance_id, "i-1");
  EXPECT_EQ(firing.invoke_id, "t-1");
  EXPECT_EQ(firing.starts_at, 1'796'187'600);
  EXPECT_FALSE(firing.ends_at) << "0001-01-01 is Alertmanager's 'not ended'";
  EXPECT_EQ(parseLabels(firing.labels_json).at("command_name"), "deploy");
  EXPECT_EQ(parseLabels(firing.annotations_json).at("output"), "<b>x</b>");
  const core::Alert& resolved = (*alerts)[1];
  EXPECT_EQ(resolved.starts_at, 1'796'187'600) << "+08:00 read as such";
  EXPECT_EQ(resolved.ends_at, 1'796'188'200);
  EXPECT_EQ(resolved.fingerprint,
            fingerprint({{"alertname", "SwasPollStale"}, {"region_id", "cn-hangzhou"}}))
      << "without one, Alertmanager's own computation";
  EXPECT_EQ(resolved.annotations_json, "{}");
}

TEST(RelayPayload, AnAlertOfANamedAccountIsFiledUnderItsScope) {
  auto alerts = parseAlertmanagerWebhook(R"({"version": "4", "status": "firing", "alerts": [
    {"status": "firing", "labels": {"alertname": "A", "account": "prod", "region_id": "cn-hangzhou"},
     "startsAt": "2026-12-02T05:00:00Z"},
    {"status": "firing", "labels": {"alertname": "B", "account": "a/b", "region_id": "cn-hangzhou"},
     "startsAt": "2026-12-02T05:00:00Z"},
    {"status": "firing", "labels": {"alertname": "C", "region_id": "x/y"},
     "startsAt": "2026-12-02T05:00:00Z"},
    {"status": "firing", "labels": {"alertname": "D", "account": "prod"},
     "startsAt": "2026-12-02T05:00:00Z"},
    {"status": "firing", "labels": {"alertname": "E", "region_id": "ecs:cn-hangzhou"},
     "startsAt": "2026-12-02T05:00:00Z"},
    {"status": "firing", "labels": {"alertname": "F", "region_id": "cn-hangzhou", "product": "ecs"},
     "startsAt": "2026-12-02T05:00:00Z"}]})");
  ASSERT_TRUE(alerts) << alerts.error();
  ASSERT_EQ(alerts->size(), 6u);
  EXPECT_EQ((*alerts)[4].scope, "") << "a ':' in the region would read as a product";
  EXPECT_EQ((*alerts)[5].scope, "ecs:cn-hangzhou") << "an ECS alert relayed back";
  EXPECT_EQ((*alerts)[0].scope, "prod/cn-hangzhou") << "what `alerts` shows as account prod";
  EXPECT_EQ((*alerts)[1].scope, "cn-hangzhou") << "a '/' in the account would split wrongly";
  EXPECT_EQ((*alerts)[2].scope, "") << "nor may one in the region read as account x";
  EXPECT_EQ((*alerts)[3].scope, "") << "an account without a region is no scope";
}

TEST(RelayPayload, NamesWhatIsWrongAndWhere) {
  auto error = [](std::string_view body) {
    auto parsed = parseAlertmanagerWebhook(body);
    return parsed ? std::string("accepted") : parsed.error();
  };
  const std::string alert =
      R"({"status":"firing","labels":{"a":"b"},"startsAt":"2026-12-02T05:00:00Z"})";
  auto with = [&](std::string one) {
    return R"({"version":"4","alerts":[)" + alert + "," + one + "]}";
  };
  EXPECT_EQ(error("[]"), "not a JSON object");
  EXPECT_EQ(error("{\"version\":\"4\",\"alerts\":["), "not a JSON object");
  EXPECT_EQ(error(R"({"version":"3","alerts":[]})"),
            "version: not \"4\" (Alertmanager's webhook payload version 4)");
  EXPECT_EQ(error(R"({"version":"4"})"), "alerts: not an array");
  EXPECT_EQ(error(with("7")), "alerts[1]: not an object");
  EXPECT_EQ(
      error(with(R"({"status":"pending","labels":{"a":"b"},"startsAt":"2026-12-02T05:00:00Z"})")),
      "alerts[1].status: not \"firing\" or \"resolved\"");
  EXPECT_EQ(error(with(R"({"status":"firing","startsAt":"2026-12-02T05:00:00Z"})")),
            "alerts[1].labels: missing");
  EXPECT_EQ(error(with(R"({"status":"firing","labels":{},"startsAt":"2026-12-02T05:00:00Z"})")),
            "alerts[1].labels: empty");
  EXPECT_EQ(
      error(with(R"({"status":"firing","labels":{"n":1},"startsAt":"2026-12-02T05:00:00Z"})")),
      "alerts[1].labels.n: not a string");
  EXPECT_EQ(
      error(with(
          R"({"status":"firing","labels":{"a":"b","a":"c"},"startsAt":"2026-12-02T05:00:00Z"})")),
      "alerts[1].labels.a: given twice");
  EXPECT_EQ(error(with(std::string(R"({"status":"firing","labels":{"a":")") + "\xff" +
                       R"("},"startsAt":"2026-12-02T05:00:00Z"})")),
            "not a JSON object")
      << "invalid UTF-8 is not JSON";
  EXPECT_EQ(
      error(with(
          R"({"status":"firing","labels":{"a":"b"},"annotations":[],"startsAt":"2026-12-02T05:00:00Z"})")),
      "alerts[1].annotations: not an object");
  EXPECT_EQ(error(with(R"({"status":"firing","labels":{"a":"b"},"startsAt":"yesterday"})")),
            "alerts[1].startsAt: not an RFC 3339 time");
  EXPECT_EQ(
      error(with(R"({"status":"resolved","labels":{"a":"b"},"startsAt":"2026-12-02T05:00:00Z"})")),
      "alerts[1].endsAt: not an RFC 3339 time (the alert is resolved)");
  std::string many = R"({"version":"4","alerts":[)";
  for (size_t i = 0; i <= kMaxRelayedAlerts; ++i) many += (i ? "," : "") + alert;
  EXPECT_EQ(error(many + "]}"), "alerts: 1001 alerts, more than 1000 (lower max_alerts)");
}

TEST(RelayPayload, LabelsAreRewrittenSoNothingButStringsReachesTheOutbox) {
  auto alerts = parseAlertmanagerWebhook(
      R"({"version":"4","alerts":[{"status":"firing","labels":{"x\"y":"a\\b\n"},)"
      R"("annotations":null,"startsAt":"2026-12-02T05:00:00Z","fingerprint":"NOT-HEX"}]})");
  ASSERT_TRUE(alerts) << alerts.error();
  EXPECT_EQ((*alerts)[0].labels_json, R"({"x\"y":"a\\b\n"})");
  EXPECT_EQ((*alerts)[0].annotations_json, "{}");
  EXPECT_EQ((*alerts)[0].fingerprint, fingerprint({{"x\"y", "a\\b\n"}}))
      << "a fingerprint that is not 16 hex digits is not used as a key";
}

// A relayed alert of Prometheus's (no command, no instance ID) reads by its alertname, instance
// and summary; the daemon's own read as before.
TEST(RelayPayload, AnAlertThatIsNotTheDaemonsOwnStillMakesASensibleTitle) {
  auto alerts = parseAlertmanagerWebhook(
      R"({"version":"4","alerts":[{"status":"firing","labels":{"alertname":"SwasPollStale",)"
      R"("region_id":"cn-hangzhou","instance":"mon-1:9786"},"annotations":{"summary":"no poll )"
      R"(for 5m"},"startsAt":"2026-12-02T05:00:00Z"}]})");
  ASSERT_TRUE(alerts) << alerts.error();
  MessageItem item{&(*alerts)[0], false};
  auto chat = chatAlerts({item});
  EXPECT_EQ(chatTitle(chat, false),
            "[FIRING] SwasPollStale on mon-1:9786 (cn-hangzhou): no poll for 5m");
  chat[0].labels.erase("instance");
  EXPECT_EQ(chatTitle(chat, false), "[FIRING] SwasPollStale (cn-hangzhou): no poll for 5m");
  EXPECT_EQ(
      chatTitle(sampleChatAlerts(), false),
      "[FIRING] deploy-app on web-3 (ace0706b2ac4454d984295a94213a1f2) (cn-hangzhou): Failed");
}

// With accounts, a message says whose region it is.
TEST(RelayPayload, AMessageNamesTheAccountOfAnAlertThatHasOne) {
  std::vector<ChatAlert> alerts = sampleChatAlerts();
  alerts[0].labels["account"] = "prod";
  EXPECT_EQ(chatTitle(alerts, false),
            "[FIRING] deploy-app on web-3 (ace0706b2ac4454d984295a94213a1f2) (prod/cn-hangzhou): "
            "Failed");
}

}  // namespace
}  // namespace swas::alerting
