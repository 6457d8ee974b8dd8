#include "daemon/ops/transition_output.h"

#include <spdlog/spdlog.h>

#include <ostream>

#include "daemon/core/json.h"
#include "daemon/core/scope.h"

namespace swas::ops {

std::string transitionJson(const core::Transition& t) {
  std::string out;
  core::JsonObject o(out);
  // The account only with accounts: (the contract's keys stay as they were without).
  core::Scope scope = core::Scope::fromKey(t.scope);
  if (!scope.account().empty()) o.str("account", scope.account());
  if (scope.product() == core::Product::kEcs) o.str("product", "ecs");
  auto [invoke_id, run] = core::splitRunKey(t.invoke_id);
  if (run) o.num("run", *run);  // a run of an ECS repeating task
  o.str("region_id", scope.regionId())
      .str("invoke_id", invoke_id)
      .str("instance_id", t.instance_id)
      .str("command_id", t.command_id)
      .str("command_name", t.command_name)
      .str("from", t.from)
      .str("to", t.to)
      .str("error_code", t.error_code);
  if (t.exit_code)
    o.num("exit_code", *t.exit_code);
  else
    o.null("exit_code");
  o.str("creation_time", t.creation_time)
      .str("finish_time", t.finish_time)
      .boolean("alertable", t.alertable)
      .boolean("alert", t.occurrence);
  o.close();
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

}  // namespace swas::ops
