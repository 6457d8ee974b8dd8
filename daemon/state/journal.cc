#include "daemon/state/journal.h"

namespace swas::state {

std::optional<int64_t> firstObservedFrom(sql::Connection& db, int64_t at) {
  sql::Query bounds = db.prepare("SELECT min(id), max(id) FROM transitions");
  if (!bounds || bounds.step() != SQLITE_ROW) return std::nullopt;
  if (!bounds.columnOptional(0)) return 0;
  // The answer is the smallest x whose first id at or after it was observed at or after `at`
  // (or has none): in [min, max + 1].
  int64_t lo = bounds.columnInt(0);
  int64_t hi = bounds.columnInt(1) + 1;
  sql::Query first =
      db.prepare("SELECT observed_at FROM transitions WHERE id >= ? ORDER BY id LIMIT 1");
  if (!first) return std::nullopt;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    int rc = first.integer(1, mid).step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return std::nullopt;
    // None left at or after mid (evicted meanwhile) counts as observed later.
    bool later = rc == SQLITE_DONE || first.columnInt(0) >= at;
    first.rewind();
    if (later) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

}  // namespace swas::state
