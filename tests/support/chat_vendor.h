#pragma once

// A chat vendor's robot on 127.0.0.1:0, as chat-vendors.md describes it (DingTalk, Feishu/Lark,
// WeCom, Slack): checks the signature and its timestamp, the body's shape and size, and the
// vendor's rate limit over a sliding window, and answers as the vendor does (errors inside an
// HTTP 200 with the vendor's codes; Slack "ok", 4xx text or 429 with Retry-After). Records
// every request with the answer given and the message text found in it.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace swas::testing {

class ChatVendor {
 public:
  struct Options {
    std::string type;    // dingtalk | feishu | wecom | slack
    std::string secret;  // signing secret; empty: the robot does not sign
  };
  struct Message {
    std::string target;
    std::string body;
    std::string text;  // the message text (markdown, lark_md, text or the Slack section)
    bool accepted = false;
    std::string answer;  // the vendor's answer body
    std::chrono::steady_clock::time_point at;
  };

  explicit ChatVendor(Options options);
  ~ChatVendor();
  // The robot's webhook URL, with the vendor's path and token.
  std::string url() const;
  // Answers "throttled" (the vendor's code) to everything for this long from now.
  void throttleFor(std::chrono::milliseconds duration);
  std::vector<Message> messages() const;
  // Requests refused for any reason other than a throttleFor() period.
  size_t rejected() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The message text inside a vendor's body ("" when it has none).
std::string chatText(const std::string& type, const std::string& body);
// The alerts a built-in English message text accounts for: one per listed line ("- "), plus
// "And N more", or 1 for a single alert's message.
size_t chatAlertsAccounted(const std::string& text);

}  // namespace swas::testing
