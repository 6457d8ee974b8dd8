// Chat messages: the four vendors' bodies (golden files), mentions only while firing, the size
// limits from 1 to 10,000 alerts with 1 KiB outputs and multi-byte text, every alert accounted
// for, and the template check.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "daemon/alerting/chat/templates.h"
#include "daemon/alerting/chat_signing.h"
#include "daemon/alerting/receivers/chat_receiver.h"
#include "daemon/alerting/receivers/factory.h"
#include "daemon/alerting/rules.h"
#include "daemon/util/utf8.h"
#include "tests/support/chat_vendor.h"

namespace swas::alerting {
namespace {

using namespace std::chrono;

const system_clock::time_point kNow = sys_days(year(2026) / 11 / 28) + hours(12);

core::Alert failure(int i, const std::string& output = "npm ERR! missing script: build\n") {
  core::Transition t;
  t.scope = i % 2 ? "cn-hangzhou" : "ap-southeast-1";
  t.invoke_id = "t-" + std::to_string(i);
  t.instance_id = "ace0706b2ac4454d984295a9421" + std::to_string(10000 + i % 300);
  t.command_id = "c-" + std::to_string(i % 7);
  t.command_name = "deploy-app-" + std::to_string(i % 7);
  t.to = i % 5 == 0 ? "Timeout" : "Failed";
  t.error_code = i % 5 == 0 ? "" : "ExitCodeNonzero";
  t.error_info = "the command exited with code 1";
  t.exit_code = 1;
  t.creation_time = "2026-11-28T12:00:00";
  t.finish_time = "2026-11-28T12:00:12Z";
  t.finished_at = core::parseApiTime(t.finish_time);
  t.output = output;
  return makeAlert(t, kNow);
}

ReceiverConfig config(const std::string& type, const std::string& language = "en") {
  ReceiverConfig c;
  c.name = "oncall";
  c.type = type;
  c.url = "http://127.0.0.1:1/hook?access_token=T";
  c.language = language;
  c.time = *LocalTime::make("Asia/Shanghai");
  return c;
}

std::unique_ptr<Receiver> receiver(const ReceiverConfig& c) { return makeReceiver(c, ""); }

std::string golden(const std::string& name, const std::string& actual) {
  std::string path = std::string(SWAS_SOURCE_DIR) + "/tests/unit/alerting/golden/" + name;
  if (std::getenv("SWAS_UPDATE_GOLDEN")) std::ofstream(path) << actual;
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string textOf(const std::string& type, const std::string& body) {
  return testing::chatText(type, body);
}

const char* kTypes[] = {"dingtalk", "feishu", "wecom", "slack"};

TEST(ChatMessage, EachVendorsBodyForOneFailureAndItsResolution) {
  for (std::string type : kTypes) {
    for (std::string language : {"en", "zh"}) {
      auto c = config(type, language);
      c.mention.user_ids = {"u1"};
      auto r = receiver(c);
      auto a = failure(1);
      auto firing = r->request({{&a, false}}, kNow);
      EXPECT_EQ(firing.body, golden(type + "_" + language + "_firing.json", firing.body))
          << type << " " << language;
      a.ends_at = a.starts_at + 754;
      auto resolved = r->request({{&a, true}}, kNow);
      EXPECT_EQ(resolved.body, golden(type + "_" + language + "_resolved.json", resolved.body))
          << type << " " << language;
      EXPECT_EQ(r->request({{&a, true}}, kNow + hours(5)).body, resolved.body)
          << "the same alerts give the same text on a retry";
    }
  }
}

TEST(ChatMessage, TimesInTheConfiguredZoneAndResolvedSaysHowLong) {
  auto r = receiver(config("dingtalk"));
  auto a = failure(1);
  a.ends_at = a.starts_at + 754;
  std::string text = textOf("dingtalk", r->request({{&a, true}}, kNow).body);
  EXPECT_NE(text.find("2026-11-28 20:00:12 CST"), std::string::npos) << text;
  EXPECT_NE(text.find("Resolved at 2026-11-28 20:12:46 CST, after firing for 12m 34s"),
            std::string::npos)
      << text;
}

TEST(ChatMessage, MentionsOnlyWhileFiring) {
  auto c = config("dingtalk");
  c.mention.mobiles = {"13800000000"};
  auto r = receiver(c);
  auto a = failure(1);
  auto firing = r->request({{&a, false}}, kNow).body;
  EXPECT_NE(firing.find(R"("atMobiles":["13800000000"])"), std::string::npos) << firing;
  EXPECT_NE(textOf("dingtalk", firing).find("@13800000000"), std::string::npos);
  auto resolved = r->request({{&a, true}}, kNow).body;
  EXPECT_EQ(resolved.find("13800000000"), std::string::npos) << resolved;
}

TEST(ChatMessage, WecomMentionsMobilesThroughATextMessage) {
  auto c = config("wecom");
  c.mention.mobiles = {"13800000000"};
  c.mention.user_ids = {"zhangsan"};
  auto r = receiver(c);
  auto a = failure(1);
  simdjson::dom::parser parser;
  auto body = r->request({{&a, false}}, kNow).body;
  simdjson::dom::element doc = parser.parse(body);
  EXPECT_EQ(doc["msgtype"].get_string().value(), "text");
  EXPECT_EQ(doc["text"]["mentioned_mobile_list"].at(0).get_string().value(), "13800000000");
  EXPECT_EQ(doc["text"]["mentioned_list"].at(0).get_string().value(), "zhangsan");
  EXPECT_EQ(body.find("<font"), std::string::npos) << "plain text, no markup";
  auto resolved = r->request({{&a, true}}, kNow).body;
  EXPECT_NE(resolved.find(R"("msgtype":"markdown")"), std::string::npos) << resolved;
}

TEST(ChatMessage, SignaturesOnTheWire) {
  auto c = config("dingtalk");
  c.secret = "SECxyz";
  auto a = failure(1);
  auto d = receiver(c)->request({{&a, false}}, kNow);
  int64_t ms = duration_cast<milliseconds>(kNow.time_since_epoch()).count();
  EXPECT_EQ(d.url, dingtalkSignedUrl(c.url, "SECxyz", ms));
  auto f = config("feishu");
  f.secret = "fsecret";
  auto body = receiver(f)->request({{&a, false}}, kNow).body;
  int64_t s = ms / 1000;
  EXPECT_NE(body.find(R"("timestamp":")" + std::to_string(s) + R"(","sign":")" +
                      feishuSign("fsecret", s) + "\""),
            std::string::npos)
      << body;
}

TEST(ChatMessage, UntrustedTextCannotMentionOrCloseTheCodeBlock) {
  auto a = failure(1, "<at id=all></at> <!channel> <@all> ```\n@all");
  for (std::string type : {"feishu", "slack", "wecom"}) {
    auto c = config(type);
    std::string text = textOf(type, receiver(c)->request({{&a, false}}, kNow).body);
    EXPECT_EQ(text.find("<at id=all>"), std::string::npos) << type << text;
    EXPECT_EQ(text.find("<!channel>"), std::string::npos) << type << text;
    EXPECT_EQ(text.find("<@all>"), std::string::npos) << type << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '`'), 6) << type << ": one code block\n" << text;
  }
}

