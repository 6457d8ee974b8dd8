#pragma once

// Private to daemon/state: where the hourly eviction ends in the journal of transitions. The
// journal has no index on observed_at (a poll's commit wrote a page of it every time); its ids
// roughly follow observed_at, so a binary search over ids finds a cutoff in about log2(n)
// lookups by primary key. Roughly: a poll's rows are stamped with its start and committed at its
// end, a full walk's chunks all with its start, between other regions' commits, and the clock
// may step back. So the answer is one boundary between earlier and later stamps, not the exact
// first of them: right for an eviction that keeps its own condition on observed_at (it may keep
// a row until a later eviction, never take one early), not for listing rows by time.

#include <cstdint>
#include <optional>

#include "daemon/state/sqlite.h"

namespace swas::state {

// An id x where the row at or after x was observed at or after `at` (unix seconds) and the one
// before it was not: max(id) + 1 when every row was observed before `at`, min(id) when none
// was, 0 for an empty journal or `at` <= 0; nullopt when a read failed.
std::optional<int64_t> firstObservedFrom(sql::Connection& db, int64_t at);

}  // namespace swas::state
