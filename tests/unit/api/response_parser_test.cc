#include "daemon/api/response_parser.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "daemon/api/api_error.h"
#include "daemon/api/command_invocations.h"

namespace swas::api {
namespace {

// The documented sample response (DescribeCommandInvocations.txt).
constexpr std::string_view kDocSample = R"({
  "RequestId": "30637AD6-D977-4833-A54C-CC89483E****",
  "TotalCount": 10, "PageNumber": 1, "PageSize": 10,
  "CommandInvocations": [{
      "InvokeId": "t-hz0373jyzxt****", "CreationTime": "2023-04-27T10:11:58",
      "CommandId": "c-hy0338xh28r****", "InvocationStatus": "Success",
      "CommandName": "testCommandName", "CommandType": "RunShellScript",
      "CommandDescription": "testDescription", "Username": "root",
      "WorkingDir": "c:\\wwwroot", "Timeout": 60, "CommandContent": "echo 123",
      "Parameters": "{}",
      "InvokeInstances": [{
          "InstanceId": "2445f4aecdac4b71ba2c7e3a7ccf****", "StartTime": "2023-05-09T03:32:24Z",
          "FinishTime": "2023-04-03T02:42:29Z", "InvocationStatus": "Running",
          "Output": "OutputMsg", "ExitCode": 0,
          "ErrorInfo": "the specified instance does not exists", "ErrorCode": "InstanceNotExists"
      }]
  }]
})";

TEST(ParsePage, DocumentedSample) {
  auto page = parseCommandInvocationsPage(kDocSample);
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->request_id, "30637AD6-D977-4833-A54C-CC89483E****");
  EXPECT_EQ(page->total_count, 10);
  EXPECT_EQ(page->page_number, 1);
  EXPECT_EQ(page->page_size, 10);
  ASSERT_EQ(page->invocations.size(), 1u);
  const auto& inv = page->invocations[0];
  EXPECT_EQ(inv.invoke_id, "t-hz0373jyzxt****");
  EXPECT_EQ(inv.creation_time, "2023-04-27T10:11:58");
  EXPECT_EQ(inv.command_id, "c-hy0338xh28r****");
  EXPECT_EQ(inv.invocation_status, "Success");
  EXPECT_EQ(inv.command_name, "testCommandName");
  EXPECT_EQ(inv.command_type, "RunShellScript");
  EXPECT_EQ(inv.command_description, "testDescription");
  EXPECT_EQ(inv.username, "root");
  EXPECT_EQ(inv.working_dir, "c:\\wwwroot");
  EXPECT_EQ(inv.timeout, 60);
  EXPECT_EQ(inv.command_content, "echo 123");
  EXPECT_EQ(inv.parameters, "{}");
  ASSERT_EQ(inv.instances.size(), 1u);
  const auto& inst = inv.instances[0];
  EXPECT_EQ(inst.instance_id, "2445f4aecdac4b71ba2c7e3a7ccf****");
  EXPECT_EQ(inst.start_time, "2023-05-09T03:32:24Z");
  EXPECT_EQ(inst.finish_time, "2023-04-03T02:42:29Z");
  EXPECT_EQ(inst.invocation_status, "Running");
  EXPECT_EQ(inst.output, "OutputMsg");
  EXPECT_EQ(inst.exit_code, 0);
  EXPECT_EQ(inst.error_info, "the specified instance does not exists");
  EXPECT_EQ(inst.error_code, "InstanceNotExists");
}

