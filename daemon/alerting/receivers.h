#pragma once

// Receivers are small plugins: each turns a message (some alerts' firing or resolved news) into
// one HTTP request. Queueing, retry and dedupe are the Dispatcher's, shared by all.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/alerting/local_time.h"
#include "daemon/alerting/pacer.h"
#include "daemon/alerting/routing.h"
#include "daemon/core/alert.h"
#include "daemon/core/defaults.h"
#include "daemon/core/rate_limit.h"
#include "daemon/http/http_client.h"

namespace swas::alerting {

// Who a chat receiver @-mentions on firing messages.
struct Mention {
  std::vector<std::string> mobiles;   // DingTalk atMobiles, WeCom mentioned_mobile_list
  std::vector<std::string> user_ids;  // DingTalk atUserIds, Feishu open_ids, WeCom, Slack IDs
  bool all = false;
};

struct ReceiverConfig {
  std::string name;
  std::string type;  // webhook | alertmanager | dingtalk | feishu | wecom | slack
  std::string url;   // from url or url_file; the first of urls
  std::string hmac_secret;
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds timeout = core::defaults::kReceiverTimeout;
  std::string ca_file;  // trusted for an https URL; empty: the system trust store
  bool send_resolved = true;
  size_t max_alerts_per_message = core::defaults::kMaxAlertsPerMessage;
  Match match;  // which alerts it gets (the firing-set re-send filters by it too)
  // Chat receivers
  std::string secret;  // signing secret (secret_file)
  Mention mention;
  std::string template_text;  // template_file's content; empty: the built-in template
  std::string language = "en";
  LocalTime time;                            // alerts.timezone
  std::vector<core::RateLimit> rate_limits;  // the pacer's limits (vendorLimits unless rate_limit)
  std::vector<std::string> urls;  // alertmanager: every peer of a cluster, each sent everything
};

struct MessageItem {
  const core::Alert* alert = nullptr;
  bool resolved = false;
};

class Receiver {
 public:
  explicit Receiver(ReceiverConfig config) : config_(std::move(config)) {}
  virtual ~Receiver() = default;
  const ReceiverConfig& config() const { return config_; }
  virtual size_t maxPerMessage() const = 0;
  // The request carrying `items`; the same items give the same body (webhook), so retries and
  // restarts send identical bytes.
  virtual http::HttpRequest request(const std::vector<MessageItem>& items,
                                    std::chrono::system_clock::time_point now) const = 0;
  // Alertmanager forgets alerts not re-sent: the firing set goes out every minute.
  virtual bool resendsFiringSet() const { return false; }
  // Sends `request` (from request()): to its URL, or, for an alertmanager receiver with urls:,
  // to every peer at once, answering once all have answered with the best answer (a 2xx from
  // any peer delivers, as Prometheus's notifier counts it; the peers that missed it get the
  // firing set at the next re-send). Each peer's failure goes to `observer` (may be null).
  virtual void send(http::HttpClient& http, http::HttpRequest request,
                    core::AlertObserver* observer, http::HttpCallback done) const {
    (void)observer;
    http.send(std::move(request), std::move(done));
  }
  // `request` as each peer gets it, with the peer's name ("" for a receiver of one URL): for
  // test-alert, which shows every peer's answer.
  virtual std::vector<std::pair<std::string, http::HttpRequest>> perPeer(
      const http::HttpRequest& request) const {
    return {{"", request}};
  }
  // What the answer means (chat vendors answer errors inside an HTTP 200).
  virtual struct Verdict judge(const http::HttpResult& result,
                               std::chrono::system_clock::time_point now) const;

 private:
  ReceiverConfig config_;
};

// A webhook receiver, or an alertmanager one for that type; `external_url` is http.listen as a
// URL. Every type, chat vendors' too: receivers/factory.h.
std::unique_ptr<Receiver> makeHttpReceiver(ReceiverConfig config, const std::string& external_url);

// What an HTTP answer means for the notifications it carried.
struct Verdict {
  enum Kind { kDelivered, kRetry, kDrop } kind = kRetry;
  std::optional<std::chrono::milliseconds> retry_after;
  std::string reason;  // for the log: status and a truncated body, or the transport error
  // A chat vendor throttled the robot itself: every receiver on it waits `retry_after`.
  bool throttled = false;
};
// 2xx delivered; 408, 429, 5xx and transport errors retried (honouring Retry-After); other
// statuses dropped.
Verdict classify(const http::HttpResult& result, std::chrono::system_clock::time_point now);
// Retry-After as delay-seconds or an HTTP-date.
std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

}  // namespace swas::alerting
