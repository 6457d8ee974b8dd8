#include "tests/bench/raw_iteration.h"

#include <simdjson.h>

#include <cstdio>

namespace swas::bench {
namespace od = simdjson::ondemand;

namespace {

size_t touch(od::value v);

size_t touchObject(od::object object) {
  size_t n = 0;
  for (auto field : object) {
    std::string_view key = field.unescaped_key().value();
    n += key.size() + touch(field.value());
  }
  return n;
}

size_t touch(od::value v) {
  switch (v.type().value()) {
    case od::json_type::object:
      return touchObject(v.get_object().value());
    case od::json_type::array: {
      size_t n = 0;
      for (auto e : v.get_array()) n += touch(e.value());
      return n;
    }
    case od::json_type::string:
      return v.get_string().value().size();
    case od::json_type::number:
      return static_cast<size_t>(v.get_int64().value());
    default:
      return 1;
  }
}

}  // namespace

size_t rawIterate(const std::string& body) {
  thread_local od::parser parser;
  simdjson::padded_string padded(body);
  od::document doc = parser.iterate(padded).value();
  return touchObject(doc.get_object().value());
}

std::string makePage(int invocations, int instances, int output_bytes) {
  std::string out = R"({"RequestId":"30637AD6-D977-4833-A54C-CC89483E0001","TotalCount":3000,)"
                    R"("PageNumber":1,"PageSize":50,"CommandInvocations":[)";
  std::string output;
  for (int i = 0; i < output_bytes; ++i) output.push_back("abcdefgh ijklmnop\\n"[i % 19]);
  if (output.ends_with("\\")) output.back() = 'x';
  char buf[512];
  for (int i = 0; i < invocations; ++i) {
    if (i) out += ',';
    std::snprintf(
        buf, sizeof buf,
        R"({"InvokeId":"t-hz0373jyzxt%04d","CreationTime":"2026-11-28T10:%02d:%02d",)"
        R"("CommandId":"c-hy0338xh28r0001","InvocationStatus":"PartialFailed",)"
        R"("CommandName":"deploy-app","CommandType":"RunShellScript",)"
        R"("CommandDescription":"roll out release 2026.11","Username":"root",)"
        R"("WorkingDir":"/srv/app","Timeout":600,"CommandContent":"L29wdC9kZXBsb3kuc2g=",)"
        R"("Parameters":"{}","InvokeInstances":[)",
        i, i % 60, (i * 7) % 60);
    out += buf;
    for (int j = 0; j < instances; ++j) {
      if (j) out += ',';
      std::snprintf(
          buf, sizeof buf,
          R"({"InstanceId":"2445f4aecdac4b71ba2c7e3a7ccf%04d","StartTime":"2026-11-28T10:00:01Z",)"
          R"("FinishTime":"2026-11-28T10:00:09Z","InvocationStatus":"%s","ExitCode":%d,)"
          R"("ErrorInfo":"%s","ErrorCode":"%s","Output":")",
          j, j == 0 ? "Failed" : "Success", j == 0 ? 1 : 0,
          j == 0 ? "the command execution exit code is not zero" : "",
          j == 0 ? "ExitCodeNonzero" : "");
      out += buf;
      out += output;
      out += "\"}";
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

}  // namespace swas::bench
