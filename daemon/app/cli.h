#pragma once

// The operator's commands from the command line: the arguments, the state file the configuration
// names (or --state), and test-alert's receivers. What `status`, `alerts` and `history` print is
// the ops room's (daemon/ops/commands.h).

#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "daemon/config/config.h"

namespace swas::app {

struct Terminal {
  bool tty = false;    // stdout is a terminal
  bool color = false;  // and NO_COLOR is not set
};

// True when `word` names one of the commands.
bool isCommand(std::string_view word);
// test-alert: a sample firing alert, then its resolution, to the receiver `name` now; prints
// each answer; 0 when both were delivered, 1 when not, 2 for an unknown receiver.
int testAlert(const config::Config& config, const std::string& name, std::ostream& out,
              std::ostream& err);

// Runs `command` with its arguments; the exit code (0, 1 runtime failure, 2 bad arguments).
int runCommand(std::string_view command, std::span<const std::string_view> args, std::ostream& out,
               std::ostream& err, Terminal terminal);

}  // namespace swas::app
