// The operator's tables: untrusted text cannot reach the terminal as control sequences, and
// columns line up with CJK names.
#include "daemon/app/table.h"

#include <gtest/gtest.h>

#include <sstream>

namespace swas::app {
namespace {

TEST(Table, ControlCharactersAndBrokenUtf8AreShownAsQuestionMarks) {
  EXPECT_EQ(terminalSafe("ok \033[2J\033]0;owned\007 tab\there"), "ok ?[2J?]0;owned? tab?here");
  EXPECT_EQ(terminalSafe("c1 \xC2\x9B"
                         "31m"),
            "c1 ?31m")
      << "C1 CSI as UTF-8";
  EXPECT_EQ(terminalSafe("bad \xFF byte"), "bad ? byte");
  EXPECT_EQ(terminalSafe("网站-1"), "网站-1");
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
}  // namespace swas::app
