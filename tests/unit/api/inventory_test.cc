// The inventory operations: requests as the SDK sends them, and parsers that read every field,
// tolerate missing, null and wrongly typed ones, and skip (and count) records they cannot use.
#include "daemon/api/inventory.h"

#include <gtest/gtest.h>

#include <map>

namespace swas::api {
namespace {

std::map<std::string, std::string> paramsOf(const ApiCall& call) {
  return {call.params.begin(), call.params.end()};
}

TEST(InventoryRequests, ListInstancesAsTheSdkSendsIt) {
  ListInstancesRequest r{.region_id = "cn-hangzhou",
                         .instance_ids = {"i-1", "i-\"2"},
                         .instance_name = "web-*",
                         .status = "Running",
                         .tags = {{"env", "prod"}, {"team", "ops"}},
                         .page_number = 2,
                         .page_size = 500};
  auto call = toApiCall(r);
  EXPECT_EQ(call.action, "ListInstances");
  EXPECT_EQ(call.version, "2020-06-01");
  auto p = paramsOf(call);
  EXPECT_EQ(p["RegionId"], "cn-hangzhou");
  EXPECT_EQ(p["InstanceIds"], R"(["i-1","i-\"2"])");
  EXPECT_EQ(p["InstanceName"], "web-*");
  EXPECT_EQ(p["Status"], "Running");
  EXPECT_EQ(p["Tag.1.Key"], "env");
  EXPECT_EQ(p["Tag.1.Value"], "prod");
  EXPECT_EQ(p["Tag.2.Key"], "team");
  EXPECT_EQ(p["PageNumber"], "2");
  EXPECT_EQ(p["PageSize"], "100") << "at most 100";
  auto bare = paramsOf(toApiCall(ListInstancesRequest{.region_id = "cn-hangzhou"}));
  EXPECT_FALSE(bare.contains("InstanceIds"));
  EXPECT_FALSE(bare.contains("InstanceName"));
  std::vector<std::string> many;
  for (int i = 0; i < 150; ++i) many.push_back("i-" + std::to_string(i));
  auto capped = paramsOf(toApiCall(ListInstancesRequest{.region_id = "r", .instance_ids = many}));
  EXPECT_EQ(std::count(capped["InstanceIds"].begin(), capped["InstanceIds"].end(), ','), 99)
      << "at most 100 IDs in one call";
}

TEST(InventoryRequests, DescribeCloudAssistantStatusAsTheSdkSendsIt) {
  auto p = paramsOf(toApiCall(DescribeCloudAssistantStatusRequest{
      .region_id = "cn-hangzhou", .instance_ids = {"i-1", "i-2"}, .page_size = 80}));
  EXPECT_EQ(p["RegionId"], "cn-hangzhou");
  EXPECT_EQ(p["InstanceIds"], R"(["i-1","i-2"])");
  EXPECT_EQ(p["PageNumber"], "1");
  EXPECT_EQ(p["PageSize"], "50") << "at most 50";
}

TEST(InventoryParser, EveryFieldOfListInstances) {
  auto page = parseInstancesPage(R"({"RequestId":"R1","TotalCount":3,"PageNumber":1,"PageSize":100,
    "Instances":[
      {"InstanceId":"i-1","InstanceName":"web-1","RegionId":"cn-hangzhou","Status":"Running",
       "BusinessStatus":"Normal","PublicIpAddress":"47.1.1.1","InnerIpAddress":"172.16.0.1",
       "Tags":[{"Key":"env","Value":"prod"},{"Key":"team","Value":"ops"}],
       "NetworkAttributes":[{"PublicIpAddress":"47.9.9.9","PrivateIpAddress":"172.16.9.9"}],
       "ResourceSpec":{"Cpu":2},"Disks":[{"Size":40}],"CreationTime":"2026-01-01T00:00:00Z"},
      {"InstanceId":"i-2","InstanceName":null,"Status":"Stopped",
       "NetworkAttributes":[{"PublicIpAddress":"8.8.8.8","PrivateIpAddress":"10.0.0.2"}]},
      {"InstanceId":"i-3"}
    ]})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->request_id, "R1");
  EXPECT_EQ(page->total_count, 3);
  EXPECT_EQ(page->page_size, 100);
  ASSERT_EQ(page->instances.size(), 3u);
  const auto& a = page->instances[0];
  EXPECT_EQ(a.instance_id, "i-1");
  EXPECT_EQ(a.instance_name, "web-1");
  EXPECT_EQ(a.region_id, "cn-hangzhou");
  EXPECT_EQ(a.status, "Running");
  EXPECT_EQ(a.public_ip, "47.1.1.1") << "the top-level address wins";
  EXPECT_EQ(a.private_ip, "172.16.0.1");
  ASSERT_EQ(a.tags.size(), 2u);
  EXPECT_EQ(a.tags[1], (std::pair<std::string, std::string>{"team", "ops"}));
  EXPECT_EQ(page->instances[1].instance_name, "");
  EXPECT_EQ(page->instances[1].public_ip, "8.8.8.8") << "else NetworkAttributes[0]";
  EXPECT_EQ(page->instances[1].private_ip, "10.0.0.2");
  EXPECT_EQ(page->instances[2].status, "");
  EXPECT_FALSE(page->anomalies.any());
}

