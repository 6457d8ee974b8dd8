// ECS's TaskCompleted events as EventBridge delivers them: only where to poll is read, and what
// is not a usable place is ignored, never trusted.
#include "daemon/hints/events.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace swas::hints {
namespace {

// The reference's sample (§6): a CloudEvents 1.0 envelope, numbers as strings.
std::string event(const std::string& region = "cn-hangzhou",
                  const std::string& instance = "i-bp1abc", const std::string& repeat = "Once",
                  const std::string& type = std::string(kTaskCompleted)) {
  std::string out = R"({"id":"45ef4dewdwe1-7c35-447a-bd93-fab****","source":"acs.ecs",)";
  out += R"("specversion":"1.0","subject":"acs.ecs:)";
  out.append(region).append(":123456789098****:instance/").append(instance);
  out += R"(","time":"2026-12-06T10:00:00Z","type":")";
  out.append(type).append(R"(","aliyunaccountid":"123456789098****","aliyunregionid":")");
  out.append(region).append(R"(","data":{"commandId":"c-hz01","exitCode":"1","instanceId":")");
  out.append(instance).append(R"(","invocationStatus":"Failed","invokeId":"t-hz01",)");
  out.append(R"("repeatMode":")").append(repeat);
  out += R"(","repeats":"1","errorCode":"0","errorDesc":""}})";
  return out;
}

// A batch: the events as a JSON array.
std::string batch(const std::vector<std::string>& events) {
  std::string out = "[";
  for (const auto& e : events) out.append(out.size() > 1 ? "," : "").append(e);
  return out + "]";
}

ParsedEvents parse(std::string body, http::Headers headers = {}) {
  http::ServerRequest request{.method = "POST", .target = std::string(kEventPath)};
  request.body = std::move(body);
  request.headers = std::move(headers);
  return parseEvents(request);
}

TEST(Events, OneEnvelopeGivesItsRegionInstanceAndWhetherOnlyTheTimedListingShowsIt) {
  auto once = parse(event());
  ASSERT_TRUE(once) << once.error();
  ASSERT_EQ(once->hints.size(), 1u);
  EXPECT_EQ(once->hints[0].region_id, "cn-hangzhou");
  EXPECT_EQ(once->hints[0].instance_id, "i-bp1abc");
  EXPECT_FALSE(once->hints[0].timed) << "a Once task is in the default listing";
  auto period = parse(event("cn-shanghai", "i-x", "Period"));
  ASSERT_TRUE(period);
  EXPECT_TRUE(period->hints[0].timed) << "a periodic task's run is listed only with Timed=true";
  EXPECT_EQ(period->hints[0].region_id, "cn-shanghai");
}

TEST(Events, ABatchIsAnArrayAndOtherTypesAreIgnored) {
  auto parsed =
      parse(batch({event("cn-hangzhou"), event("cn-beijing"),
                   event("cn-hangzhou", "i-y", "Once", "ecs:Instance:StateChange"), "42"}));
  ASSERT_TRUE(parsed) << parsed.error();
  ASSERT_EQ(parsed->hints.size(), 2u);
  EXPECT_EQ(parsed->hints[1].region_id, "cn-beijing");
  EXPECT_EQ(parsed->ignored, 2u) << "another type, and an element that is no event";
}

TEST(Events, TheRegionComesFromTheSubjectWhenTheEnvelopeHasNoRegionAttribute) {
  auto parsed = parse(
      R"({"type":"ecs:CloudAssistant:TaskCompleted","subject":"acs.ecs:ap-southeast-1:1:x"})");
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->hints.size(), 1u);
  EXPECT_EQ(parsed->hints[0].region_id, "ap-southeast-1");
  EXPECT_EQ(parsed->hints[0].instance_id, "");
  EXPECT_TRUE(parsed->hints[0].timed) << "no repeatMode: the Timed listing too, to be sure";
}

TEST(Events, WhatIsNoPlaceToPollIsIgnored) {
  auto parsed = parse(batch({event("cn-hangzhou\\nFAKE LOG LINE"), event(""),
                             event("cn-hangzhou", "i-a b"), event(std::string(65, 'a'))}));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->hints.empty());
  EXPECT_EQ(parsed->ignored, 4u);
}

// Review finding: an event without a type was taken for TaskCompleted (an EventBridge rule
// pointed here by mistake made polls); and a batch is bounded (its hints are routed on the
// event loop).
TEST(Events, OnlyTaskCompletedCountsAndABatchIsBounded) {
  auto untyped = parse(R"({"aliyunregionid":"cn-hangzhou","data":{"instanceId":"i-a"}})");
  ASSERT_TRUE(untyped);
  EXPECT_TRUE(untyped->hints.empty());
  EXPECT_EQ(untyped->ignored, 1u);
  auto binary = parse(R"({"instanceId":"i-a"})",
                      {{"ce-specversion", "1.0"}, {"ce-aliyunregionid", "cn-hangzhou"}});
  ASSERT_TRUE(binary);
  EXPECT_EQ(binary->ignored, 1u) << "binary mode without ce-type";
  std::vector<std::string> many(kMaxEvents, event());
  auto full = parse(batch(many));
  ASSERT_TRUE(full);
  EXPECT_EQ(full->hints.size(), kMaxEvents);
  many.push_back(event());
  auto over = parse(batch(many));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error(), "more than 1000 events in one request");
}

TEST(Events, BinaryModeTakesTheAttributesFromTheHeaders) {
  auto parsed = parse(R"({"instanceId":"i-bin","repeatMode":"Once"})",
                      {{"ce-specversion", "1.0"},
                       {"ce-type", std::string(kTaskCompleted)},
                       {"ce-aliyunregionid", "cn-qingdao"}});
  ASSERT_TRUE(parsed) << parsed.error();
  ASSERT_EQ(parsed->hints.size(), 1u);
  EXPECT_EQ(parsed->hints[0].region_id, "cn-qingdao");
  EXPECT_EQ(parsed->hints[0].instance_id, "i-bin");
  EXPECT_FALSE(parsed->hints[0].timed);
}

TEST(Events, ABodyThatIsNotEventsSaysWhy) {
  auto broken = parse("{\"type\":");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().find("not JSON"), std::string::npos) << broken.error();
  auto scalar = parse("\"hello\"");
  ASSERT_FALSE(scalar);
  EXPECT_NE(scalar.error().find("neither a CloudEvent nor a batch"), std::string::npos);
}

}  // namespace
}  // namespace swas::hints
