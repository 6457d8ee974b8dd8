// Slack incoming webhook: Block Kit (header, the message as a mrkdwn section, fields, context)
// inside an attachment coloured by status, with a plain `text` fallback; <@U...> mentions and
// <!channel> for everyone. Limits: a section's text 3,000 characters, a header 150, at most 50
// blocks, 40,000 characters of text. The section and the top-level `text` (the notification,
// which Slack parses as mrkdwn too, mentions included) are escaped for mrkdwn; the header is
// plain_text, which Slack does not parse, so the title goes there as it is.

#include "daemon/alerting/receivers/chat_receiver.h"
#include "daemon/core/json.h"
#include "daemon/util/markup_escape.h"
#include "daemon/util/utf8.h"

namespace swas::alerting {
namespace {

constexpr size_t kMaxSection = 3000;
constexpr size_t kMaxHeader = 150;
constexpr size_t kMaxText = 40'000;

// A header's plain text: at most 150 characters.
std::string headerText(const std::string& title) {
  if (util::utf8Length(title) <= kMaxHeader) return title;
  std::string_view cut = title;
  while (util::utf8Length(cut) > kMaxHeader - 1) cut = util::utf8Prefix(cut, cut.size() - 1);
  return std::string(cut) + "…";
}

class SlackReceiver final : public ChatReceiver {
 public:
  explicit SlackReceiver(ReceiverConfig config)
      : ChatReceiver(config,
                     {.title_in_text = false,
                      .bold = "*",
                      .mentions = mentionText(config.mention, "<@", ">", "<!channel>")},
                     util::escapeSlackMrkdwn) {}

 protected:
  std::string body(const Composed& message, std::chrono::system_clock::time_point) const override {
    std::string out;
    core::JsonObject o(out);
    o.str("text", util::escapeSlackMrkdwn(message.title)).key("attachments");
    out += '[';
    core::JsonObject attachment(out);
    attachment.str("color", message.firing ? "#E01E5A" : "#2EB67D").key("blocks");
    out += '[';
    core::JsonObject header(out);
    header.str("type", "header").key("text");
    core::JsonObject(out).str("type", "plain_text").str("text", headerText(message.title)).close();
    header.close();
    out += ',';
    core::JsonObject section(out);
    section.str("type", "section").key("text");
    core::JsonObject(out).str("type", "mrkdwn").str("text", message.text).close();
    section.close();
    out += ',';
    core::JsonObject fields(out);
    fields.str("type", "section").key("fields");
    out += '[';
    core::JsonObject(out)
        .str("type", "mrkdwn")
        .str("text", "*Firing*\n" + std::to_string(message.firing_count))
        .close();
    out += ',';
    core::JsonObject(out)
        .str("type", "mrkdwn")
        .str("text", "*Resolved*\n" + std::to_string(message.resolved_count))
        .close();
    out += ']';
    fields.close();
    out += ',';
    core::JsonObject context(out);
    context.str("type", "context").key("elements");
    out += '[';
    core::JsonObject(out)
        .str("type", "mrkdwn")
        .str("text", "swas-invocation-monitor · receiver " + util::escapeSlackMrkdwn(config().name))
        .close();
    out += ']';
    context.close();
    out += ']';
    attachment.close();
    out += ']';
    o.close();
    return out;
  }

  bool fits(const Composed& message, const std::string&) const override {
    size_t text = util::utf8Length(message.text);
    return text <= kMaxSection && text + util::utf8Length(message.title) <= kMaxText;
  }
};

}  // namespace

std::unique_ptr<ChatReceiver> makeSlack(ReceiverConfig config) {
  return std::make_unique<SlackReceiver>(std::move(config));
}

}  // namespace swas::alerting
