#include "daemon/core/json.h"

#include <gtest/gtest.h>

namespace swas::core {
namespace {

TEST(Json, StringsAreEscaped) {
  std::string out;
  appendJsonString(out, "a\"b\\c\nd\te\x01");
  EXPECT_EQ(out, R"("a\"b\\c\nd\te\u0001")");
}

// A C1 CSI (U+009B) in an instance name reached `alerts --output json` raw, and a terminal took
// it for ESC [ (defect 13).
TEST(Json, C1ControlsAndLineSeparatorsAreEscaped) {
  auto json = [](std::string_view text) {
    std::string out;
    appendJsonString(out, text);
    return out;
  };
  EXPECT_EQ(json("web\xC2\x9B"
                 "2J\xC2\x80\xC2\x9F"),
            R"("web\u009b2J\u0080\u009f")");
  EXPECT_EQ(json("a\xE2\x80\xA8"
                 "b\xE2\x80\xA9"
                 "c"),
            R"("a\u2028b\u2029c")");
  EXPECT_EQ(json("del\x7f"), R"("del\u007f")");
  EXPECT_EQ(json("\xC2\xA0 \xC3\xA9 \xE7\xBD\x91 \xE2\x80\xA7 \xF0\x9F\x98\x80"),
            "\"\xC2\xA0 \xC3\xA9 \xE7\xBD\x91 \xE2\x80\xA7 \xF0\x9F\x98\x80\"")
      << "other characters, the neighbours of C1 and U+2028 included, pass as they are";
  std::string out;
  JsonObject o(out);
  o.str("name\xC2\x9B", "v");
  o.close();
  EXPECT_EQ(out, R"({"name\u009b":"v"})") << "keys too";
}

// Every ill-formed sequence is one U+FFFD per maximal subpart (Unicode 3.9, as browsers decode),
// so a document holding an API's or a peer's bytes is always valid UTF-8.
TEST(Json, IllFormedUtf8BecomesReplacementCharacters) {
  auto json = [](std::string_view text) {
    std::string out;
    appendJsonString(out, text);
    return out;
  };
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(json("bad \xFF byte"), "\"bad " + r + " byte\"");
  EXPECT_EQ(json("\x80\xBF"), "\"" + r + r + "\"") << "stray continuation bytes";
  EXPECT_EQ(json("\xC0\x80"), "\"" + r + r + "\"") << "an overlong NUL";
  EXPECT_EQ(json("\xE0\x80\x80"), "\"" + r + r + r + "\"") << "an overlong three-byte form";
  EXPECT_EQ(json("\xED\xA0\x80"), "\"" + r + r + r + "\"") << "a surrogate (CESU-8)";
  EXPECT_EQ(json("\xF4\x90\x80\x80"), "\"" + r + r + r + r + "\"") << "above U+10FFFF";
  EXPECT_EQ(json("\xE4\xB8x"), "\"" + r + "x\"") << "a cut character is one U+FFFD";
  EXPECT_EQ(json("end \xF0\x9F\x98"), "\"end " + r + "\"") << "cut at the end";
  EXPECT_EQ(json("\xC2\""), "\"" + r + "\\\"\"") << "the byte after a cut is read again";
}

TEST(Json, ObjectWritesFieldsInOrderWithEveryKindOfValue) {
  std::string out;
  JsonObject o(out);
  o.str("name", "ops \"night\"").num("count", -3).boolean("on", true).null("none");
  o.raw("labels", R"({"a":"b"})").key("items");
  out += "[1]";
  o.close();
  EXPECT_EQ(out, R"({"name":"ops \"night\"","count":-3,"on":true,"none":null,"labels":{"a":"b"},)"
                 R"("items":[1]})");
}

TEST(Json, KeysAreEscapedAndNestedObjectsCompose) {
  std::string out;
  JsonObject outer(out);
  outer.key("in\"ner");
  JsonObject inner(out);
  inner.str("k", "v");
  inner.close();
  outer.str("after", "");
  outer.close();
  EXPECT_EQ(out, R"({"in\"ner":{"k":"v"},"after":""})");
  std::string empty;
  JsonObject e(empty);
  e.close();
  EXPECT_EQ(empty, "{}");
}

}  // namespace
}  // namespace swas::core