TEST(ParsePage, ToleratesMissingNullStringIntsUnknownFieldsAndStatuses) {
  auto page = parseCommandInvocationsPage(R"({"TotalCount":"3","Extra":{"a":[1,2]},
    "CommandInvocations":[{"InvokeId":"t-1","Timeout":null,"CommandName":null,
      "InvocationStatus":"SomethingNew","Future":[{"x":1}],
      "InvokeInstances":[{"InstanceId":"i1","ExitCode":"-1","ErrorCode":null,
                          "InvocationStatus":"Rebooting"},
                         {"InstanceId":"i2","ExitCode":1.0,"InvocationStatus":"Failed"}]}]})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_EQ(page->total_count, 3);
  EXPECT_FALSE(page->page_number);
  const auto& inv = page->invocations.at(0);
  EXPECT_EQ(inv.invocation_status, "SomethingNew");
  EXPECT_FALSE(inv.timeout);
  EXPECT_EQ(inv.command_name, "");
  EXPECT_EQ(inv.instances.at(0).exit_code, -1);
  EXPECT_EQ(inv.instances.at(0).invocation_status, "Rebooting");
  EXPECT_EQ(inv.instances.at(0).error_code, "");
  EXPECT_EQ(inv.instances.at(1).exit_code, 1);
}

TEST(ParsePage, EmptyAndNullListsAndXmlStyleWrapper) {
  auto empty = parseCommandInvocationsPage(R"({"TotalCount":0,"CommandInvocations":[]})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->invocations.empty());
  auto null_list = parseCommandInvocationsPage(R"({"CommandInvocations":null})");
  ASSERT_TRUE(null_list);
  auto wrapped = parseCommandInvocationsPage(
      R"({"CommandInvocations":{"CommandInvocation":[{"InvokeId":"t-1",
          "InvokeInstances":{"InvokeInstance":[{"InstanceId":"i1","InvocationStatus":"Running"}]}}]}})");
  ASSERT_TRUE(wrapped) << wrapped.error().message;
  EXPECT_EQ(wrapped->invocations.at(0).instances.at(0).instance_id, "i1");
}

TEST(ParsePage, LargeOutputAndEscapes) {
  std::string output(3u << 20, 'x');
  output += "\\n\\u00e9\\\"";
  std::string body =
      R"({"CommandInvocations":[{"InvokeId":"t-1","InvokeInstances":[{"InstanceId":"i","InvocationStatus":"Success","Output":")" +
      output + R"("}]}]})";
  auto page = parseCommandInvocationsPage(body);
  ASSERT_TRUE(page) << page.error().message;
  const std::string& got = page->invocations[0].instances[0].output;
  EXPECT_EQ(got.size(), (3u << 20) + 1 + 2 + 1);
  EXPECT_TRUE(got.ends_with("\n\xC3\xA9\""));
}

void expectParseError(std::string_view body, std::string_view needle) {
  auto page = parseCommandInvocationsPage(body);
  ASSERT_FALSE(page) << "accepted: " << body;
  EXPECT_EQ(page.error().kind, core::ErrorKind::kParse);
  EXPECT_NE(page.error().message.find(needle), std::string::npos) << page.error().message;
}

TEST(ParsePage, MalformedBodiesAreParseErrors) {
  expectParseError("", "response body");
  expectParseError("not json", "response body");
  expectParseError("[1,2]", "not a JSON object");
  expectParseError(R"({"TotalCount":1,"CommandInvocations":[{"InvokeId":"t-1")", "");
  expectParseError(R"({"TotalCount":1,"CommandInvocations":[{"InvokeId":"t-)", "");
  expectParseError(R"({"TotalCount":1} trailing)", "trailing");
  expectParseError("{\"RequestId\":\"\xff\xfe\"}", "UTF-8");
}

// The parser reads a copy of the body from one buffer per thread: what an earlier, longer
// body left in it must never be read as part of a later, shorter one.
std::string pageOf(const std::string& invoke_id, size_t output_bytes) {
  return R"({"TotalCount":1,"CommandInvocations":[{"InvokeId":")" + invoke_id +
         R"(","InvocationStatus":"Failed","InvokeInstances":[{"InstanceId":"i",)"
         R"("InvocationStatus":"Failed","Output":")" +
         std::string(output_bytes, 'x') + R"("}]}]})";
}