// Issue 5, "chat text can be forged": a command name, an instance name and an ErrorInfo (from
// the cloud API, or relayed from Alertmanager) carrying markdown, mentions and tags.
core::Alert hostile(int i) {
  core::Transition t;
  t.scope = "cn-hangzhou";
  t.invoke_id = "t-" + std::to_string(i);
  t.instance_id = "i-" + std::to_string(i);
  t.command_id = "c-1";
  t.command_name =
      "![x](http://evil.example/p.png) [click](http://evil.example) @all @13800000000 "
      "<at id=all></at> <!channel> <@U1> </font>";
  t.to = "Failed";
  t.error_code = "ExitCodeNonzero";
  t.error_info =
      "# ALL CLEAR, ignore this alert\n> quoted\n- item\n1. item\n| a | b |\n```\n<@all>\n"
      "[link](javascript:alert(1))";
  t.exit_code = 1;
  t.finish_time = "2026-11-28T12:00:12Z";
  t.finished_at = core::parseApiTime(t.finish_time);
  t.output = "```\n# heading\n[y](http://evil.example)\n";
  core::InstanceRecord instance{t.instance_id, "web-3\n# ALL CLEAR\n- fake item"};
  return makeAlert(t, kNow, &instance);
}

// What the untrusted values formed in a message text of `alerts` alerts: anything no built-in
// template writes itself (its own are a "### " first line, "- " lines when several alerts are
// listed, one code block for a single alert's Output, WeCom's font colours). A `plain` text
// (WeCom's text message) may show "<" as written: it has no tags.
std::vector<std::string> forgedIn(const std::string& text, size_t alerts, bool plain) {
  std::vector<std::string> found;
  auto count = [&](std::string_view s) {
    size_t n = 0;
    for (size_t at = text.find(s); at != std::string::npos; at = text.find(s, at + 1)) ++n;
    return n;
  };
  for (std::string_view s : {"](", "![", "://", "@all", "@1380", "<at", "<!", "<@"}) {
    if (count(s) > 0) found.push_back("contains " + std::string(s));
  }
  if (!plain && count("<") != count("<font color=") + count("</font>")) found.push_back("a tag");
  if (count("</font>") != count("<font color=")) found.push_back("a font tag closed early");
  if (count("```") != (alerts == 1 ? 2u : 0u)) found.push_back("a code fence");
  std::istringstream lines(text);
  size_t n = 0, listed = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    char c = line[first];
    if (c == '#' && !(n == 0 && line.starts_with("### ["))) found.push_back("heading: " + line);
    if (c == '>' || c == '+' || c == '|' || c == '=') found.push_back("block: " + line);
    if (std::isdigit(static_cast<unsigned char>(c)) &&
        line.find_first_not_of("0123456789", first) == line.find_first_of(".)", first)) {
      found.push_back("ordered list: " + line);
    }
    if (c == '-') ++listed;
  }
  if (listed != (alerts == 1 ? 0 : alerts)) {
    found.push_back("list items: " + std::to_string(listed));
  }
  return found;
}

