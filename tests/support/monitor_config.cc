#include "tests/support/monitor_config.h"

#include <simdjson.h>

namespace swas::testing {

std::string MonitorConfig::yaml() const {
  std::string regions_yaml;
  for (const auto& r : regions) regions_yaml += "  - region_id: " + r + "\n";
  return "credentials:\n  access_key_id: testid\n  access_key_secret: testsecret\n"
         "api:\n  endpoint: \"" +
         sim_url +
         "\"\n  rate_limit: 1000\n"
         "poll:\n  interval: 100ms\n  initial_lookback: 1h\n"
         "regions:\n" +
         regions_yaml + "state:\n  path: " + state_path +
         "\nhttp:\n  listen: 127.0.0.1:0\n"
         "alerts:\n" +
         alerts_extra + "  receivers:\n    - name: ops\n      type: webhook\n      url: \"" +
         webhook_url + "\"\n" + receiver_extra +
         "  retry:\n    initial_backoff: 50ms\n    max_backoff: 300ms\n";
}

std::map<std::string, int> acceptedFiring(const Recorder& recorder) {
  std::map<std::string, int> out;
  simdjson::dom::parser parser;
  for (const auto& r : recorder.requests()) {
    if (r.answered != 200) continue;
    simdjson::dom::element doc = parser.parse(r.request.body);
    for (simdjson::dom::element a : doc["alerts"].get_array()) {
      if (std::string_view(a["status"].get_string().value()) != "firing") continue;
      auto l = a["labels"];
      ++out[std::string(l["region_id"].get_string().value()) + "/" +
            std::string(l["invoke_id"].get_string().value()) + "/" +
            std::string(l["instance_id"].get_string().value()) + "/" +
            std::string(l["invocation_status"].get_string().value())];
    }
  }
  return out;
}

}  // namespace swas::testing
