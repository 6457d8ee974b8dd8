#include "daemon/ops/transition_output.h"

#include <gtest/gtest.h>

namespace swas::ops {
namespace {

core::Transition transition(std::string key) {
  core::Transition t;
  t.scope = std::move(key);
  t.invoke_id = "t-1";
  t.instance_id = "i-a";
  t.from = "none";
  t.to = "Failed";
  return t;
}

// --once: the contract's keys as they were without accounts; with them, `account` beside a bare
// region_id.
TEST(TransitionOutput, NamesTheAccountOnlyWithAccounts) {
  std::string single = transitionJson(transition("cn-hangzhou"));
  EXPECT_TRUE(single.starts_with(R"({"region_id":"cn-hangzhou","invoke_id":"t-1")")) << single;
  EXPECT_EQ(single.find("account"), std::string::npos);
  std::string named = transitionJson(transition("prod/cn-hangzhou"));
  EXPECT_TRUE(named.starts_with(R"({"account":"prod","region_id":"cn-hangzhou","invoke_id":"t-1")"))
      << named;
}

}  // namespace
}  // namespace swas::ops
