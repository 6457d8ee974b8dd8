#pragma once

// The hostile API: answers a buggy or lying API might give, for the daemon to survive
// (faults bad_fields, bad_records, lying_total, vanish; huge Retry-After is
// throttle_retry_after_ms). Each is counted in /_sim/stats under "hostile".

#include <string>
#include <utility>

namespace swas::sim {

// A corrupt field of an instance record, as (key, raw JSON value), by `pick` modulo 5: an
// ExitCode of "1.0", of 1e30, of true; an Output with a lone surrogate; an ErrorInfo object.
std::pair<std::string, std::string> corruptInstanceField(unsigned pick);
// A record that is no invocation (a number, or an object without InvokeId), by `pick` modulo 2.
std::string junkRecord(unsigned pick);
// The TotalCount a lying API reports.
inline constexpr long long kLyingTotal = 1'000'000'000'000;

}  // namespace swas::sim
