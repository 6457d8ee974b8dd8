#include "tests/simulator/hostile.h"

namespace swas::sim {

std::pair<std::string, std::string> corruptInstanceField(unsigned pick) {
  switch (pick % 5) {
    case 0:
      return {"ExitCode", "\"1.0\""};
    case 1:
      return {"ExitCode", "1e30"};
    case 2:
      return {"ExitCode", "true"};
    case 3:
      return {"Output", "\"output with a lone surrogate \\ud800 in it\""};
    default:
      return {"ErrorInfo", "{\"nested\":[1,2]}"};
  }
}

std::string junkRecord(unsigned pick) {
  return pick % 2 == 0 ? "42" : "{\"CommandId\":\"c-junk\",\"InvocationStatus\":\"Failed\"}";
}

}  // namespace swas::sim
