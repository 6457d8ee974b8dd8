#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace swas::app {

// The command line: parses arguments and runs the requested mode. Returns the exit code
// (0 success, 1 runtime failure, 2 invalid arguments or configuration).
int run(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace swas::app
