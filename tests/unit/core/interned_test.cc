#include "daemon/core/interned.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace swas::core {
namespace {

TEST(Interned, EqualTextIsOneValueAndReadsAsAString) {
  std::string failed = "Failed";
  Interned a(failed), b("Failed"), c(std::string_view("Success"));
  EXPECT_EQ(a, b);
  EXPECT_EQ(&a.str(), &b.str());  // one copy of the text
  EXPECT_NE(a, c);
  EXPECT_EQ(a, "Failed");
  EXPECT_EQ(a, failed);
  EXPECT_EQ(a, std::string_view("Failed"));
  const std::string& as_string = a;
  EXPECT_EQ(as_string, "Failed");
  EXPECT_LT(a, c);  // by text, not by address
}

TEST(Interned, EmptyIsTheDefault) {
  Interned none, empty(""), blank(std::string{});
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none, empty);
  EXPECT_EQ(none, blank);
  EXPECT_EQ(none.str(), "");
  EXPECT_FALSE(Interned("x").empty());
}

TEST(Interned, TheLessComparatorFindsByAnyString) {
  std::set<Interned, Interned::Less> ids = {"i-b", "i-a", "i-c"};
  EXPECT_EQ(ids.begin()->str(), "i-a");
  EXPECT_NE(ids.find(std::string("i-b")), ids.end());
  EXPECT_NE(ids.find(std::string_view("i-c")), ids.end());
  EXPECT_EQ(ids.find(std::string_view("i-d")), ids.end());
}

TEST(Interned, ThreadsInterningTheSameTextsAgree) {
  std::vector<std::vector<const std::string*>> seen(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < seen.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) seen[t].push_back(&Interned("id-" + std::to_string(i)).str());
    });
  }
  for (auto& t : threads) t.join();
  for (size_t t = 1; t < seen.size(); ++t) EXPECT_EQ(seen[t], seen[0]);
}

}  // namespace
}  // namespace swas::core
