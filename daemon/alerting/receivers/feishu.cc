// Feishu / Lark custom bot: an interactive card, red header while firing and green once
// resolved, a lark_md body with <at id=...></at> mentions; signed with timestamp and sign in the
// body when a secret is set. Limit: a body of at most 20 KB. The body's values are escaped for
// lark_md; the header is plain_text, which renders no markup, so the title goes as it is.

#include "daemon/alerting/chat_signing.h"
#include "daemon/alerting/receivers/chat_receiver.h"
#include "daemon/core/json.h"
#include "daemon/core/time.h"
#include "daemon/util/markup_escape.h"

namespace swas::alerting {
namespace {

constexpr size_t kMaxBody = 20'000;

class FeishuReceiver final : public ChatReceiver {
 public:
  explicit FeishuReceiver(ReceiverConfig config)
      : ChatReceiver(
            config,
            {.title_in_text = false,
             .bold = "**",
             .mentions = mentionText(config.mention, "<at id=", "></at>", "<at id=all></at>")},
            util::escapeLarkMd) {}

 protected:
  std::string body(const Composed& message,
                   std::chrono::system_clock::time_point now) const override {
    std::string out;
    core::JsonObject o(out);
    if (!config().secret.empty()) {
      int64_t ts = core::unixSeconds(now);
      o.str("timestamp", std::to_string(ts)).str("sign", feishuSign(config().secret, ts));
    }
    o.str("msg_type", "interactive").key("card");
    core::JsonObject card(out);
    card.key("config");
    core::JsonObject(out).boolean("wide_screen_mode", true).close();
    card.key("header");
    core::JsonObject header(out);
    header.key("title");
    core::JsonObject(out).str("tag", "plain_text").str("content", message.title).close();
    header.str("template", message.firing ? "red" : "green").close();
    card.key("elements");
    out += '[';
    core::JsonObject div(out);
    div.str("tag", "div").key("text");
    core::JsonObject(out).str("tag", "lark_md").str("content", message.text).close();
    div.close();
    out += ']';
    card.close();
    o.close();
    return out;
  }

  bool fits(const Composed&, const std::string& body) const override {
    return body.size() <= kMaxBody;
  }
};

}  // namespace

std::unique_ptr<ChatReceiver> makeFeishu(ReceiverConfig config) {
  return std::make_unique<FeishuReceiver>(std::move(config));
}

}  // namespace swas::alerting
