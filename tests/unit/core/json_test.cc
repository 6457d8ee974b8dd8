#include "daemon/core/json.h"

#include <gtest/gtest.h>

namespace swas::core {
namespace {

TEST(Json, StringsAreEscaped) {
  std::string out;
  appendJsonString(out, "a\"b\\c\nd\te\x01");
  EXPECT_EQ(out, R"("a\"b\\c\nd\te\u0001")");
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
