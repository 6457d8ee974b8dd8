#pragma once

// What the four chat receivers share: the message is rendered from the built-in or the
// operator's Mustache template and fitted to the vendor's limit (chat/compose.h), an answer is
// judged by the vendor's codes (chat_answer.h), and a message carries every alert it was given,
// so while the pacer holds a receiver back, new alerts join the next message. Each vendor
// (one file each) gives its markup, its request body and its size limit.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/alerting/chat/compose.h"
#include "daemon/alerting/receivers.h"

namespace swas::alerting {

// The most alerts one chat message accounts for (listed or counted).
inline constexpr size_t kChatMaxAlerts = 5000;

class ChatReceiver : public Receiver {
 public:
  ChatReceiver(ReceiverConfig config, Markup markup, Escape escape);

  size_t maxPerMessage() const override { return kChatMaxAlerts; }
  http::HttpRequest request(const std::vector<MessageItem>& items,
                            std::chrono::system_clock::time_point now) const override;
  Verdict judge(const http::HttpResult& result,
                std::chrono::system_clock::time_point now) const override;

  // The message for `alerts`, fitted; the body and URL as sent at `now`.
  struct Built {
    std::string url;
    std::string body;
  };
  Built build(const std::vector<ChatAlert>& alerts,
              std::chrono::system_clock::time_point now) const;

 protected:
  // The request body for a composed message, signed at `now` where the vendor signs the body.
  virtual std::string body(const Composed& message,
                           std::chrono::system_clock::time_point now) const = 0;
  virtual bool fits(const Composed& message, const std::string& body) const = 0;
  // The URL, signed at `now` where the vendor signs the URL.
  virtual std::string url(std::chrono::system_clock::time_point) const { return config().url; }
  virtual const ChatComposer& composerFor(bool /*firing*/) const { return composer_; }

  static ViewContext contextOf(const ReceiverConfig& config, Markup markup);
  const ChatComposer& composer() const { return composer_; }

 private:
  ChatComposer composer_;
};

// `mention` in a vendor's syntax: each ID as before + ID + after (with `mobiles_too`, the mobiles
// first), then `everyone` when `all` is set, separated by spaces.
std::string mentionText(const Mention& mention, std::string_view before, std::string_view after,
                        std::string_view everyone, bool mobiles_too = false);
// ["a","b"], each a JSON string.
void appendJsonStrings(std::string& out, const std::vector<std::string>& values);

// The receiver for a chat type (dingtalk, feishu, wecom, slack); nullptr for other types.
std::unique_ptr<Receiver> makeChatReceiver(const ReceiverConfig& config);
bool isChatType(const std::string& type);

// Each vendor's receiver (receivers/<vendor>.cc).
std::unique_ptr<ChatReceiver> makeDingtalk(ReceiverConfig config);
std::unique_ptr<ChatReceiver> makeFeishu(ReceiverConfig config);
std::unique_ptr<ChatReceiver> makeWecom(ReceiverConfig config);
std::unique_ptr<ChatReceiver> makeSlack(ReceiverConfig config);

}  // namespace swas::alerting
