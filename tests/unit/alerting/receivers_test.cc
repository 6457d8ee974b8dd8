#include "daemon/alerting/receivers.h"

#include <gtest/gtest.h>

#include "daemon/alerting/receivers/factory.h"
#include "daemon/util/crypto.h"

namespace swas::alerting {
namespace {

using namespace std::chrono;

const system_clock::time_point kNow = sys_days(year(2026) / 11 / 28) + hours(12);

core::Alert alert(std::string fp, std::optional<int64_t> ends_at = std::nullopt) {
  core::Alert a;
  a.fingerprint = std::move(fp);
  a.labels_json = R"({"alertname":"SwasInvocationFailed"})";
  a.annotations_json = R"({"summary":"s"})";
  a.starts_at = 1'796'000'000;
  a.ends_at = ends_at;
  return a;
}

std::string header(const http::HttpRequest& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

TEST(Webhook, TheAlertmanagerV4EnvelopeIdempotentAndSigned) {
  ReceiverConfig c{"ops", "webhook", "http://hooks.example/x", "Jefe", {{"X-Team", "infra"}}};
  auto r = makeReceiver(c, "http://127.0.0.1:9786");
  auto firing = alert("00000000000000aa");
  auto resolved = alert("00000000000000bb", 1'796'000'600);
  auto request = r->request({{&firing, false}, {&resolved, true}}, kNow);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://hooks.example/x");
  EXPECT_EQ(
      request.body,
      R"({"version":"4","groupKey":"swas-invocation-monitor/ops","truncatedAlerts":0,)"
      R"("status":"firing","receiver":"ops","groupLabels":{},"commonLabels":{},)"
      R"("commonAnnotations":{},"externalURL":"http://127.0.0.1:9786","alerts":[)"
      R"({"status":"firing","labels":{"alertname":"SwasInvocationFailed"},)"
      R"("annotations":{"summary":"s"},"startsAt":"2026-11-30T00:53:20Z",)"
      R"("endsAt":"0001-01-01T00:00:00Z","generatorURL":"","fingerprint":"00000000000000aa"},)"
      R"({"status":"resolved","labels":{"alertname":"SwasInvocationFailed"},)"
      R"("annotations":{"summary":"s"},"startsAt":"2026-11-30T00:53:20Z",)"
      R"("endsAt":"2026-11-30T01:03:20Z","generatorURL":"","fingerprint":"00000000000000bb"}]})");
  EXPECT_EQ(header(request, "Content-Type"), "application/json");
  EXPECT_EQ(header(request, "X-Team"), "infra");
  EXPECT_EQ(header(request, "X-Swas-Signature-256"),
            "sha256=" + util::hmacSha256Hex("Jefe", request.body));
  std::string key = header(request, "Idempotency-Key");
  EXPECT_EQ(key.size(), 32u);
  auto again = r->request({{&firing, false}, {&resolved, true}}, kNow + hours(1));
  EXPECT_EQ(again.body, request.body) << "a retry sends the same bytes";
  EXPECT_EQ(header(again, "Idempotency-Key"), key);
  EXPECT_NE(header(r->request({{&firing, false}}, kNow), "Idempotency-Key"), key);
  // The same labels failing again after they resolved (a re-opened alert: a new start) are news
  // under a key of their own: a receiver that dedupes on the key would drop them.
  auto reopened = firing;
  reopened.starts_at += 600;
  EXPECT_NE(header(r->request({{&reopened, false}, {&resolved, true}}, kNow), "Idempotency-Key"),
            key);
  auto resolved_again = resolved;
  resolved_again.ends_at = *resolved.ends_at + 600;
  EXPECT_NE(
      header(r->request({{&firing, false}, {&resolved_again, true}}, kNow), "Idempotency-Key"),
      key);
  auto only_resolved = r->request({{&resolved, true}}, kNow);
  EXPECT_NE(only_resolved.body.find(R"("status":"resolved","receiver")"), std::string::npos);
}

TEST(Webhook, AReceiverNameIsEscapedInTheEnvelope) {
  // Any YAML string is a valid name; one with a quote must not make every message invalid JSON
  // (a 400, and the alerts dropped).
  auto r = makeReceiver({"ops \"night\" \\ shift", "webhook", "http://hooks.example/x"},
                        "http://127.0.0.1:9786");
  auto firing = alert("00000000000000aa");
  auto body = r->request({{&firing, false}}, kNow).body;
  EXPECT_NE(body.find(R"("groupKey":"swas-invocation-monitor/ops \"night\" \\ shift")"),
            std::string::npos)
      << body;
  EXPECT_NE(body.find(R"("receiver":"ops \"night\" \\ shift")"), std::string::npos) << body;
}

TEST(Hmac, KnownVector) {
  // RFC 4231, test case 2.
  EXPECT_EQ(util::hmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Alertmanager, PostsTheAlertsArrayWithFiringEndsFourMinutesAhead) {
  auto r = makeReceiver({"am", "alertmanager", "http://127.0.0.1:9093/"}, "http://127.0.0.1:9786");
  auto firing = alert("00000000000000aa");
  auto resolved = alert("00000000000000bb", 1'796'000'600);
  auto request = r->request({{&firing, false}, {&resolved, true}}, kNow);
  EXPECT_EQ(request.url, "http://127.0.0.1:9093/api/v2/alerts");
  EXPECT_TRUE(r->resendsFiringSet());
  EXPECT_EQ(request.body,
            R"([{"status":"firing","labels":{"alertname":"SwasInvocationFailed"},)"
            R"("annotations":{"summary":"s"},"startsAt":"2026-11-30T00:53:20Z",)"
            R"("endsAt":"2026-11-28T12:04:00Z","generatorURL":"http://127.0.0.1:9786"},)"
            R"({"status":"resolved","labels":{"alertname":"SwasInvocationFailed"},)"
            R"("annotations":{"summary":"s"},"startsAt":"2026-11-30T00:53:20Z",)"
            R"("endsAt":"2026-11-30T01:03:20Z","generatorURL":"http://127.0.0.1:9786"}])");
}

TEST(Classify, DeliveredRetriedOrDropped) {
  auto answer = [](int status, http::Headers headers = {}) {
    return http::HttpResult(http::HttpResponse{status, std::move(headers), "body\nline"});
  };
  EXPECT_EQ(classify(answer(200), kNow).kind, Verdict::kDelivered);
  EXPECT_EQ(classify(answer(204), kNow).kind, Verdict::kDelivered);
  for (int status : {408, 429, 500, 502, 503}) {
    EXPECT_EQ(classify(answer(status), kNow).kind, Verdict::kRetry) << status;
  }
  for (int status : {400, 401, 403, 404, 410}) {
    EXPECT_EQ(classify(answer(status), kNow).kind, Verdict::kDrop) << status;
  }
  auto drop = classify(answer(400), kNow);
  EXPECT_EQ(drop.reason, "HTTP 400: body line");
  auto throttled = classify(answer(429, {{"retry-after", "7"}}), kNow);
  EXPECT_EQ(throttled.retry_after, seconds(7));
  auto transport = classify(
      std::unexpected(core::Error{.kind = core::ErrorKind::kConnect, .message = "refused"}), kNow);
  EXPECT_EQ(transport.kind, Verdict::kRetry);
}

TEST(RetryAfter, SecondsOrHttpDate) {
  EXPECT_EQ(parseRetryAfter("120", kNow), seconds(120));
  EXPECT_EQ(parseRetryAfter(" 0 ", kNow), seconds(0));
  EXPECT_EQ(parseRetryAfter("Sat, 28 Nov 2026 12:00:30 GMT", kNow), seconds(30));
  EXPECT_EQ(parseRetryAfter("Sat, 28 Nov 2026 11:00:00 GMT", kNow), milliseconds(0));
  EXPECT_EQ(parseRetryAfter("-5", kNow), std::nullopt);
  EXPECT_EQ(parseRetryAfter("soon", kNow), std::nullopt);
  EXPECT_EQ(parseRetryAfter("", kNow), std::nullopt);
}

// Found by fuzz_receiver_response: a date centuries away overflowed the clock's nanoseconds
// (undefined behaviour) before it was capped at a day.
TEST(RetryAfter, AFarFutureDateIsCappedWithoutOverflow) {
  EXPECT_EQ(parseRetryAfter("Wed, 20 Oct 2308 07:22:00 GMT", kNow), hours(24));
  EXPECT_EQ(parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", kNow), hours(24));
  EXPECT_EQ(parseRetryAfter("Thu, 01 Jan 1970 00:00:00 GMT", kNow), milliseconds(0));
}

}  // namespace
}  // namespace swas::alerting