TEST(ParsePage, AShorterBodyAfterALongerOneIsReadAsItIs) {
  // Within what the buffer keeps (1 MiB), and past it (given back after the parse).
  for (size_t longer : {size_t{4096}, size_t{2} << 20}) {
    const std::string long_page = pageOf("t-long", longer);
    ASSERT_TRUE(parseCommandInvocationsPage(long_page)) << longer;
    auto shorter = parseCommandInvocationsPage(pageOf("t-short", 10));
    ASSERT_TRUE(shorter) << shorter.error().message;
    ASSERT_EQ(shorter->invocations.size(), 1u);
    EXPECT_EQ(shorter->invocations[0].invoke_id, "t-short");
    EXPECT_EQ(shorter->invocations[0].instances[0].output, std::string(10, 'x'));
    // A shorter body cut well before the longer one's end (more than the padding) is an error,
    // not completed by the longer one's bytes.
    ASSERT_TRUE(parseCommandInvocationsPage(long_page)) << longer;
    expectParseError(std::string_view(long_page).substr(0, long_page.size() / 2), "");
  }
}

TEST(ParsePage, ABodyThatIsNoPageIsStillAnError) {
  expectParseError(R"({"CommandInvocations":"none"})", "CommandInvocations");
}

// One bad field never fails the page: the field reads as its default, counted; the other
// records (and their failures) come through.
TEST(ParsePage, ABadFieldIsReadAsItsDefaultAndCounted) {
  auto page = parseCommandInvocationsPage(R"({"TotalCount":"ten","CommandInvocations":[
    {"InvokeId":"t-1","InvocationStatus":"Failed","InvokeInstances":[{"InstanceId":"i-1","InvocationStatus":"Failed",
      "Output":"bad \ud800 surrogate","ExitCode":"1.0"}]},
    {"InvokeId":"t-2","InvocationStatus":"Failed","InvokeInstances":[{"InstanceId":"i-1","InvocationStatus":"Failed",
      "ExitCode":1e30}]},
    {"InvokeId":"t-3","InvocationStatus":"Failed","CommandName":{"a":1},"Timeout":[1],"InvokeInstances":[
      {"InstanceId":"i-1","ExitCode":true,"InvocationStatus":"Timeout"}]},
    {"InvokeId":"t-4","InvocationStatus":"Failed","InvokeInstances":[{"InstanceId":"i-1","ExitCode":-19223372036854775809,
      "InvocationStatus":"Failed"},{"InstanceId":"i-2","ExitCode":"2","ErrorCode":"\uDC00x",
      "InvocationStatus":"Failed"}]}
  ]})");
  ASSERT_TRUE(page) << page.error().message;
  EXPECT_FALSE(page->total_count);
  ASSERT_EQ(page->invocations.size(), 4u);
  const auto& first = page->invocations[0].instances.at(0);
  EXPECT_EQ(first.output, "bad \xEF\xBF\xBD surrogate");
  EXPECT_EQ(first.exit_code, 1) << "a decimal string of an integer is that integer";
  EXPECT_EQ(first.invocation_status, "Failed");
  EXPECT_FALSE(page->invocations[1].instances.at(0).exit_code) << "1e30 is out of range";
  EXPECT_EQ(page->invocations[1].instances.at(0).invocation_status, "Failed");
  EXPECT_EQ(page->invocations[2].command_name, "");
  EXPECT_FALSE(page->invocations[2].timeout);
  EXPECT_EQ(page->invocations[2].instances.at(0).invocation_status, "Timeout");
  EXPECT_FALSE(page->invocations[3].instances.at(0).exit_code);
  EXPECT_EQ(page->invocations[3].instances.at(1).exit_code, 2);
  EXPECT_EQ(page->invocations[3].instances.at(1).error_code, "\xEF\xBF\xBDx");
  // TotalCount, Output, 1e30, CommandName, Timeout, true, the overflow, ErrorCode.
  EXPECT_EQ(page->anomalies.fields, 8);
  EXPECT_EQ(page->anomalies.records, 0);
  EXPECT_NE(page->anomalies.first_field.find("TotalCount"), std::string::npos);
}

