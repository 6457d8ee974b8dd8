#include "daemon/alerting/chat/compose.h"

#include <array>
#include <utility>

#include "daemon/alerting/chat/view_model.h"
#include "daemon/util/utf8.h"

namespace swas::alerting {
namespace {

// From the most detailed message down to the bare counts.
constexpr std::array<Detail, 8> kLadder = {{
    {20, 10, 1024, 1024},
    {20, 10, 256, 512},
    {10, 10, 0, 256},
    {5, 5, 0, 128},
    {2, 3, 0, 64},
    {1, 1, 0, 0},
    {0, 1, 0, 0},
    {0, 0, 0, 0},
}};

// mstch escapes through one global function: set for one render, on one thread.
class EscapeScope {
 public:
  explicit EscapeScope(Escape escape) : saved_(std::move(mstch::config::escape)) {
    mstch::config::escape = escape;
  }
  ~EscapeScope() { mstch::config::escape = std::move(saved_); }
  EscapeScope(const EscapeScope&) = delete;
  EscapeScope& operator=(const EscapeScope&) = delete;

 private:
  std::function<std::string(const std::string&)> saved_;
};

}  // namespace

ChatComposer::ChatComposer(ViewContext context, std::string template_text, Escape escape)
    : context_(std::move(context)),
      template_(std::move(template_text)),
      escape_(escape),
      mentions_in_template_(template_.find("mentions") != std::string::npos) {}

std::string ChatComposer::render(const std::vector<ChatAlert>& alerts, const Detail& detail) const {
  EscapeScope scope(escape_);
  std::string text = mstch::render(template_, chatView(alerts, context_, detail));
  // A template without {{{mentions}}} still mentions: the vendors notify only those named in
  // the text.
  if (!mentions_in_template_ && !context_.markup.mentions.empty() && anyFiring(alerts)) {
    text += "\n\n" + context_.markup.mentions;
  }
  return text;
}

Composed ChatComposer::compose(const std::vector<ChatAlert>& alerts,
                               const std::function<bool(const Composed&)>& fits) const {
  Composed c{chatTitle(alerts, context_.zh), "", anyFiring(alerts)};
  for (const auto& a : alerts) ++(a.resolved ? c.resolved_count : c.firing_count);
  for (const Detail& detail : kLadder) {
    c.text = render(alerts, detail);
    if (fits(c)) return c;
  }
  // Even the barest text is too long (a very long mention list, say): the title alone, which
  // still counts every alert ("[FIRING:12, RESOLVED:3] ..."), cut until it fits.
  std::string title = escape_(c.title);
  for (size_t budget = title.size(); budget > 0; budget /= 2) {
    c.text = std::string(util::utf8Prefix(title, budget));
    if (fits(c)) return c;
  }
  c.text = "…";
  return c;
}

}  // namespace swas::alerting
