#pragma once

// Private to daemon/state: where in the journal of transitions a time begins. The journal has
// no index on observed_at (a poll's commit wrote a page of it every time, for the hourly
// eviction and `history --since` only); its ids follow the order transitions were observed
// in, so a binary search over ids finds a time in about log2(n) lookups by primary key.

#include <cstdint>
#include <optional>

#include "daemon/state/sqlite.h"

namespace swas::state {

// The smallest id from which every transition was observed at or after `at` (unix seconds):
// max(id) + 1 when none was, 0 for an empty journal; nullopt when a read failed. Exact while
// the clock never stepped back; after a step back it is one boundary between earlier and later
// stamps, so callers keep their condition on observed_at too and never take a row too early.
std::optional<int64_t> firstObservedFrom(sql::Connection& db, int64_t at);

}  // namespace swas::state
