#include "daemon/app/app.h"

#include <ostream>

namespace swas::app {
namespace {

constexpr std::string_view kUsage =
    "usage: swas-invocation-monitor --config FILE [--check-config | --once] [--log-level LEVEL]\n"
    "       swas-invocation-monitor --version | --help\n"
    "\n"
    "Polls Alibaba Cloud SWAS DescribeCommandInvocations, tracks every command invocation per\n"
    "instance, exports Prometheus metrics and alerts on Failed, Timeout and ErrorCode.\n";

}  // namespace

int run(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  for (std::string_view arg : args) {
    if (arg == "--version") {
      out << "swas-invocation-monitor " << SWAS_VERSION << " (" << SWAS_REVISION << ")\n";
      return 0;
    }
    if (arg == "--help" || arg == "-h") {
      out << kUsage;
      return 0;
    }
  }
  if (args.empty()) {
    err << kUsage;
    return 2;
  }
  // Only --version and --help exist so far; the daemon modes arrive with the poll engine.
  err << "swas-invocation-monitor: unsupported arguments in this build\n" << kUsage;
  return 2;
}

}  // namespace swas::app
