#include "daemon/state/journal.h"

#include <limits>

namespace swas::state {

std::optional<int64_t> firstObservedFrom(sql::Connection& db, int64_t at) {
  if (at <= 0) return 0;
  // Two subqueries: SQLite reads min() and max() off the key only when each is alone in its
  // SELECT ("SELECT min(id), max(id)" scanned the whole journal).
  sql::Query bounds =
      db.prepare("SELECT (SELECT min(id) FROM transitions), (SELECT max(id) FROM transitions)");
  if (!bounds || bounds.step() != SQLITE_ROW) return std::nullopt;
  if (!bounds.columnOptional(0)) return 0;
  // The smallest x in [min, max + 1] whose first row at or after it was observed at or after
  // `at` (none counts as observed after).
  int64_t lo = bounds.columnInt(0);
  int64_t max = bounds.columnInt(1);
  int64_t hi = max < std::numeric_limits<int64_t>::max() ? max + 1 : max;
  sql::Query first =
      db.prepare("SELECT observed_at FROM transitions WHERE id >= ? ORDER BY id LIMIT 1");
  if (!first) return std::nullopt;
  while (lo < hi) {
    // Unsigned: hi - lo may not fit an int64_t when ids are hand-written at both ends.
    int64_t mid =
        lo + static_cast<int64_t>((static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo)) / 2);
    int rc = first.integer(1, mid).step();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return std::nullopt;
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
