// alerts.receivers: every receiver type's keys, checked with FILE:LINE:COL.

#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "daemon/config/parser.h"
#include "daemon/core/invocation.h"
#include "daemon/core/rate_limit.h"
#include "daemon/util/url.h"

namespace swas::config {
namespace {

constexpr const char* kTypes[] = {"webhook", "alertmanager", "dingtalk",
                                  "feishu",  "wecom",        "slack"};

bool isChat(const std::string& type) {
  return type == "dingtalk" || type == "feishu" || type == "wecom" || type == "slack";
}

void parseMatch(Parser& p, const YAML::Node& node, MatchSettings& m) {
  if (!node || node.IsNull() || !p.isMap(node, "match")) return;
  p.checkKeys(node, {"regions", "instance_ids", "instance_names", "command_names", "statuses"},
              "match");
  p.list(node, "regions", m.regions);
  p.list(node, "instance_ids", m.instance_ids);
  p.list(node, "instance_names", m.instance_names);
  p.list(node, "command_names", m.command_names);
  p.list(node, "statuses", m.statuses);
  for (const auto& s : m.statuses) {
    bool glob = s.find_first_of("*?") != std::string::npos;
    if (!glob && std::find(std::begin(core::kInstanceStatuses), std::end(core::kInstanceStatuses),
                           s) == std::end(core::kInstanceStatuses)) {
      p.problem(node["statuses"],
                "match.statuses: '" + s + "' is not a per-instance InvocationStatus");
    }
  }
}

void parseMention(Parser& p, const YAML::Node& node, MentionSettings& m) {
  if (!node || node.IsNull() || !p.isMap(node, "mention")) return;
  p.checkKeys(node, {"mobiles", "user_ids", "all"}, "mention");
  p.list(node, "mobiles", m.mobiles);
  p.list(node, "user_ids", m.user_ids);
  p.boolean(node, "all", m.all);
}

// The keys only chat receivers take.
void parseChat(Parser& p, const YAML::Node& item, ReceiverSettings& r) {
  p.secretFile(item, "secret_file", r.secret_file);
  parseMention(p, item["mention"], r.mention);
  p.readableFile(item, "template_file", r.template_file);
  p.str(item, "language", r.language);
  if (r.language != "en" && r.language != "zh") {
    p.problem(item["language"], "language must be en or zh");
  }
  p.str(item, "rate_limit", r.rate_limit);
  if (auto limits = core::parseRateLimits(r.rate_limit); !limits) {
    p.problem(item["rate_limit"], limits.error());
  }
  if (!r.secret_file.empty() && (r.type == "wecom" || r.type == "slack")) {
    p.warning(item["secret_file"],
              "secret_file: " + r.type + " robots do not sign requests; the secret is not used");
  }
  if (!r.mention.mobiles.empty() && (r.type == "feishu" || r.type == "slack")) {
    p.warning(item["mention"], "mention.mobiles: " + r.type +
                                   " mentions by user ID (user_ids); the mobiles are not used");
  }
  if (isChat(r.type)) {
    if (item["max_alerts_per_message"]) {
      p.warning(item["max_alerts_per_message"],
                "max_alerts_per_message: a chat message accounts for every alert it is given "
                "(listed or counted); the key is for webhook receivers");
    }
    if (item["hmac_secret_file"]) {
      p.warning(item["hmac_secret_file"],
                "hmac_secret_file: chat robots are signed with secret_file; not used");
    }
    return;
  }
  for (const char* key :
       {"secret_file", "mention", "template_file", "language", "rate_limit", "relay_only"}) {
    if (item[key]) p.problem(item[key], std::string(key) + " is for chat receivers only");
  }
}

// " (its scheme is file)", or "" when the text has none to name: the URL itself may carry a
// token or a password, so a problem names no more of it.
std::string schemeNote(const std::string& url) {
  std::string scheme = util::urlScheme(url);
  return scheme.empty() ? "" : " (its scheme is " + scheme + ")";
}

// Exactly one of url, url_file and urls; urls (an Alertmanager cluster's peers) only for
// alertmanager, each listed once. Every URL is http or https: libcurl would read file:// (and
// test-alert print it). Peers are named without user information, query or fragment.
void parseUrls(Parser& p, const YAML::Node& item, const ReceiverSettings& r,
               const std::optional<std::string>& url_file_content) {
  int given = !r.url.empty() + !r.url_file.empty() + !r.urls.empty();
  if (given != 1) {
    p.problem(item, r.type == "alertmanager"
                        ? "a receiver needs exactly one of url, url_file and urls"
                        : "a receiver needs exactly one of url and url_file");
  }
  if (!r.url.empty() && !util::isHttpUrl(r.url)) {
    p.problem(item["url"], "url is not an http:// or https:// URL" + schemeNote(r.url) +
                               "; receiver URLs are http or https only");
  }
  if (url_file_content && !util::isHttpUrl(*url_file_content)) {
    p.problem(item["url_file"],
              "url_file: " + r.url_file + " does not hold an http:// or https:// URL" +
                  schemeNote(*url_file_content) + "; receiver URLs are http or https only");
  }
  constexpr const char* kAmbiguous =
      " has an '@' after its host (a password or path with an unescaped '/', '?' or '#'): "
      "write it %40, or the password's '/' '?' '#' as %2F %3F %23";
  if (!r.url.empty() && util::ambiguousAt(r.url))
    p.problem(item["url"], std::string("url") + kAmbiguous);
  if (url_file_content && util::ambiguousAt(*url_file_content)) {
    p.problem(item["url_file"], "url_file: " + r.url_file + "'s URL" + kAmbiguous);
  }
  if (item["urls"] && r.urls.empty()) p.problem(item["urls"], "urls is empty");
  if (r.urls.empty()) return;
  if (r.type != "alertmanager") {
    p.problem(item["urls"], "urls (every peer of a cluster) is for alertmanager receivers only");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < r.urls.size(); ++i) {
    const std::string& url = r.urls[i];
    std::string name = util::peerName(url);
    if (!util::isHttpUrl(url)) {
      p.problem(item["urls"][i], "urls: '" + name + "' is not an http:// or https:// URL");
      continue;
    }
    if (util::ambiguousAt(url)) {  // not named: its "host" may be part of a password
      p.problem(item["urls"][i], "urls[" + std::to_string(i) + "]" + kAmbiguous);
      continue;
    }
    if (url.find_first_of("?#") != std::string::npos) {
      p.problem(item["urls"][i], "urls: '" + name +
                                     "' has a query or fragment; give the peer's base URL "
                                     "(/api/v2/alerts is added)");
      continue;
    }
    std::string base = url;
    while (base.ends_with('/')) base.pop_back();
    if (!seen.insert(base).second) {
      p.problem(item["urls"][i], "urls: '" + name + "' is listed twice");
    }
  }
}

ReceiverSettings parseReceiver(Parser& p, const YAML::Node& item) {
  p.checkKeys(item,
              {"name", "type", "url", "url_file", "urls", "hmac_secret_file", "headers", "timeout",
               "ca_file", "send_resolved", "max_alerts_per_message", "match", "secret_file",
               "mention", "template_file", "language", "rate_limit", "relay_only"},
              "alerts.receivers[]");
  ReceiverSettings r;
  p.str(item, "name", r.name);
  p.str(item, "type", r.type);
  p.str(item, "url", r.url);
  auto url_file_content = p.secretFile(item, "url_file", r.url_file);
  p.list(item, "urls", r.urls);
  p.secretFile(item, "hmac_secret_file", r.hmac_secret_file);
  if (const auto headers = item["headers"]; headers && !headers.IsNull()) {
    if (p.isMap(headers, "headers")) {
      for (const auto& h : headers)
        r.headers[h.first.as<std::string>("")] =
            p.substitute(h.second, h.second.as<std::string>(""));
    }
  }
  p.dur(item, "timeout", r.timeout);
  p.readableFile(item, "ca_file", r.ca_file);
  p.boolean(item, "send_resolved", r.send_resolved);
  p.boolean(item, "relay_only", r.relay_only);
  p.integer(item, "max_alerts_per_message", r.max_alerts_per_message, 1, 10000);
  parseMatch(p, item["match"], r.match);
  if (r.name.empty()) p.problem(item, "a receiver needs a name");
  if (std::find(std::begin(kTypes), std::end(kTypes), r.type) == std::end(kTypes)) {
    p.problem(item["type"] ? item["type"] : item,
              "receiver type must be webhook, alertmanager, dingtalk, feishu, wecom or slack");
  }
  parseChat(p, item, r);
  parseUrls(p, item, r, url_file_content);
  return r;
}

}  // namespace

bool knownTimeZone(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find("..") != std::string::npos) return false;
  struct stat st {};
  return ::stat(("/usr/share/zoneinfo/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void parseReceivers(Parser& p, const YAML::Node& receivers, std::vector<ReceiverSettings>& out) {
  if (!receivers || receivers.IsNull()) return;
  if (!receivers.IsSequence()) {
    p.problem(receivers, "alerts.receivers must be a list");
    return;
  }
  std::set<std::string> names;
  for (const auto& item : receivers) {
    if (!p.isMap(item, "a receiver")) continue;
    ReceiverSettings r = parseReceiver(p, item);
    if (!r.name.empty() && !names.insert(r.name).second)
      p.problem(item["name"], "receiver name " + r.name + " is used twice");
    out.push_back(std::move(r));
  }
}

}  // namespace swas::config