TEST(ParsePage, ABadRecordIsSkippedAndCounted) {
  auto page = parseCommandInvocationsPage(R"({"CommandInvocations":[
    42, "x", {"CommandId":"c-no-invoke-id"},
    {"InvokeId":"t-1","InvocationStatus":"Failed","InvokeInstances":[7,{"InvocationStatus":"Failed"},
      {"InstanceId":"i-1","InvocationStatus":"Failed"}]},
    {"InvokeId":"t-2","InvocationStatus":"Failed","InvokeInstances":"lost"}
  ]})");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->invocations.size(), 2u);
  EXPECT_EQ(page->invocations[0].invoke_id, "t-1");
  ASSERT_EQ(page->invocations[0].instances.size(), 1u);
  EXPECT_EQ(page->invocations[0].instances[0].instance_id, "i-1");
  EXPECT_TRUE(page->invocations[1].instances.empty());
  EXPECT_EQ(page->anomalies.records, 5);
  EXPECT_EQ(page->anomalies.fields, 1) << "InvokeInstances that is no list";
  EXPECT_EQ(page->anomalies.first_record, "CommandInvocations[]: not an object, skipped");
  EXPECT_EQ(page->anomalies.first_field, "InvokeInstances: expected a list, read as empty");
}

// A key with a bad escape is no key the parser knows: skipped and counted, never a failed page.
TEST(ParsePage, AKeyWithABadEscapeIsSkipped) {
  auto page = parseCommandInvocationsPage(R"({"CommandInvocations":[{"InvokeId":"a",
    "InvocationStatus":"Success"},{"InvokeId":"b","X\q":1,"\uD800":2,"InvocationStatus":
    "Failed","InvokeInstances":[{"InstanceId":"i","InvocationStatus":"Failed","\uZZ":0}]}]})");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->invocations.size(), 2u);
  EXPECT_EQ(page->invocations[1].instances.at(0).invocation_status, "Failed");
  EXPECT_EQ(page->anomalies.fields, 3);
}

// A null or wrongly typed status is unknown, not "": such an instance is skipped, and an overall
// status is derived from the instances.
TEST(ParsePage, AMissingStatusIsNeverReadAsAStatus) {
  auto page = parseCommandInvocationsPage(R"({"CommandInvocations":[
    {"InvokeId":"a","InvocationStatus":null,"InvokeInstances":[
      {"InstanceId":"i-1","InvocationStatus":"Failed"},{"InstanceId":"i-2","InvocationStatus":{}},
      {"InstanceId":"i-3","InvocationStatus":"Success"}]},
    {"InvokeId":"b","InvokeInstances":[{"InstanceId":"i-1","InvocationStatus":"Running"}]},
    {"InvokeId":"c","InvocationStatus":null}]})");
  ASSERT_TRUE(page) << page.error().message;
  ASSERT_EQ(page->invocations.size(), 2u);
  EXPECT_EQ(page->invocations[0].invocation_status, "PartialFailed");
  ASSERT_EQ(page->invocations[0].instances.size(), 2u);
  EXPECT_EQ(page->invocations[0].instances[1].instance_id, "i-3");
  EXPECT_EQ(page->invocations[1].invocation_status, "Running");
  EXPECT_EQ(page->anomalies.records, 2) << "i-2 and c";
}

