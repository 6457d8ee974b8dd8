// WeCom group robot: markdown with <font color> statuses and <@userid> mentions, content at most
// 4,096 bytes. WeCom markdown cannot mention by mobile or everyone: when `mention` asks for
// either, firing messages go as a text message (mentioned_list, mentioned_mobile_list; content
// at most 2,048 bytes). Each escapes its values for what it is: WeCom markdown, or plain text.

#include "daemon/alerting/receivers/chat_receiver.h"
#include "daemon/core/json.h"
#include "daemon/util/markup_escape.h"

namespace swas::alerting {
namespace {

constexpr size_t kMaxMarkdown = 4096;
constexpr size_t kMaxText = 2048;

Markup markdownOf(const Mention& mention) {
  Markup m{.heading = "### ",
           .bold = "**",
           .firing_open = R"(<font color="warning">)",
           .firing_close = "</font>",
           .resolved_open = R"(<font color="info">)",
           .resolved_close = "</font>"};
  m.mentions = mentionText(mention, "<@", ">", "");
  return m;
}

class WecomReceiver final : public ChatReceiver {
 public:
  explicit WecomReceiver(ReceiverConfig config)
      : ChatReceiver(config, markdownOf(config.mention), util::escapeWecomMarkdown),
        text_(contextOf(this->config(), Markup{}), composer().templateText(),
              util::escapeWecomText) {}

 protected:
  bool textMessage(const Composed& message) const {
    const Mention& m = config().mention;
    return message.firing && (!m.mobiles.empty() || m.all);
  }

  std::string body(const Composed& message, std::chrono::system_clock::time_point) const override {
    std::string out;
    core::JsonObject o(out);
    if (textMessage(message)) {
      std::vector<std::string> ids = config().mention.user_ids;
      if (config().mention.all) ids.emplace_back("@all");
      o.str("msgtype", "text").key("text");
      core::JsonObject text(out);
      text.str("content", message.text).key("mentioned_list");
      appendJsonStrings(out, ids);
      text.key("mentioned_mobile_list");
      appendJsonStrings(out, config().mention.mobiles);
      text.close();
    } else {
      o.str("msgtype", "markdown").key("markdown");
      core::JsonObject(out).str("content", message.text).close();
    }
    o.close();
    return out;
  }

  bool fits(const Composed& message, const std::string&) const override {
    return message.text.size() <= (textMessage(message) ? kMaxText : kMaxMarkdown);
  }

  const ChatComposer& composerFor(bool firing) const override {
    const Mention& m = config().mention;
    return firing && (!m.mobiles.empty() || m.all) ? text_ : composer();
  }

 private:
  ChatComposer text_;  // plain text, for firing messages that mention mobiles or everyone
};

}  // namespace

std::unique_ptr<ChatReceiver> makeWecom(ReceiverConfig config) {
  return std::make_unique<WecomReceiver>(std::move(config));
}

}  // namespace swas::alerting
