// ECS's Cloud Assistant operations: where a region's calls go (as the official SDK chooses), what
// DescribeInvocations sends, and its wrapped answers read into the page SWAS's fill.
#include "daemon/api/ecs.h"

#include <gtest/gtest.h>

#include <map>

#include "daemon/api/inventory.h"
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

TEST(EcsDescribeInvocationResults, AsksForEveryRunAsTextAndReadsThemWithTheirRepeats) {
  auto p = paramsOf(toApiCall(DescribeInvocationResultsRequest{.region_id = "cn-beijing",
                                                               .invoke_id = "t-period",
                                                               .include_history = true,
                                                               .next_token = "CCCC"}));
  EXPECT_EQ(p["IncludeHistory"], "true");
  EXPECT_EQ(p["ContentEncoding"], "PlainText");
  EXPECT_EQ(p["NextToken"], "CCCC");
  EXPECT_EQ(p["MaxResults"], "50");
  // The paging lives inside Invocation; the end is FinishedTime here.
  auto page = parseInvocationResultsPage(R"({"RequestId": "R5", "Invocation": {
    "TotalCount": 3, "PageSize": 50, "NextToken": "",
    "InvocationResults": {"InvocationResult": [
      {"InvokeId": "t-period", "InstanceId": "i-1", "CommandId": "c-2", "InvocationStatus": "Failed",
       "ExitCode": 1, "Repeats": 5, "FinishedTime": "2026-12-01T10:05:00Z", "Output": "disk full"},
      {"InvokeId": "t-period", "InstanceId": "i-1", "InvocationStatus": "Success", "ExitCode": 0,
       "Repeats": 6, "FinishedTime": "2026-12-01T10:10:00Z"},
      {"InstanceId": "i-1", "InvocationStatus": "Success"}]}}})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->request_id, "R5");
  EXPECT_EQ(page->total_count, 3);
  EXPECT_TRUE(page->next_token.empty());
  ASSERT_EQ(page->results.size(), 2u);
  EXPECT_EQ(page->anomalies.records, 1) << "without an InvokeId";
  EXPECT_EQ(page->results[0].command_id, "c-2");
  EXPECT_EQ(page->results[0].instance.repeats, 5);
  EXPECT_EQ(page->results[0].instance.exit_code, 1);
  EXPECT_EQ(page->results[0].instance.finish_time, "2026-12-01T10:05:00Z");
  EXPECT_EQ(page->results[0].instance.output, "disk full");
  EXPECT_EQ(page->results[1].instance.repeats, 6);
  EXPECT_EQ(page->results[1].instance.invocation_status, "Success");
  EXPECT_FALSE(parseInvocationResultsPage(R"({"Invocation": {"InvocationResults": 1}})"));
}