TEST(DecodeJsonString, LenientWhereJsonIsStrict) {
  EXPECT_EQ(decodeJsonStringLeniently(R"("a\nb\u00e9\ud83d\ude00")"),
            "a\nb\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(decodeJsonStringLeniently(R"("\ud800")"), "\xEF\xBF\xBD");
  EXPECT_EQ(decodeJsonStringLeniently(R"("\udc00\ud800x")"), "\xEF\xBF\xBD\xEF\xBF\xBDx");
  EXPECT_EQ(decodeJsonStringLeniently(R"("\uZZZZ\q")"), "\xEF\xBF\xBDZZZZ\xEF\xBF\xBD");
  EXPECT_EQ(decodeJsonStringLeniently("\"trailing\\"), "trailing\\");
  EXPECT_EQ(decodeJsonStringLeniently("\""), "");
}

TEST(ParseRegions, ReadsList) {
  auto regions = parseRegions(
      R"({"RequestId":"r","Regions":[{"RegionId":"cn-hangzhou","LocalName":"华东1（杭州）",
          "RegionEndpoint":"swas.cn-hangzhou.aliyuncs.com"}]})");
  ASSERT_TRUE(regions);
  ASSERT_EQ(regions->size(), 1u);
  EXPECT_EQ((*regions)[0].region_endpoint, "swas.cn-hangzhou.aliyuncs.com");
}

http::HttpResponse response(int status, std::string body, http::Headers headers = {}) {
  return http::HttpResponse{status, std::move(headers), std::move(body)};
}

TEST(ClassifyError, ThrottlingIsRetryableWithRetryAfter) {
  auto e = classifyErrorResponse(response(
      400,
      R"({"Code":"Throttling.User","Message":"Request was denied due to user flow control.",
          "RequestId":"R1","HostId":"swas.cn-hangzhou.aliyuncs.com","Recommend":"https://x"})",
      {{"x-acs-retry-after", "1500"}}));
  EXPECT_EQ(e.kind, core::ErrorKind::kApi);
  EXPECT_EQ(e.code, "Throttling.User");
  EXPECT_EQ(e.request_id, "R1");
  EXPECT_TRUE(e.retryable);
  EXPECT_EQ(e.retry_after, std::chrono::milliseconds(1500));
  EXPECT_EQ(core::metricCode(e), "Throttling.User");
}

TEST(ClassifyError, AuthErrorsAreNotRetryableAndKeepTheServerStringToSign) {
  for (const char* code :
       {"SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeyId.NotFound",
        "InvalidTimeStamp.Expired", "Forbidden.RAM", "InvalidSecurityToken.Expired"}) {
    auto e = classifyErrorResponse(response(
        400,
        std::string(R"({"Code":")") + code +
            R"(","Message":"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&A","RequestId":"R2"})"));
    EXPECT_FALSE(e.retryable) << code;
    EXPECT_TRUE(isAuthError(code)) << code;
    EXPECT_NE(core::describe(e).find("server string to sign is:POST&%2F&A"), std::string::npos);
    EXPECT_NE(core::describe(e).find("RequestId=R2"), std::string::npos);
  }
  // 404 for an unknown key is documented too.
  EXPECT_FALSE(
      classifyErrorResponse(response(404, R"({"Code":"InvalidAccessKeyId.NotFound"})")).retryable);
}

TEST(ClassifyError, ServerErrorsAndBodylessStatuses) {
  auto unavailable = classifyErrorResponse(response(503, R"({"Code":"ServiceUnavailable"})"));
  EXPECT_TRUE(unavailable.retryable);
  auto bare = classifyErrorResponse(response(502, "<html>bad gateway</html>"));
  EXPECT_EQ(bare.kind, core::ErrorKind::kHttpStatus);
  EXPECT_TRUE(bare.retryable);
  EXPECT_EQ(core::metricCode(bare), "HTTP_502");
  auto teapot = classifyErrorResponse(response(418, ""));
  EXPECT_FALSE(teapot.retryable);
  auto too_many = classifyErrorResponse(response(429, "", {{"Retry-After", "3"}}));
  EXPECT_TRUE(too_many.retryable);
  EXPECT_EQ(too_many.retry_after, std::chrono::milliseconds(3000));
}

