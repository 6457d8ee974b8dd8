#include <iostream>
#include <string_view>
#include <vector>

#include "daemon/app/app.h"
#include "daemon/http/curl_http_client.h"

// Debian's libcurl loads GnuTLS (through librtmp and libldap) though the daemon's TLS is
// OpenSSL's, and GnuTLS initializes itself in its constructor: 0.7 MiB of resident memory for
// nothing. This is GNUTLS_SKIP_GLOBAL_INIT, GnuTLS's documented way to skip that (a library
// that does use GnuTLS still calls gnutls_global_init itself); exported, so GnuTLS sees it.
extern "C" __attribute__((visibility("default"))) int _gnutls_global_init_skip();  // NOLINT
extern "C" int _gnutls_global_init_skip() { return 1; }                            // NOLINT

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
