#include "daemon/alerting/receivers/chat_receiver.h"

#include <algorithm>

#include "daemon/alerting/chat/templates.h"
#include "daemon/alerting/chat_answer.h"
#include "daemon/core/json.h"

namespace swas::alerting {

ViewContext ChatReceiver::contextOf(const ReceiverConfig& config, Markup markup) {
  return {config.name, config.language == "zh", &config.time, std::move(markup)};
}

ChatReceiver::ChatReceiver(ReceiverConfig config, Markup markup, Escape escape)
    : Receiver(std::move(config)),
      composer_(contextOf(this->config(), std::move(markup)),
                this->config().template_text.empty() ? builtinTemplate(this->config().language)
                                                     : this->config().template_text,
                escape) {}

ChatReceiver::Built ChatReceiver::build(const std::vector<ChatAlert>& alerts,
                                        std::chrono::system_clock::time_point now) const {
  const ChatComposer& composer = composerFor(anyFiring(alerts));
  Composed message =
      composer.compose(alerts, [&](const Composed& m) { return fits(m, body(m, now)); });
  return {url(now), body(message, now)};
}

http::HttpRequest ChatReceiver::request(const std::vector<MessageItem>& items,
                                        std::chrono::system_clock::time_point now) const {
  Built built = build(chatAlerts(items), now);
  http::HttpRequest r{"POST",
                      std::move(built.url),
                      {{"Content-Type", "application/json; charset=utf-8"}},
                      std::move(built.body),
                      config().timeout};
  for (const auto& [name, value] : config().headers) r.headers.emplace_back(name, value);
  r.ca_file = config().ca_file;
  return r;
}

Verdict ChatReceiver::judge(const http::HttpResult& result,
                            std::chrono::system_clock::time_point now) const {
  return classifyChatAnswer(config().type, result, now);
}

std::string mentionText(const Mention& mention, std::string_view before, std::string_view after,
                        std::string_view everyone, bool mobiles_too) {
  std::vector<std::string> parts;
  auto wrap = [&](const std::string& id) {
    parts.push_back(std::string(before) + id + std::string(after));
  };
  if (mobiles_too) std::ranges::for_each(mention.mobiles, wrap);
  std::ranges::for_each(mention.user_ids, wrap);
  if (mention.all && !everyone.empty()) parts.emplace_back(everyone);
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : " ") + p;
  return text;
}

void appendJsonStrings(std::string& out, const std::vector<std::string>& values) {
  out += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    core::appendJsonString(out, values[i]);
  }
  out += ']';
}

bool isChatType(const std::string& type) {
  return type == "dingtalk" || type == "feishu" || type == "wecom" || type == "slack";
}

std::unique_ptr<Receiver> makeChatReceiver(const ReceiverConfig& config) {
  if (config.type == "dingtalk") return makeDingtalk(config);
  if (config.type == "feishu") return makeFeishu(config);
  if (config.type == "wecom") return makeWecom(config);
  if (config.type == "slack") return makeSlack(config);
  return nullptr;
}

}  // namespace swas::alerting
