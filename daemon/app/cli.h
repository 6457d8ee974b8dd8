#pragma once

// The operator's commands (issue 16): `alerts` and `history` read the state file named by the
// configuration, read-only, beside a running daemon. Table output on a terminal (colour unless
// NO_COLOR), JSON lines otherwise or with --output json.

#include <ostream>
#include <span>
#include <string_view>

namespace swas::app {

struct Terminal {
  bool tty = false;    // stdout is a terminal
  bool color = false;  // and NO_COLOR is not set
};

// True when `word` names one of the commands.
bool isCommand(std::string_view word);
// Runs `command` with its arguments; the exit code (0, 1 runtime failure, 2 bad arguments).
int runCommand(std::string_view command, std::span<const std::string_view> args, std::ostream& out,
               std::ostream& err, Terminal terminal);

}  // namespace swas::app
