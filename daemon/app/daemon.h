#pragma once

#include <expected>
#include <iosfwd>
#include <memory>
#include <string>

#include "daemon/api/credentials.h"
#include "daemon/config/config.h"
#include "daemon/core/invocation.h"

namespace swas::app {

// The composition root: owns the event loop and builds the object graph from the configuration.
class Daemon {
 public:
  // `config_path` is re-read on SIGHUP.
  Daemon(config::Config config, util::EnvLookup env, std::string config_path);
  ~Daemon();

  // Opens the store and the credentials, builds one poller per region. The message names what
  // failed and what to do.
  std::expected<void, std::string> init(core::TransitionSink& sink);
  // One full poll of every region; 0 when all succeeded, else 1 with the reasons on `err`.
  int once(std::ostream& err);
  // --log-level given: reloads do not change the level.
  void overrideLogLevel(std::string level);
  // Serves the endpoints and polls; SIGHUP reloads the configuration (a bad one is logged and
  // ignored); SIGTERM or SIGINT stop within 10 s, after a last delivery attempt, returning 0.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swas::app