TEST(EcsInventory, DescribeInstancesSendsIdsAsJsonAndReadsWrappedAddressesAndTags) {
  auto p = paramsOf(toApiCall(DescribeInstancesRequest{.region_id = "cn-beijing",
                                                       .instance_ids = {"i-1", "i-2"},
                                                       .tags = {{"env", "prod"}},
                                                       .max_results = 5}));
  EXPECT_EQ(p["InstanceIds"], R"(["i-1","i-2"])");
  EXPECT_EQ(p["Tag.1.Key"], "env");
  EXPECT_EQ(p["Tag.1.Value"], "prod");
  EXPECT_EQ(p["MaxResults"], "10") << "below 10 the API reads 10";
  auto page = parseInstancesPage(R"({"RequestId": "R6", "TotalCount": 2, "NextToken": "DDDD",
    "Instances": {"Instance": [
      {"InstanceId": "i-1", "InstanceName": "web-1", "Status": "Running", "RegionId": "cn-beijing",
       "Tags": {"Tag": [{"TagKey": "env", "TagValue": "prod"}]},
       "PublicIpAddress": {"IpAddress": ["47.0.0.1"]}, "InnerIpAddress": {"IpAddress": []},
       "VpcAttributes": {"VpcId": "vpc-1", "PrivateIpAddress": {"IpAddress": ["172.16.0.5"]}},
       "EipAddress": {"IpAddress": "", "AllocationId": ""}},
      {"InstanceId": "i-2", "InstanceName": "db-1", "Status": "Stopped",
       "PublicIpAddress": {"IpAddress": ["47.0.0.2"]}, "InnerIpAddress": {"IpAddress": ["10.0.0.2"]},
       "VpcAttributes": {"PrivateIpAddress": {"IpAddress": []}},
       "EipAddress": {"IpAddress": "39.0.0.9"}}]}})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->next_token, "DDDD");
  ASSERT_EQ(page->instances.size(), 2u);
  EXPECT_FALSE(page->anomalies.any()) << page->anomalies.first_field;
  const InstanceInfo& web = page->instances[0];
  EXPECT_EQ(web.instance_name, "web-1");
  EXPECT_EQ(web.public_ip, "47.0.0.1") << "no EIP: the public address";
  EXPECT_EQ(web.private_ip, "172.16.0.5") << "the VPC address";
  ASSERT_EQ(web.tags.size(), 1u);
  EXPECT_EQ(web.tags[0], (std::pair<std::string, std::string>{"env", "prod"}));
  const InstanceInfo& db = page->instances[1];
  EXPECT_EQ(db.public_ip, "39.0.0.9") << "an EIP first";
  EXPECT_EQ(db.private_ip, "10.0.0.2") << "no VPC address: the classic network's";
}

TEST(EcsInventory, TheAgentStatusIsAStringAndTheIdsAreRepeatedKeys) {
  auto p = paramsOf(
      toApiCall(EcsAgentStatusRequest{.region_id = "cn-beijing", .instance_ids = {"i-1", "i-2"}}));
  EXPECT_EQ(p["InstanceId.1"], "i-1");
  EXPECT_EQ(p["InstanceId.2"], "i-2");
  EXPECT_FALSE(p.contains("InstanceIds")) << "not SWAS's JSON array";
  auto page = parseAgentStatusPage(R"({"RequestId": "R7", "TotalCount": 3, "NextToken": "",
    "InstanceCloudAssistantStatusSet": {"InstanceCloudAssistantStatus": [
      {"InstanceId": "i-1", "CloudAssistantStatus": "true", "LastHeartbeatTime":
       "2026-12-01T10:00:00Z", "ActiveTaskCount": 2, "CloudAssistantVersion": "2.2.3"},
      {"InstanceId": "i-2", "CloudAssistantStatus": "false"},
      {"InstanceId": "i-3", "CloudAssistantStatus": "maybe"}]}})");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->statuses.size(), 2u);
  EXPECT_EQ(page->anomalies.records, 1) << "an unknown state is not 'offline'";
  EXPECT_TRUE(page->statuses[0].online);
  EXPECT_EQ(page->statuses[0].last_heartbeat, "2026-12-01T10:00:00Z");
  EXPECT_EQ(page->statuses[0].active_tasks, 2);
  EXPECT_FALSE(page->statuses[1].online);
}

TEST(EcsRegions, DescribeRegionsIsReadLikeListRegions) {
  EXPECT_EQ(describeRegionsCall().action, "DescribeRegions");
  EXPECT_EQ(describeRegionsCall().version, "2014-05-26");
  auto regions = parseRegions(R"({"RequestId": "R8", "Regions": {"Region": [
    {"RegionId": "cn-hangzhou", "RegionEndpoint": "ecs.aliyuncs.com", "LocalName": "x"},
    {"RegionId": "cn-beijing", "RegionEndpoint": "ecs.cn-beijing.aliyuncs.com"}]}})");
  ASSERT_TRUE(regions);
  ASSERT_EQ(regions->size(), 2u);
  EXPECT_EQ((*regions)[1].region_id, "cn-beijing");
}

}  // namespace
}  // namespace swas::api
