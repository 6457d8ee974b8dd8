#include "daemon/alerting/receivers.h"

#include <charconv>
#include <ctime>

#include "daemon/alerting/fan_out.h"
#include "daemon/core/json.h"
#include "daemon/core/time.h"
#include "daemon/util/crypto.h"
#include "daemon/util/url.h"

namespace swas::alerting {
namespace {

std::string rfc3339(int64_t unix_seconds) {
  return core::formatIso8601(
      std::chrono::system_clock::time_point(std::chrono::seconds(unix_seconds)));
}

// {"status":..,"labels":..,"annotations":..,"startsAt":..,"endsAt":..,"generatorURL":..[,"fingerprint":..]}
void appendAlert(std::string& out, const MessageItem& item, const std::string& ends_at,
                 const std::string& generator_url, bool with_fingerprint) {
  const core::Alert& a = *item.alert;
  core::JsonObject o(out);
  o.str("status", item.resolved ? "resolved" : "firing")
      .raw("labels", a.labels_json)
      .raw("annotations", a.annotations_json)
      .str("startsAt", rfc3339(a.starts_at))
      .str("endsAt", ends_at)
      .str("generatorURL", generator_url);
  if (with_fingerprint) o.str("fingerprint", a.fingerprint);
  o.close();
}

// The Alertmanager webhook envelope, version 4.
class WebhookReceiver final : public Receiver {
 public:
  WebhookReceiver(ReceiverConfig config, std::string external_url)
      : Receiver(std::move(config)), external_url_(std::move(external_url)) {}

  size_t maxPerMessage() const override {
    return std::max<size_t>(1, config().max_alerts_per_message);
  }

  http::HttpRequest request(const std::vector<MessageItem>& items,
                            std::chrono::system_clock::time_point) const override {
    bool firing = false;
    for (const auto& i : items) firing = firing || !i.resolved;
    // The receiver's name is the operator's text: escaped like everything else.
    std::string body;
    core::JsonObject envelope(body);
    envelope.str("version", "4")
        .str("groupKey", "swas-invocation-monitor/" + config().name)
        .num("truncatedAlerts", 0)
        .str("status", firing ? "firing" : "resolved")
        .str("receiver", config().name)
        .raw("groupLabels", "{}")
        .raw("commonLabels", "{}")
        .raw("commonAnnotations", "{}")
        .str("externalURL", external_url_)
        .key("alerts");
    body += '[';
    std::string identity = config().name;  // what the message is: its receiver and news
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) body += ',';
      const auto& item = items[i];
      appendAlert(body, item,
                  item.resolved ? rfc3339(item.alert->ends_at.value_or(item.alert->starts_at))
                                : "0001-01-01T00:00:00Z",
                  "", true);
      // Each occurrence's start and end too: the same labels failing again after their alert
      // resolved re-open it (a new start), and its news must not share the first one's key.
      identity += "\n" + item.alert->fingerprint + (item.resolved ? " resolved " : " firing ") +
                  std::to_string(item.alert->starts_at);
      if (item.resolved) identity += " " + std::to_string(item.alert->ends_at.value_or(0));
    }
    body += ']';
    envelope.close();
    http::HttpRequest r{
        "POST", config().url, {{"Content-Type", "application/json"}}, body, config().timeout};
    r.headers.emplace_back("Idempotency-Key", util::sha256Hex(identity).substr(0, 32));
    if (!config().hmac_secret.empty()) {
      r.headers.emplace_back("X-Swas-Signature-256",
                             "sha256=" + util::hmacSha256Hex(config().hmac_secret, r.body));
    }
    for (const auto& [name, value] : config().headers) r.headers.emplace_back(name, value);
    r.ca_file = config().ca_file;
    return r;
  }

 private:
  std::string external_url_;
};

// {url}/api/v2/alerts.
std::string alertsApi(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + "/api/v2/alerts";
}

