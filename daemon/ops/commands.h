#pragma once

// The operator's commands over the state file's read model (state::StateReader, read-only
// beside a running daemon): `status`, `alerts` and `history`. A table on a terminal (colour
// unless NO_COLOR), JSON lines otherwise. Each returns the exit code: 0, or 1 when the state
// could not be read (the reason on `err`, terminal-safe).

#include <ostream>

#include "daemon/state/state_reader.h"

namespace swas::ops {

struct View {
  bool table = false;  // a table, else JSON lines
  bool color = false;  // colour the rows that need attention (tables only)
};

int showStatus(state::StateReader& reader, View view, std::ostream& out, std::ostream& err);
int showAlerts(state::StateReader& reader, View view, std::ostream& out, std::ostream& err);
int showHistory(state::StateReader& reader, const state::HistoryFilter& filter, View view,
                std::ostream& out, std::ostream& err);

}  // namespace swas::ops
