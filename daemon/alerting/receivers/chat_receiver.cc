#include "daemon/alerting/receivers/chat_receiver.h"

#include "daemon/alerting/chat/templates.h"
#include "daemon/alerting/chat_answer.h"

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
  return r;
}

Verdict ChatReceiver::judge(const http::HttpResult& result,
                            std::chrono::system_clock::time_point now) const {
  return classifyChatAnswer(config().type, result, now);
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
