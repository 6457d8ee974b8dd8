#include <iostream>
#include <string_view>
#include <vector>

#include "daemon/app/app.h"
#include "daemon/http/curl_http_client.h"

int main(int argc, char** argv) {
#if defined(__x86_64__)
  // The JSON parser is built for SSE4.2 and PCLMUL (daemon/api/CMakeLists.txt).
  if (!__builtin_cpu_supports("sse4.2") || !__builtin_cpu_supports("pclmul")) {
    std::cerr << "swas-invocation-monitor: this CPU lacks SSE4.2/PCLMUL, which the build needs\n";
    return 1;
  }
#endif
  swas::http::globalInitCurl();
  std::vector<std::string_view> args(argv + 1, argv + argc);
  return swas::app::run(args, std::cout, std::cerr);
}
