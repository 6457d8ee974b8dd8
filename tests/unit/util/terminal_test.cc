// Text others wrote, on the operator's terminal: no escape sequence gets through, whichever
// command prints it.
#include "daemon/util/terminal.h"

#include <gtest/gtest.h>

#include "daemon/util/utf8.h"

namespace swas::util {
namespace {

TEST(Terminal, ControlCharactersAreShownAsQuestionMarks) {
  EXPECT_EQ(terminalSafe("ok \033[2J\033]0;owned\007 tab\there\r\nnext\x7f"),
            "ok ?[2J?]0;owned? tab?here??next?");
  EXPECT_EQ(terminalSafe("c1 \xC2\x9B"
                         "31m \xC2\x80\xC2\x9F"),
            "c1 ?31m ??")
      << "C1 controls as UTF-8, CSI among them";
  EXPECT_EQ(terminalSafe("网站-1 \xC2\xA0\xC3\xA9 \xF0\x9F\x98\x80"),
            "网站-1 \xC2\xA0\xC3\xA9 \xF0\x9F\x98\x80")
      << "everything else as it is, the neighbours of C1 included";
}

TEST(Terminal, EachByteOfIllFormedUtf8IsAQuestionMark) {
  EXPECT_EQ(terminalSafe("bad \xFF byte"), "bad ? byte");
  EXPECT_EQ(terminalSafe("\xC0\x9B"), "??") << "an overlong CSI is not a CSI";
  EXPECT_EQ(terminalSafe("\xE0\x82\x9B"), "???") << "nor a three-byte one";
  EXPECT_EQ(terminalSafe("\xED\xA0\x80"), "???") << "a surrogate";
  EXPECT_EQ(terminalSafe("\xF4\x90\x80\x80"), "????") << "above U+10FFFF";
  EXPECT_EQ(terminalSafe("cut \xE4\xB8"), "cut ??");
  EXPECT_EQ(terminalSafe("\xC2\x1B[2J"), "??[2J") << "the byte after a cut character is read again";
}

// Whatever the bytes, the result has no ESC, BEL, DEL or C1 and is well-formed UTF-8.
TEST(Terminal, NoTwoByteInputLetsAControlThrough) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const char bytes[] = {static_cast<char>(a), static_cast<char>(b)};
      std::string safe = terminalSafe(std::string_view(bytes, 2));
      ASSERT_TRUE(validUtf8(safe)) << a << " " << b;
      for (size_t i = 0; i < safe.size(); ++i) {
        auto c = static_cast<unsigned char>(safe[i]);
        ASSERT_FALSE(c < 0x20 || c == 0x7f) << a << " " << b;
        ASSERT_FALSE(c == 0xC2 && i + 1 < safe.size() &&
                     static_cast<unsigned char>(safe[i + 1]) <= 0x9f)
            << a << " " << b;
      }
    }
  }
}

}  // namespace
}  // namespace swas::util
