// The operator's tables: untrusted text cannot reach the terminal as control sequences, and
// columns line up with CJK names.
#include "daemon/ops/table.h"

#include <gtest/gtest.h>

#include <sstream>

#include "daemon/ops/report_text.h"

namespace swas::ops {
namespace {

// The filter itself is util::terminalSafe (tests/unit/util/terminal_test.cc); every cell goes
// through it.
TEST(Table, CellsAreTerminalSafe) {
  std::ostringstream out;
  printTable(out, {"NAME", "OUTPUT"},
             {{"web\033]0;owned\007",
               "c1 \xC2\x9B"
               "31m \xFF"}},
             {""});
  EXPECT_EQ(out.str(), "NAME           OUTPUT\nweb?]0;owned?  c1 ?31m ?\n");
}

// test-alert prints what a receiver answered: its body and the verdict quoting it are the
// receiver's words (defect 7: a title set and the screen cleared on the operator's terminal).
TEST(Table, AReceiversAnswerIsPrintedOnOneTerminalSafeLine) {
  std::string hostile =
      "\x1b]0;pwned\x07\x1b[2J \xC2\x9B"
      "31m\nsecond line";
  std::string line = receiverAnswerLine({.stage = "firing",
                                         .peer = "am-2:9093",
                                         .delivered = false,
                                         .http_status = 500,
                                         .body = hostile,
                                         .reason = "HTTP 500: " + hostile});
  EXPECT_EQ(line,
            "firing (am-2:9093): NOT delivered (HTTP 500: ?]0;pwned??[2J ?31m?second line): "
            "HTTP 500: ?]0;pwned??[2J ?31m?second line");
  EXPECT_EQ(receiverAnswerLine({.stage = "resolved", .delivered = true, .http_status = 200}),
            "resolved: delivered (HTTP 200)");
  EXPECT_EQ(receiverAnswerLine({.stage = "firing", .reason = "Connection refused"}),
            "firing: NOT delivered: Connection refused")
      << "no HTTP answer";
  std::string long_body = std::string(299, 'x') + "\xE7\xBD\x91";
  EXPECT_EQ(receiverAnswerLine(
                {.stage = "firing", .delivered = true, .http_status = 200, .body = long_body}),
            "firing: delivered (HTTP 200: " + std::string(299, 'x') + ")")
      << "the first 300 bytes, cut between characters";
}

TEST(Table, WideCharactersTakeTwoColumnsAndCutsKeepCharactersWhole) {
  EXPECT_EQ(displayWidth("web-1"), 5u);
  EXPECT_EQ(displayWidth("网站-1"), 6u);
  std::string line = firstLine("\n\n数据库备份失败数据库备份失败数据库备份失败\nsecond", 10);
  EXPECT_EQ(line, "数据库...") << "7 columns of characters and the dots, nothing split";
  EXPECT_EQ(firstLine("boom\x1b[31m\nsecond"), "boom?[31m");
}

TEST(Table, ColumnsAlignByDisplayWidth) {
  std::ostringstream out;
  printTable(out, {"INSTANCE", "STATUS"}, {{"网站-1 (i-1)", "Failed"}, {"web-2 (i-2)", "Success"}},
             {"", ""});
  std::string text = out.str();
  std::istringstream lines(text);
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(displayWidth(header.substr(0, header.find("STATUS"))),
            displayWidth(first.substr(0, first.find("Failed"))))
      << text;
  EXPECT_EQ(displayWidth(first.substr(0, first.find("Failed"))),
            displayWidth(second.substr(0, second.find("Success"))))
      << text;
}

}  // namespace
}  // namespace swas::ops