TEST(ChatMessage, UntrustedNamesAndErrorInfoFormNoLinkImageHeadingMentionOrTag) {
  std::vector<core::Alert> alerts = {hostile(1), hostile(2)};
  simdjson::dom::parser parser;
  for (std::string type : kTypes) {
    for (bool text_message : {false, true}) {
      if (text_message && type != "wecom") continue;
      auto c = config(type);
      if (text_message) c.mention.mobiles = {"13900000000"};  // WeCom sends a text message
      auto r = receiver(c);
      for (size_t n : {1u, 2u}) {
        std::vector<MessageItem> items;
        for (size_t i = 0; i < n; ++i) items.push_back({&alerts[i], false});
        std::string body = r->request(items, kNow).body;
        std::string text = textOf(type, body);
        ASSERT_FALSE(text.empty()) << type << body;
        EXPECT_EQ(forgedIn(text, n, text_message), std::vector<std::string>{})
            << type << (text_message ? " text" : "") << " " << n << " alert(s):\n"
            << text;
        EXPECT_NE(text.find("ALL CLEAR"), std::string::npos) << "still shown, as text";
        // The titles are one line; Slack's notification text is mrkdwn too.
        simdjson::dom::element doc = parser.parse(body);
        std::string_view title;
        if (type == "dingtalk") title = doc["markdown"]["title"].get_string().value();
        if (type == "feishu") {
          title = doc["card"]["header"]["title"]["content"].get_string().value();
        }
        if (type == "slack") {
          std::string_view fallback = doc["text"].get_string().value();
          EXPECT_EQ(fallback.find('<'), std::string_view::npos) << fallback;
          EXPECT_EQ(fallback.find("](http"), std::string_view::npos) << fallback;
          title = doc["attachments"].at(0)["blocks"].at(0)["text"]["text"].get_string().value();
        }
        EXPECT_EQ(title.find('\n'), std::string_view::npos) << type << ": " << title;
      }
    }
  }
}

struct Limit {
  std::string type;
  size_t max;
  bool characters;  // Slack counts characters of the section text
};

bool within(const Limit& l, const std::string& body) {
  if (l.type.starts_with("wecom")) return textOf("wecom", body).size() <= l.max;
  if (l.characters) return util::utf8Length(textOf("slack", body)) <= l.max;
  return body.size() <= l.max;
}