TEST(InventoryParser, OddRecordsAreSkippedAndCountedNeverTheWholePage) {
  auto page = parseInstancesPage(R"({"RequestId":"R2","Instances":[
      "junk", 7, {"InstanceName":"no-id"},
      {"InstanceId":"i-ok","InstanceName":["not","a","string"],"Status":5,
       "Tags":[{"Value":"keyless"},"junk",{"Key":"k","Value":null}],"NetworkAttributes":{"x":1}},
      {"InstanceId":"i-\ud800","Tags":null}
    ],"TotalCount":"many"})");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->instances.size(), 2u);
  EXPECT_EQ(page->instances[0].instance_id, "i-ok");
  EXPECT_EQ(page->instances[0].instance_name, "") << "an array is read as empty";
  EXPECT_EQ(page->instances[0].status, "5") << "a number is read as its text";
  ASSERT_EQ(page->instances[0].tags.size(), 1u);
  EXPECT_EQ(page->instances[0].tags[0].second, "");
  EXPECT_EQ(page->instances[1].instance_id, "i-\xEF\xBF\xBD") << "a lone surrogate is U+FFFD";
  EXPECT_EQ(page->anomalies.records, 3) << "junk, 7, and the record without InstanceId";
  EXPECT_GE(page->anomalies.fields, 4);
  EXPECT_FALSE(page->total_count.has_value());
}

TEST(InventoryParser, WhatIsNotAPageIsAParseError) {
  for (const char* body : {"", "[]", "{\"Instances\":5}", "{\"Instances\":[", "\xff\xfe",
                           "{\"Instances\":[]} trailing"}) {
    auto page = parseInstancesPage(body);
    EXPECT_FALSE(page) << body;
    if (!page) {
      EXPECT_EQ(page.error().kind, core::ErrorKind::kParse) << body;
    }
  }
  EXPECT_TRUE(parseInstancesPage("{}")) << "an empty answer is an empty page";
}

TEST(InventoryParser, AgentStatusIsABooleanOrTheRecordIsSkipped) {
  auto page = parseAgentStatusPage(R"({"RequestId":"R3","TotalCount":5,"PageNumber":1,
    "PageSize":50,"CloudAssistantStatus":[
      {"InstanceId":"i-1","Status":true},
      {"InstanceId":"i-2","Status":false},
      {"InstanceId":"i-3","Status":"true"},
      {"InstanceId":"i-4","Status":null},
      {"InstanceId":"i-5","Status":"maybe"},
      {"Status":true},
      "junk"
    ]})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->total_count, 5);
  ASSERT_EQ(page->statuses.size(), 3u);
  EXPECT_TRUE(page->statuses[0].online);
  EXPECT_FALSE(page->statuses[1].online);
  EXPECT_TRUE(page->statuses[2].online) << "\"true\" as a string";
  EXPECT_EQ(page->anomalies.records, 4)
      << "null and unreadable states are unknown, not offline; no ID; not an object";
}

}  // namespace
}  // namespace swas::api
