// swas-sim: the SWAS API simulator. See the contract: --listen HOST:PORT [--scenario FILE]
// [--seed N]; the first stdout line is "listening on HOST:PORT".
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <string>

#include "daemon/http/http_server.h"
#include "tests/simulator/gateway.h"

namespace {

int usage() {
  std::cerr << "usage: swas-sim --listen HOST:PORT [--scenario FILE] [--seed N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  std::string scenario_path;
  std::optional<uint64_t> seed;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (arg == "--listen")
      listen = value();
    else if (arg == "--scenario")
      scenario_path = value();
    else if (arg == "--seed")
      seed = std::stoull(value());
    else if (arg == "--help")
      return usage();
    else {
      std::cerr << "swas-sim: unknown argument " << arg << "\n";
      return usage();
    }
  }
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return usage();
  std::string host = listen.substr(0, colon);
  uint16_t port = static_cast<uint16_t>(std::stoi(listen.substr(colon + 1)));

  swas::sim::Scenario scenario;
  try {
    if (!scenario_path.empty()) scenario = swas::sim::loadScenario(scenario_path);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
  if (seed) {
    scenario.seed = *seed;
    scenario.generator.seed = *seed;
  }

  boost::asio::io_context io;
  swas::sim::Gateway gateway(io, std::move(scenario));
  swas::http::HttpServer server(
      io,
      [&gateway](swas::http::ServerRequest request, swas::http::Responder respond) {
        gateway.handle(std::move(request), std::move(respond));
      },
      {.max_body_bytes = 1u << 20, .max_connections = 4096});
  auto bound = server.listen(host, port);
  if (!bound) {
    std::cerr << "swas-sim: " << bound.error() << "\n";
    return 1;
  }
  std::cout << "listening on " << host << ":" << *bound << std::endl;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code, int) {
    server.stop();
    io.stop();
  });
  io.run();
  return 0;
}
