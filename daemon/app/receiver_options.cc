// The receivers from the configuration: secrets and templates read, templates checked, the
// time zone and the pacer's limits resolved.

#include <fstream>
#include <sstream>

#include "daemon/alerting/chat/templates.h"
#include "daemon/alerting/receivers/chat_receiver.h"
#include "daemon/alerting/receivers/factory.h"
#include "daemon/app/options.h"
#include "daemon/core/rate_limit.h"
#include "daemon/util/env.h"

namespace swas::app {
namespace {

std::expected<std::string, std::string> readTemplate(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::unexpected(path + ": cannot read the template");
  std::stringstream text;
  text << in.rdbuf();
  auto problems = alerting::checkTemplate(text.str(), path);
  if (problems.empty()) return text.str();
  std::string joined;
  for (const auto& p : problems) joined += (joined.empty() ? "" : "\n") + p;
  return std::unexpected(joined);
}

// A secret or URL file's content, into `out`.
std::expected<void, std::string> readInto(const std::string& path, const std::string& what,
                                          std::string& out) {
  if (path.empty()) return {};
  auto text = util::readSecretFile(path, what);
  if (!text) return std::unexpected(text.error());
  out = *text;
  return {};
}

alerting::Match matchOf(const config::MatchSettings& m) {
  return {m.regions, m.instance_ids, m.instance_names, m.command_names, m.statuses};
}

std::expected<alerting::ReceiverConfig, std::string> receiverConfig(
    const config::ReceiverSettings& r, const alerting::LocalTime& time) {
  alerting::ReceiverConfig rc{
      .name = r.name,
      .type = r.type,
      .url = r.urls.empty() ? r.url : r.urls.front(),
      .hmac_secret = "",
      .headers = r.headers,
      .timeout = r.timeout,
      .ca_file = r.ca_file,
      .send_resolved = r.send_resolved,
      .max_alerts_per_message = static_cast<size_t>(r.max_alerts_per_message)};
  for (auto [path, what, out] :
       {std::tuple{&r.url_file, "url_file", &rc.url},
        std::tuple{&r.hmac_secret_file, "hmac_secret_file", &rc.hmac_secret},
        std::tuple{&r.secret_file, "secret_file", &rc.secret}}) {
    if (auto ok = readInto(*path, "receiver " + r.name + " " + what, *out); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (!r.template_file.empty()) {
    auto text = readTemplate(r.template_file);
    if (!text) return std::unexpected(text.error());
    rc.template_text = *text;
  }
  rc.urls = r.urls;
  rc.match = matchOf(r.match);
  rc.mention = {r.mention.mobiles, r.mention.user_ids, r.mention.all};
  rc.language = r.language;
  rc.time = time;
  auto limits = r.rate_limit.empty()
                    ? alerting::vendorLimits(r.type)
                    : core::parseRateLimits(r.rate_limit).value_or(alerting::vendorLimits(r.type));
  rc.rate_limits = limits;
  return rc;
}

}  // namespace

std::expected<std::vector<std::unique_ptr<alerting::Receiver>>, std::string> makeReceivers(
    const config::Config& c) {
  auto time = alerting::LocalTime::make(c.alerts.timezone);
  if (!time) return std::unexpected("alerts.timezone: " + time.error());
  std::vector<std::unique_ptr<alerting::Receiver>> out;
  std::string external_url = "http://" + c.http.listen;
  for (const auto& r : c.alerts.receivers) {
    auto rc = receiverConfig(r, *time);
    if (!rc) return std::unexpected(rc.error());
    out.push_back(alerting::makeReceiver(std::move(*rc), external_url));
  }
  return out;
}

std::vector<std::string> renderSamples(
    const std::vector<std::unique_ptr<alerting::Receiver>>& receivers) {
  std::vector<std::string> lines;
  auto sample = alerting::sampleChatAlerts();
  for (const auto& r : receivers) {
    const auto* chat = dynamic_cast<const alerting::ChatReceiver*>(r.get());
    if (!chat) continue;
    auto built = chat->build(sample, std::chrono::system_clock::now());
    lines.push_back("receiver " + r->config().name + " (" + r->config().type +
                    "): sample message of " + std::to_string(built.body.size()) + " bytes");
  }
  return lines;
}

alerting::LifecycleOptions lifecycleOptions(const config::Config& c) {
  alerting::LifecycleOptions o;
  for (const auto& r : c.alerts.receivers) {
    if (!r.relay_only) o.receivers.push_back({r.name, r.send_resolved, matchOf(r.match)});
  }
  o.resolve_on_success = c.alerts.resolve_on_success;
  o.resolve_timeout = std::chrono::duration_cast<std::chrono::seconds>(c.alerts.resolve_timeout);
  return o;
}

}  // namespace swas::app
