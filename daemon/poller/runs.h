#pragma once

// ECS's repeating tasks (Period, EveryReboot, NextRebootOnly), as runs. Such a task stays
// Running overall until it is stopped, and its listing shows each instance's latest run only;
// so the daemon never tracks the task itself, but each run as an invocation of its own
// (core::runKey): a failed 5th run is one occurrence, the 6th another.

#include <vector>

#include "daemon/api/command_invocations.h"
#include "daemon/core/invocation.h"

namespace swas::poller {

// Every Nth poll of an ECS region also lists the repeating tasks not stopped yet (Timed=true),
// so the steady state costs 1 + 1/N DescribeInvocations per poll (1.08: under the 1.1 the
// daemon promises, with room for a poll's unfinished fetch); a full walk always does.
inline constexpr int kTimedListingEvery = 12;

// The runs of a repeating task, one invocation per run number with the instances on it (an
// instance not started yet, on run 0, or Scheduled or Pending, gives none); its overall status
// from those instances. A run is created when it started. Other invocations are returned as
// they are.
std::vector<core::Invocation> asRuns(core::Invocation&& invocation);
// Every repeating task in `items` replaced by its runs, in place.
void expandRuns(std::vector<core::Invocation>& items);

// DescribeInvocationResults' records of one task as runs (one invocation per record), filed under
// `scope`, with `task`'s command; Output kept only where it may alert.
std::vector<core::Invocation> runsOf(const std::string& scope, const core::Invocation& task,
                                     std::vector<api::InvocationResult>&& results,
                                     const core::AlertCondition& alerting);

}  // namespace swas::poller