// POST {url}/api/v2/alerts, as Prometheus does: firing alerts end 4 minutes from now unless
// re-sent, resolved ones carry their real end. With urls:, to every peer of the cluster.
class AlertmanagerReceiver final : public Receiver {
 public:
  AlertmanagerReceiver(ReceiverConfig config, std::string external_url)
      : Receiver(std::move(config)), external_url_(std::move(external_url)) {
    for (const auto& url : this->config().urls) {
      peers_.push_back({util::peerName(url), alertsApi(url)});
    }
  }

  void send(http::HttpClient& http, http::HttpRequest request, core::AlertObserver* observer,
            http::HttpCallback done) const override {
    if (peers_.size() < 2) {
      http.send(std::move(request), std::move(done));
      return;
    }
    sendToPeers(http, request, peers_, config().name, observer, log_, std::move(done));
  }

  std::vector<std::pair<std::string, http::HttpRequest>> perPeer(
      const http::HttpRequest& request) const override {
    if (peers_.size() < 2) return {{"", request}};
    std::vector<std::pair<std::string, http::HttpRequest>> out;
    for (const auto& peer : peers_) {
      out.emplace_back(peer.name, request);
      out.back().second.url = peer.url;
    }
    return out;
  }

  size_t maxPerMessage() const override { return 1000; }
  bool resendsFiringSet() const override { return true; }

  http::HttpRequest request(const std::vector<MessageItem>& items,
                            std::chrono::system_clock::time_point now) const override {
    std::string firing_end = core::formatIso8601(now + std::chrono::minutes(4));
    std::string body = "[";
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) body += ',';
      const auto& item = items[i];
      appendAlert(
          body, item,
          item.resolved ? rfc3339(item.alert->ends_at.value_or(item.alert->starts_at)) : firing_end,
          external_url_, false);
    }
    body += "]";
    http::HttpRequest r{"POST",
                        alertsApi(config().url),
                        {{"Content-Type", "application/json"}},
                        body,
                        config().timeout};
    for (const auto& [name, value] : config().headers) r.headers.emplace_back(name, value);
    r.ca_file = config().ca_file;
    return r;
  }

 private:
  std::string external_url_;
  std::vector<PeerTarget> peers_;
  std::shared_ptr<PeerLog> log_ = std::make_shared<PeerLog>();
};

}  // namespace

Verdict Receiver::judge(const http::HttpResult& result,
                        std::chrono::system_clock::time_point now) const {
  return classify(result, now);
}

std::unique_ptr<Receiver> makeHttpReceiver(ReceiverConfig config, const std::string& external_url) {
  if (config.type == "alertmanager") {
    return std::make_unique<AlertmanagerReceiver>(std::move(config), external_url);
  }
  return std::make_unique<WebhookReceiver>(std::move(config), external_url);
}

std::optional<std::chrono::milliseconds> parseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::chrono::seconds(std::min<int64_t>(seconds, 86400));
  }
  std::tm tm{};
  std::string text(value);
  const char* rest = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!rest || *rest != '\0') return std::nullopt;
  // In seconds: a date centuries away must not overflow the clock's nanoseconds.
  int64_t at = timegm(&tm);
  int64_t from = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (at <= from) return std::chrono::milliseconds(0);
  return std::chrono::seconds(std::min<int64_t>(at - from, 86400));
}

Verdict classify(const http::HttpResult& result, std::chrono::system_clock::time_point now) {
  if (!result) return {Verdict::kRetry, std::nullopt, core::describe(result.error())};
  int status = result->status;
  std::string reason = "HTTP " + std::to_string(status);
  if (!result->body.empty()) {
    std::string excerpt = result->body.substr(0, 200);
    for (char& c : excerpt) {
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    reason += ": " + excerpt;
  }
  if (status >= 200 && status < 300) return {Verdict::kDelivered, std::nullopt, reason};
  if (status == 408 || status == 429 || status >= 500) {
    return {Verdict::kRetry, parseRetryAfter(result->header("retry-after"), now), reason};
  }
  return {Verdict::kDrop, std::nullopt, reason};
}

}  // namespace swas::alerting