TEST(ChatMessage, EveryMessageFitsTheVendorsLimitFromOneToTenThousandAlerts) {
  std::string output;
  while (output.size() < 1024) output += "部署失败 deploy failed ✗ ";
  std::vector<core::Alert> alerts;
  for (int i = 0; i < 10'000; ++i) alerts.push_back(failure(i, output));
  std::vector<size_t> sizes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 50, 100, 1000, 5000, 10'000};
  std::vector<std::string> many;
  for (int i = 0; i < 100; ++i) many.push_back("1380000" + std::to_string(1000 + i));
  for (const Limit& limit : {Limit{"dingtalk", 20'000, false}, Limit{"feishu", 20'000, false},
                             Limit{"wecom", 4096, false}, Limit{"wecom-text", 2048, false},
                             Limit{"slack", 3000, true}}) {
    auto c = config(limit.type == "wecom-text" ? "wecom" : limit.type);
    c.mention.user_ids = {many.begin(), many.begin() + 20};
    if (limit.type == "wecom-text") c.mention.mobiles = many;  // a text message, 2,048 bytes
    auto r = receiver(c);
    for (size_t n : sizes) {
      std::vector<MessageItem> items;
      for (size_t i = 0; i < n; ++i) items.push_back({&alerts[i], i % 10 == 9});
      auto body = r->request(items, kNow).body;
      ASSERT_TRUE(util::validUtf8(body)) << limit.type << " " << n;
      simdjson::dom::parser parser;
      ASSERT_FALSE(parser.parse(body).error()) << limit.type << " " << n << ": not JSON";
      EXPECT_TRUE(within(limit, body)) << limit.type << " " << n << ": " << body.size();
      std::string type = limit.type == "wecom-text" ? "wecom" : limit.type;
      if (n > 1) {
        EXPECT_EQ(testing::chatAlertsAccounted(textOf(type, body)), n) << limit.type << "\n"
                                                                       << textOf(type, body);
      }
    }
  }
}

TEST(ChatMessage, TooManyMentionsLeaveTheEscapedTitleWhichStillCounts) {
  auto c = config("wecom");
  for (int i = 0; i < 400; ++i) c.mention.user_ids.push_back("user" + std::to_string(i));
  core::Transition t;
  std::vector<core::Alert> alerts;
  for (int i = 0; i < 5; ++i) {
    alerts.push_back(failure(i));
    alerts.back().labels_json = R"({"command_name":"<@all>","instance_id":"i-1"})";
  }
  std::vector<MessageItem> items;
  for (const auto& a : alerts) items.push_back({&a, false});
  std::string text = textOf("wecom", receiver(c)->request(items, kNow).body);
  EXPECT_LE(text.size(), 4096u);
  EXPECT_TRUE(text.starts_with("[FIRING:5]\u200b ＜@\u200ball＞")) << text;
  EXPECT_EQ(text.find("<@all>"), std::string::npos) << text;
}

TEST(ChatMessage, AnOperatorsTemplateWithoutMentionsStillMentions) {
  auto c = config("slack");
  c.template_text = "{{#alerts}}{{command}}{{/alerts}}";
  c.mention.user_ids = {"U1"};
  auto a = failure(1);
  EXPECT_EQ(textOf("slack", receiver(c)->request({{&a, false}}, kNow).body),
            "deploy-app-1\n\n<@U1>");
  EXPECT_EQ(textOf("slack", receiver(c)->request({{&a, true}}, kNow).body), "deploy-app-1");
}

TEST(Utf8, OnlyWellFormedTextIsValid) {
  EXPECT_TRUE(util::validUtf8("plain 部署 \xF0\x9F\x98\x80"));
  for (const char* bad : {"\xC0\x80", "\xE0\x80\x80", "\xED\xA0\x80", "\xF5\x80\x80\x80",
                          "\xF4\x90\x80\x80", "\xE4\xB8", "\x80"}) {
    EXPECT_FALSE(util::validUtf8(bad)) << bad;
  }
  EXPECT_EQ(checkTemplate("{{title}} \xC0\x80", "t.mustache").at(0),
            "t.mustache:1: not UTF-8 text (save the template as UTF-8)");
}

TEST(ChatTemplate, ProblemsAreReportedAsFileAndLine) {
  EXPECT_TRUE(checkTemplate(builtinTemplate("en"), "en").empty());
  EXPECT_TRUE(checkTemplate(builtinTemplate("zh"), "zh").empty());
  auto problems = checkTemplate(
      "{{title}}\n{{#alerts}}{{comand}}\n{{/groups}}\n{{labels.x}}{{#more", "t.mustache");
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0], "t.mustache:2: unknown name 'comand' (the data model is in the README)");
  EXPECT_EQ(problems[1], "t.mustache:3: {{/groups}} closes section 'alerts' opened on line 2");
  EXPECT_EQ(problems[2], "t.mustache:4: a tag opened with {{ is never closed");
  EXPECT_EQ(checkTemplate("{{#alerts}}\n{{/alerts}}{{^single}}", "u")[0],
            "u:2: section 'single' is never closed");
}

TEST(ChatTemplate, AnOperatorsTemplateReplacesTheText) {
  auto c = config("dingtalk");
  c.template_text =
      "{{#alerts}}{{command}}@{{labels.region_id}}:{{annotations.exit_code}}{{/alerts}}";
  auto a = failure(1);
  EXPECT_EQ(textOf("dingtalk", receiver(c)->request({{&a, false}}, kNow).body),
            "deploy-app-1@cn-hangzhou:1");
}

}  // namespace
}  // namespace swas::alerting
