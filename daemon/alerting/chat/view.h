#pragma once

// What a chat message says, as data: the alerts of one message read back from their stored
// labels and annotations, grouped by command; the Mustache data model the templates render
// (README, "Chat message templates") is view_model.h's, private to the chat room. Pure: no
// clock, so a retry renders the same text.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/alerting/local_time.h"
#include "daemon/alerting/receivers.h"

namespace swas::alerting {

// One alert as a message shows it.
struct ChatAlert {
  bool resolved = false;
  std::map<std::string, std::string, std::less<>> labels;
  std::map<std::string, std::string, std::less<>> annotations;
  int64_t starts_at = 0;
  std::optional<int64_t> ends_at;

  std::string label(const std::string& name) const;
  std::string annotation(const std::string& name) const;
  // The command's name, else its ID.
  std::string command() const;
  // The instance's name with its ID ("web-3 (ace07...)"), else the ID.
  std::string instance() const;
  // The region, with its account when the alert has one ("prod/cn-hangzhou").
  std::string where() const;
  // The invocation status, else the summary annotation (a relayed alert of another kind).
  std::string status() const;
};

std::vector<ChatAlert> chatAlerts(const std::vector<MessageItem>& items);

// The vendor's markup, filled into the built-in templates and used for mentions.
struct Markup {
  bool title_in_text = true;  // false where the vendor shows the title itself (a card header)
  std::string heading;        // before the title line: "### " in DingTalk markdown
  std::string bold;           // around names: "**", Slack's "*"
  std::string firing_open, firing_close;      // around a firing status (WeCom's font colours)
  std::string resolved_open, resolved_close;  // around a resolved status
  std::string mentions;                       // appended to firing messages (vendor syntax)
};

// How much of the message is spelled out; the composer lowers these until it fits.
struct Detail {
  size_t listed = 20;          // alerts listed one by one (the rest are counted in `more`)
  size_t groups = 10;          // commands listed (the rest in "other commands")
  size_t output_bytes = 1024;  // end of Output shown for a single alert
  size_t info_bytes = 1024;    // ErrorInfo shown for a single alert
};

struct ViewContext {
  std::string receiver;
  bool zh = false;
  const LocalTime* time = nullptr;
  Markup markup;
};

// The title: "[FIRING] deploy-app on web-3 (cn-hangzhou): Failed", "[FIRING:12, RESOLVED:3] ...".
std::string chatTitle(const std::vector<ChatAlert>& alerts, bool zh);
// "[FIRING]", "[FIRING:12, RESOLVED:3]", "[告警]", "[已恢复]".
std::string chatTag(const std::vector<ChatAlert>& alerts, bool zh);
bool anyFiring(const std::vector<ChatAlert>& alerts);

// A sample firing alert (--check-config renders every template against it).
std::vector<ChatAlert> sampleChatAlerts();

}  // namespace swas::alerting
