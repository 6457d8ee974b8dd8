#include "daemon/app/transition_output.h"

#include <spdlog/spdlog.h>

#include <ostream>

#include "daemon/core/json.h"

namespace swas::app {

std::string transitionJson(const core::Transition& t) {
  std::string out = "{";
  auto field = [&](const char* key, const std::string& value) {
    if (out.size() > 1) out += ',';
    core::appendJsonString(out, key);
    out += ':';
    core::appendJsonString(out, value);
  };
  field("region_id", t.region_id);
  field("invoke_id", t.invoke_id);
  field("instance_id", t.instance_id);
  field("command_id", t.command_id);
  field("command_name", t.command_name);
  field("from", t.from);
  field("to", t.to);
  field("error_code", t.error_code);
  out += ",\"exit_code\":";
  out += t.exit_code ? std::to_string(*t.exit_code) : "null";
  field("creation_time", t.creation_time);
  field("finish_time", t.finish_time);
  out += ",\"alertable\":";
  out += t.alertable ? "true" : "false";
  out += ",\"alert\":";
  out += t.occurrence ? "true" : "false";
  out += '}';
  return out;
}

void JsonLinesSink::onTransitions(const std::string&,
                                  const std::vector<core::Transition>& transitions,
                                  const std::vector<core::OverallChange>&) {
  for (const auto& t : transitions) out_ << transitionJson(t) << '\n';
  out_.flush();
}

void LogSink::onTransitions(const std::string& region_id,
                            const std::vector<core::Transition>& transitions,
                            const std::vector<core::OverallChange>&) {
  for (const auto& t : transitions) {
    // Failures at warn, so an operator's log shows them; the rest of the flow at debug.
    spdlog::log(t.occurrence ? spdlog::level::warn : spdlog::level::debug,
                "transition region={} invoke_id={} instance_id={} command={} {} -> {}{}{}",
                region_id, t.invoke_id, t.instance_id, t.command_name, t.from, t.to,
                t.error_code.empty() ? "" : " error_code=", t.error_code);
  }
}

}  // namespace swas::app
