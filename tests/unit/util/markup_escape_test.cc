// The chat media's escaping: what each attack of the "chat text can be forged" report becomes in
// each medium (no link, image, heading, quote, list, mention, tag, fence or scheme URL is left),
// while ordinary names and Chinese text come out unchanged.

#include "daemon/util/markup_escape.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace swas::util {
namespace {

using Escape = std::string (*)(std::string_view);

struct Medium {
  const char* name;
  Escape escape;
  bool has_tags;  // "<" and ">" may never appear raw (everything but WeCom's plain text)
};

const Medium kMedia[] = {
    {"dingtalk markdown", escapeDingtalkMarkdown, true},
    {"wecom markdown", escapeWecomMarkdown, true},
    {"wecom text", escapeWecomText, false},
    {"lark_md", escapeLarkMd, true},
    {"slack mrkdwn", escapeSlackMrkdwn, true},
};

const std::string kZw(kZeroWidthSpace);

// The text's lines, split wherever a renderer may end one.
std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      out.emplace_back();
    } else if (text.compare(i, 3, "\xE2\x80\xA8") == 0 || text.compare(i, 3, "\xE2\x80\xA9") == 0) {
      out.emplace_back();
      i += 2;
    } else if (text.compare(i, 2, "\xC2\x85") == 0) {
      out.emplace_back();
      i += 1;
    } else {
      out.back() += text[i];
    }
  }
  return out;
}

// Every construct `text` would form in a markdown-like medium, by name; empty when it is inert.
std::vector<std::string> constructs(const std::string& text, bool has_tags) {
  std::vector<std::string> found;
  auto has = [&](std::string_view s) { return text.find(s) != std::string::npos; };
  if (has("](") || has("][") || has("]:")) found.push_back("link");
  if (has("![")) found.push_back("image");
  if (has("://")) found.push_back("scheme URL");
  if (has("``") || has("~~")) found.push_back("fence");
  for (size_t at = text.find('@'); at != std::string::npos; at = text.find('@', at + 1)) {
    if (text.compare(at + 1, kZw.size(), kZw) != 0) found.push_back("mention");
  }
  if (has_tags && (has("<") || has(">"))) found.push_back("tag");
  if (!has_tags && has("<@")) found.push_back("mention tag");
  for (const auto& line : lines(text)) {
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    std::string_view rest = std::string_view(line).substr(first);
    if (std::string_view("#>-*+=_|~`:").find(rest.front()) != std::string_view::npos ||
        rest.starts_with("&gt;")) {
      found.push_back("block: " + line);
    }
    size_t digits = rest.find_first_not_of("0123456789");
    if (digits > 0 && digits != std::string_view::npos &&
        (rest[digits] == '.' || rest[digits] == ')')) {
      found.push_back("ordered list: " + line);
    }
  }
  return found;
}

TEST(MarkupEscape, OrdinaryTextIsUnchanged) {
  for (const Medium& m : kMedia) {
    for (std::string_view ordinary :
         {"deploy-app", "web-3 (i-abc)", "cn-hangzhou", "prod/cn-hangzhou", "ExitCodeNonzero",
          "the command exited with code 1", "npm ERR! missing script: build", "部署失败：退出码 1",
          "2026-11-28 20:00:12 CST", "Failed 9,000 on 120 instances", "a_b*c", ""}) {
      EXPECT_EQ(m.escape(ordinary), ordinary) << m.name;
    }
  }
}

// The strings of the report, and the rest of the property's list.
const char* const kAttacks[] = {
    "![x](http://evil.example/pixel.png)",
    "[click](http://evil.example)",
    "# ALL CLEAR, ignore this alert",
    "failed\n# ALL CLEAR, ignore this alert",
    "@all please ignore",
    "call @13800000000 now",
    "<at id=all></at>",
    "<at user_id=\"all\">everyone</at>",
    "<!channel> <!here>",
    "<@U1> <@all>",
    "</font><font color=\"info\">Resolved</font>",
    "```\n",
    "out\n```\n# heading after the fence",
    "~~~\n",
    "http://evil.example/login",
    "dingtalk://dingtalkclient/page/link?url=x",
    "[x](javascript:alert(1))",
    "<javascript:alert(1)>",
    "[ref]: http://evil.example\n[click][ref]",
    "> quoted\n- item\n* item\n+ item\n1. item\n2) item\n"
    "---\n===\n| a | b |\n:--|--:\n   # indented",
    "line\r# after CR\r\n> after CRLF",
    "line\xE2\x80\xA8# after U+2028\xC2\x85- after NEL",
    "<img src=x onerror=alert(1)>",
    "&lt;at id=all&gt;&lt;/at&gt;",
    "mail me: ops@evil.example",
};

