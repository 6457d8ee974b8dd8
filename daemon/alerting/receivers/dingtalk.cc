// DingTalk custom robot: a markdown message, @-mentions in "at" (mobiles also written as @138...
// in the text), signed with timestamp and sign query parameters when a secret is set.
// Limit: a body under 20,000 bytes. The text's values are escaped for DingTalk markdown; the
// title is shown as plain text (the conversation list, notifications), so it is sent as it is,
// on one line.

#include "daemon/alerting/chat_signing.h"
#include "daemon/alerting/receivers/chat_receiver.h"
#include "daemon/core/json.h"
#include "daemon/core/time.h"
#include "daemon/util/markup_escape.h"

namespace swas::alerting {
namespace {

constexpr size_t kMaxBody = 20'000;

class DingtalkReceiver final : public ChatReceiver {
 public:
  explicit DingtalkReceiver(ReceiverConfig config)
      : ChatReceiver(config,
                     {.heading = "### ",
                      .bold = "**",
                      .mentions = mentionText(config.mention, "@", "", "@all", true)},
                     util::escapeDingtalkMarkdown) {}

 protected:
  std::string body(const Composed& message, std::chrono::system_clock::time_point) const override {
    std::string out;
    core::JsonObject o(out);
    o.str("msgtype", "markdown").key("markdown");
    core::JsonObject md(out);
    md.str("title", message.title).str("text", message.text).close();
    if (message.firing) {
      const Mention& mention = config().mention;
      o.key("at");
      core::JsonObject at(out);
      at.key("atMobiles");
      appendJsonStrings(out, mention.mobiles);
      at.key("atUserIds");
      appendJsonStrings(out, mention.user_ids);
      at.boolean("isAtAll", mention.all).close();
    }
    o.close();
    return out;
  }

  bool fits(const Composed&, const std::string& body) const override {
    return body.size() < kMaxBody;
  }

  std::string url(std::chrono::system_clock::time_point now) const override {
    if (config().secret.empty()) return config().url;
    return dingtalkSignedUrl(config().url, config().secret, core::unixMillis(now));
  }
};

}  // namespace

std::unique_ptr<ChatReceiver> makeDingtalk(ReceiverConfig config) {
  return std::make_unique<DingtalkReceiver>(std::move(config));
}

}  // namespace swas::alerting
