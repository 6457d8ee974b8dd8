#pragma once

// Untrusted text (command and instance names, tags, ErrorInfo, Output, what Alertmanager relays)
// made inert for the chat medium it lands in: one function per medium. Whatever the input, the
// result forms no link, image, heading, quote, list, table, rule, code fence, mention or tag.
//
// Why it is done this way:
//  - The vendors do not say whether their renderers honour backslash escapes, so nothing here
//    relies on them. A construct is defeated by a ZERO WIDTH SPACE (U+200B) placed so that its
//    token no longer matches: after "]" (links, images, reference definitions: "](" "][" "]:"),
//    after "!" before "[", after "@" (mentions: "@all", "@138...", "<@id>"), between the slashes
//    of "//" (the "http://" and "//host" that clients link on their own), after each backtick and
//    tilde (no run of them, so no code fence opens or closes), after "\" (a value cannot escape
//    the markup that follows it), and before a block marker that starts a line ("#", ">", "-",
//    "*", "+", "=", "_", "|", "~", "`", ":", "1.", "1)", and a "." or ")" that would complete a
//    number the text before ended a line with). CommonMark, GFM and the vendors' renderers take
//    U+200B for an ordinary character, neither space nor punctuation; it is invisible, so
//    "deploy-app", "web-3 (i-abc)" and Chinese text read as they were (a copied value carries
//    it: the price of not being clickable).
//  - The start of a value counts as the start of a line (a template may put it there), and so
//    does every character after CR, LF, NEL, U+2028 or U+2029 in it (ErrorInfo and Output have
//    lines). A value's last character is inert too ("]", "`", "\", and a last "!" or "/", are
//    followed by U+200B), so no text the template writes next can complete a construct with it.
//  - Tags (DingTalk's and WeCom's <font>, WeCom's <@userid>, Feishu's <at id=all>): "<" and ">"
//    become the look-alikes "＜" "＞" (U+FF1C, U+FF1E), and "&" is followed by U+200B so that no
//    entity can be spelt: whether or not the vendor decodes entities, before or after it parses
//    its tags, no tag can form. Slack defines its own escaping, exactly "&amp;" "&lt;" "&gt;",
//    which keeps <url|text>, <@U...> and <!channel> out; its quotes (">" at a line start, sent
//    as "&gt;") still get the line-start break.
//  - A bare host name ("evil.example") may still be linked by a client's linkifier; such a link
//    goes where its text says. What cannot happen is a link whose text hides its target, an
//    image that loads when the message is shown, or a scheme URL (http://, dingtalk://); and a
//    "javascript:" can only ever be text, since no link syntax survives.
//  - Bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069) would
//    reorder what is shown around them: each becomes U+FFFD, as NUL does.

#include <string>
#include <string_view>

namespace swas::util {

// U+200B ZERO WIDTH SPACE in UTF-8: what the functions below insert.
inline constexpr std::string_view kZeroWidthSpace = "\xE2\x80\x8B";

// DingTalk markdown (its <font> tags, @mobile mentions, links and images).
std::string escapeDingtalkMarkdown(std::string_view text);
// WeCom markdown (<font color>, <@userid> mentions, links).
std::string escapeWecomMarkdown(std::string_view text);
// WeCom text messages, shown as written: no look-alikes or entities (nothing would decode them),
// only the invisible breaks (URLs, "@", "<@").
std::string escapeWecomText(std::string_view text);
// Feishu/Lark lark_md (<at id=...>, <font>, links).
std::string escapeLarkMd(std::string_view text);
// Slack mrkdwn (<url|text>, <@U...>, <!channel>, quotes, code blocks).
std::string escapeSlackMrkdwn(std::string_view text);

// For values that belong on one line (names, statuses, a title): each line break (CR, LF, CRLF,
// NEL, U+2028, U+2029) as one space, so a name cannot start a line of its own.
std::string singleLine(std::string_view text);

}  // namespace swas::util