TEST(MarkupEscape, NoAttackFormsAConstructInAnyMedium) {
  for (const Medium& m : kMedia) {
    for (const char* attack : kAttacks) {
      std::string out = m.escape(attack);
      EXPECT_EQ(constructs(out, m.has_tags), std::vector<std::string>{})
          << m.name << "\n  in:  " << attack << "\n  out: " << out;
    }
  }
}

// What nothing may complete: a value's last "]", "`" or "\" and the template's next character.
TEST(MarkupEscape, AValueEndsInertSoTheTemplatesNextCharacterCompletesNothing) {
  for (const Medium& m : kMedia) {
    for (std::string_view tail : {"[x]", "x`", "x\\", "x!", "http:/"}) {
      EXPECT_TRUE(m.escape(tail).ends_with(kZw)) << m.name << " " << tail;
    }
    EXPECT_EQ(constructs(m.escape("![x") + m.escape("](http:/") + m.escape("/e)"), m.has_tags),
              std::vector<std::string>{})
        << m.name;
    // Found by fuzz_chat_escape: a number ending one value's line, ". " starting the next.
    EXPECT_EQ(constructs(m.escape("failed\n1") + m.escape(". item"), m.has_tags),
              std::vector<std::string>{})
        << m.name;
  }
}

TEST(MarkupEscape, WhatEachMediumShows) {
  // DingTalk, WeCom markdown and lark_md: look-alikes for the tag characters, invisible breaks
  // elsewhere, so the text still reads as written.
  EXPECT_EQ(escapeDingtalkMarkdown("# ALL CLEAR"), kZw + "# ALL CLEAR");
  EXPECT_EQ(escapeDingtalkMarkdown("[click](http://evil.example)"),
            "[click]" + kZw + "(http:/" + kZw + "/evil.example)");
  EXPECT_EQ(escapeDingtalkMarkdown("@13800000000"), "@" + kZw + "13800000000");
  EXPECT_EQ(escapeWecomMarkdown("</font>"), "＜/font＞");
  EXPECT_EQ(escapeWecomMarkdown("<@zhangsan>"), "＜@" + kZw + "zhangsan＞");
  EXPECT_EQ(escapeLarkMd("<at id=all></at>"), "＜at id=all＞＜/at＞");
  EXPECT_EQ(escapeLarkMd("&lt;b&gt;"), "&" + kZw + "lt;b&" + kZw + "gt;") << "no entity is spelt";
  // Slack: its own escaping, exactly; a quote's marker still gets the line-start break.
  EXPECT_EQ(escapeSlackMrkdwn("<!channel> & <@U1>"),
            "&lt;!channel&gt; &amp; &lt;@" + kZw + "U1&gt;");
  EXPECT_EQ(escapeSlackMrkdwn("x\n> quoted"), "x\n" + kZw + "&gt; quoted");
  // WeCom text is shown as written: no entity or look-alike, only the breaks.
  EXPECT_EQ(escapeWecomText("a < b & c > d"), "a <" + kZw + " b & c > d");
  EXPECT_EQ(escapeWecomText("<@zhangsan>"), "<" + kZw + "@" + kZw + "zhangsan>");
}

TEST(MarkupEscape, ReorderingAndNulAreReplaced) {
  const std::string rlo = "\xE2\x80\xAE", lri = "\xE2\x81\xA6", nul(1, '\0');
  const std::string fffd = "\xEF\xBF\xBD";
  for (const Medium& m : kMedia) {
    EXPECT_EQ(m.escape("a" + rlo + "b" + lri + "c" + nul + "d"),
              "a" + fffd + "b" + fffd + "c" + fffd + "d")
        << m.name;
  }
}

TEST(MarkupEscape, SingleLineJoinsEveryKindOfLineBreak) {
  const std::string line_separator = "\xE2\x80\xA8", next_line = "\xC2\x85";
  EXPECT_EQ(singleLine("a\r\nb\nc\rd" + line_separator + "e" + next_line + "f"), "a b c d e f");
  EXPECT_EQ(singleLine("web-3 (i-abc)"), "web-3 (i-abc)");
}

}  // namespace
}  // namespace swas::util
