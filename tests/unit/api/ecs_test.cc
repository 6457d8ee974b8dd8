// ECS's Cloud Assistant operations: where a region's calls go (as the official SDK chooses), what
// DescribeInvocations sends, and its wrapped answers read into the page SWAS's fill.
#include "daemon/api/ecs.h"

#include <gtest/gtest.h>

#include <map>

#include "daemon/api/response_parser.h"

namespace swas::api {
namespace {

TEST(EcsEndpoint, FollowsTheSdksMapThenTheRegionalPattern) {
  EXPECT_EQ(ecsEndpoint("cn-hangzhou"), "https://ecs-cn-hangzhou.aliyuncs.com") << "the map";
  EXPECT_EQ(ecsEndpoint("cn-shanghai-finance-1"), "https://ecs-cn-hangzhou.aliyuncs.com");
  EXPECT_EQ(ecsEndpoint("cn-north-2-gov-1"), "https://ecs.aliyuncs.com");
  EXPECT_EQ(ecsEndpoint("cn-beijing"), "https://ecs.cn-beijing.aliyuncs.com") << "the pattern";
  EXPECT_EQ(ecsEndpoint("ap-southeast-1"), "https://ecs.ap-southeast-1.aliyuncs.com");
}

std::map<std::string, std::string> paramsOf(const ApiCall& call) {
  return {call.params.begin(), call.params.end()};
}

TEST(EcsDescribeInvocations, AsksForPlainTextAndPagesByToken) {
  DescribeInvocationsRequest first{.region_id = "cn-beijing", .invoke_status = "Running"};
  ApiCall call = toApiCall(first);
  EXPECT_EQ(call.action, "DescribeInvocations");
  EXPECT_EQ(call.version, "2014-05-26");
  auto p = paramsOf(call);
  EXPECT_EQ(p["RegionId"], "cn-beijing");
  EXPECT_EQ(p["InvokeStatus"], "Running");
  EXPECT_EQ(p["ContentEncoding"], "PlainText") << "the API's default is Base64";
  EXPECT_EQ(p["MaxResults"], "50");
  EXPECT_FALSE(p.contains("NextToken")) << "the first page sets only MaxResults";
  EXPECT_FALSE(p.contains("Timed")) << "unset: the API's default (Once tasks and finished ones)";
  EXPECT_FALSE(p.contains("IncludeOutput"));
  EXPECT_FALSE(p.contains("InstanceId"));

  DescribeInvocationsRequest next{.region_id = "cn-beijing",
                                  .invoke_id = "t-1",
                                  .timed = true,
                                  .include_output = true,
                                  .max_results = 500,
                                  .next_token = "AAAA"};
  p = paramsOf(toApiCall(next));
  EXPECT_EQ(p["NextToken"], "AAAA");
  EXPECT_EQ(p["Timed"], "true");
  EXPECT_EQ(p["IncludeOutput"], "true");
  EXPECT_EQ(p["MaxResults"], "50") << "1 to 50";
}

// As the 7.11.6 SDK's model reads it (ecs-cloud-assistant-api.md 1): every list wrapped.
constexpr std::string_view kPage = R"({
  "RequestId": "R1", "TotalCount": 3, "PageNumber": 1, "PageSize": 50, "NextToken": "BBBB",
  "Invocations": {"Invocation": [
    {"InvokeId": "t-once", "CommandId": "c-1", "CommandName": "deploy", "CommandType": "RunShellScript",
     "CreationTime": "2026-12-01T10:00:00Z", "InvocationStatus": "Failed", "RepeatMode": "Once",
     "Timed": false,
     "InvokeInstances": {"InvokeInstance": [
       {"InstanceId": "i-1", "InvocationStatus": "Failed", "ExitCode": 2, "ErrorCode": "",
        "FinishTime": "2026-12-01T10:00:05Z", "Output": "boom", "Repeats": 1, "Dropped": 0}]}},
    {"InvokeId": "t-period", "CommandId": "c-2", "CommandName": "backup",
     "CreationTime": "2026-12-01T09:00:00Z", "InvocationStatus": "Running", "RepeatMode": "Period",
     "Timed": true,
     "InvokeInstances": {"InvokeInstance": [
       {"InstanceId": "i-2", "InvocationStatus": "Scheduled", "Repeats": 5}]}},
    {"CommandId": "c-3"}
  ]}})";

TEST(EcsDescribeInvocations, ReadsTheWrappedListsIntoOnePage) {
  auto page = parseEcsInvocationsPage(kPage);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->request_id, "R1");
  EXPECT_EQ(page->next_token, "BBBB");
  EXPECT_EQ(page->total_count, 3);
  ASSERT_EQ(page->invocations.size(), 2u);
  EXPECT_EQ(page->anomalies.records, 1) << "the record without an InvokeId, skipped and counted";
  const CommandInvocation& once = page->invocations[0];
  EXPECT_EQ(once.invoke_id, "t-once");
  EXPECT_EQ(once.repeat_mode, "Once");
  EXPECT_EQ(once.timed, false);
  ASSERT_EQ(once.instances.size(), 1u);
  EXPECT_EQ(once.instances[0].instance_id, "i-1");
  EXPECT_EQ(once.instances[0].exit_code, 2);
  EXPECT_EQ(once.instances[0].finish_time, "2026-12-01T10:00:05Z");
  EXPECT_EQ(once.instances[0].output, "boom");
  EXPECT_EQ(once.instances[0].repeats, 1);
  const CommandInvocation& period = page->invocations[1];
  EXPECT_EQ(period.repeat_mode, "Period");
  EXPECT_EQ(period.timed, true);
  ASSERT_EQ(period.instances.size(), 1u);
  EXPECT_EQ(period.instances[0].invocation_status, "Scheduled");
  EXPECT_EQ(period.instances[0].repeats, 5);
}

TEST(EcsDescribeInvocations, TheLastPageHasNoTokenAndAMissingListIsEmpty) {
  auto last = parseEcsInvocationsPage(R"({"RequestId": "R2", "Invocations": {"Invocation": []}})");
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->next_token.empty());
  EXPECT_TRUE(last->invocations.empty());
  auto bare = parseEcsInvocationsPage(R"({"RequestId": "R3"})");
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->invocations.empty());
  EXPECT_FALSE(parseEcsInvocationsPage(R"({"Invocations": 7})"))
      << "a list that is not one fails the page, as SWAS's does";
  EXPECT_FALSE(parseEcsInvocationsPage("[]"));
}

TEST(EcsDescribeInvocations, AnInstancesFinishedTimeIsItsFinishTime) {
  // DescribeInvocationResults names the end FinishedTime; the instance reader takes either.
  auto page = parseEcsInvocationsPage(R"({"Invocations": {"Invocation": [
    {"InvokeId": "t-1", "InvocationStatus": "Success", "InvokeInstances": {"InvokeInstance": [
      {"InstanceId": "i-1", "InvocationStatus": "Success", "FinishedTime": "2026-12-01T10:00:05Z"}]}}
  ]}})");
  ASSERT_TRUE(page);
  ASSERT_EQ(page->invocations.size(), 1u);
  EXPECT_EQ(page->invocations[0].instances[0].finish_time, "2026-12-01T10:00:05Z");
}

}  // namespace
}  // namespace swas::api
