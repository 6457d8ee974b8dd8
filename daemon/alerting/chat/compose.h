#pragma once

// Renders a chat message and makes it fit the vendor's limit: the detail is lowered step by step
// (output excerpts shrink first, then fewer alerts are listed one by one and more are counted in
// the "and N more" summary, then fewer commands), and as a last resort the text is the title,
// cut on a character boundary. Every alert of the message is accounted for, listed or counted.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/alerting/chat/view.h"

namespace swas::alerting {

// The medium's escaping of {{name}} values (daemon/util/markup_escape.h): every value a template
// shows with {{name}} is untrusted; {{{name}}} is kept for the vendor's markup and mentions.
using Escape = std::string (*)(std::string_view);

struct Composed {
  std::string title;
  std::string text;
  bool firing = false;
  size_t firing_count = 0;
  size_t resolved_count = 0;
};

class ChatComposer {
 public:
  ChatComposer(ViewContext context, std::string template_text, Escape escape);

  Composed compose(const std::vector<ChatAlert>& alerts,
                   const std::function<bool(const Composed&)>& fits) const;
  // At one level of detail, without fitting.
  std::string render(const std::vector<ChatAlert>& alerts, const Detail& detail) const;
  const ViewContext& context() const { return context_; }
  const std::string& templateText() const { return template_; }

 private:
  ViewContext context_;
  std::string template_;
  Escape escape_;
  bool mentions_in_template_;
};

}  // namespace swas::alerting