// A huge wait neither overflows the conversion to milliseconds nor exceeds a day.
TEST(ClassifyError, HugeRetryAfterIsClampedToADay) {
  auto seconds = classifyErrorResponse(response(429, "", {{"Retry-After", "9223372036854775807"}}));
  EXPECT_EQ(seconds.retry_after, std::chrono::hours(24));
  auto ms =
      classifyErrorResponse(response(429, "", {{"x-acs-retry-after", "9223372036854775807"}}));
  EXPECT_EQ(ms.retry_after, std::chrono::hours(24));
}

TEST(ParseMetadataCredentials, ReadsStsTriple) {
  auto c = parseMetadataCredentials(
      R"({"AccessKeyId":"STS.id","AccessKeySecret":"s","SecurityToken":"t",
          "Expiration":"2026-11-28T22:00:00Z","LastUpdated":"x","Code":"Success"})");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->access_key_id, "STS.id");
  EXPECT_EQ(c->expiration, "2026-11-28T22:00:00Z");
  EXPECT_FALSE(parseMetadataCredentials("{"));
}

}  // namespace
}  // namespace swas::api

namespace swas::api {
namespace {

TEST(ToInvocations, CommandNameIsFilteredHereBecauseTheApiIgnoresItWithInstanceId) {
  auto record = [](std::string id, std::string name) {
    CommandInvocation r;
    r.invoke_id = std::move(id);
    r.command_name = std::move(name);
    r.invocation_status = "Failed";
    r.instances.push_back({.instance_id = "i1",
                           .invocation_status = "Failed",
                           .output = "out",
                           .error_info = "info"});
    r.instances.push_back({.instance_id = "i2", .invocation_status = "Success", .output = "ok"});
    return r;
  };
  DescribeCommandInvocationsRequest request;
  request.region_id = "cn-hangzhou";
  request.instance_id = "i1";
  request.command_name = "deploy";
  core::AlertCondition alerting;
  auto out = toInvocations(request.region_id, request,
                           {record("a", "deploy"), record("b", "backup")}, alerting);
  ASSERT_EQ(out.size(), 1u) << "the record of another command is dropped";
  EXPECT_EQ(out[0].invoke_id, "a");
  EXPECT_EQ(out[0].scope, "cn-hangzhou");
  ASSERT_EQ(out[0].instances.size(), 2u);
  EXPECT_EQ(out[0].instances[0].output, "out") << "an alerting instance keeps its Output";
  EXPECT_EQ(out[0].instances[1].output, "") << "the Output policy drops the rest";
  request.command_name.clear();
  EXPECT_EQ(toInvocations(request.region_id, request,
                          {record("a", "deploy"), record("b", "backup")}, alerting)
                .size(),
            2u);
}

// A parser's exception (a bug) fails the call as internal: it was thrown from the HTTP answer's
// handler on the event loop, out of the loop, and ended the process.
TEST(ParseGuardedTest, AParsersExceptionIsAnInternalErrorAndOtherErrorsKeepTheRequestId) {
  std::string body = R"({"RequestId":"R-7","CommandInvocations":"none"})";
  auto thrown = parseGuarded<CommandInvocationPage>(
      body, [](std::string_view) -> std::expected<CommandInvocationPage, core::Error> {
        throw std::out_of_range("a bug in a parser");
      });
  ASSERT_FALSE(thrown);
  EXPECT_EQ(thrown.error().kind, core::ErrorKind::kInternal);
  EXPECT_EQ(thrown.error().message, "parsing the answer failed: a bug in a parser");
  auto parsed = parseGuarded<CommandInvocationPage>(body, parseCommandInvocationsPage);
  ASSERT_FALSE(parsed) << "CommandInvocations is not a list";
  EXPECT_EQ(parsed.error().kind, core::ErrorKind::kParse);
  EXPECT_EQ(parsed.error().request_id, "R-7");
}

}  // namespace
}  // namespace swas::api
