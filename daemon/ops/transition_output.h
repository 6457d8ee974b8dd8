#pragma once

#include <iosfwd>
#include <string>

#include "daemon/core/invocation.h"

namespace swas::ops {

// The contract's --once line: one JSON object per per-instance transition.
std::string transitionJson(const core::Transition& t);

// Prints every transition as a JSON line (--once).
class JsonLinesSink final : public core::TransitionSink {
 public:
  explicit JsonLinesSink(std::ostream& out) : out_(out) {}
  void onTransitions(const std::string& region_id, const std::vector<core::Transition>& transitions,
                     const std::vector<core::OverallChange>& overall_changes) override;

 private:
  std::ostream& out_;
};

// Logs transitions that start an alert occurrence at warn, the others at debug (run mode).
class LogSink final : public core::TransitionSink {
 public:
  void onTransitions(const std::string& region_id, const std::vector<core::Transition>& transitions,
                     const std::vector<core::OverallChange>& overall_changes) override;
};

}  // namespace swas::ops
