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
  Daemon(config::Config config, api::EnvLookup env);
  ~Daemon();

  // Opens the store and the credentials, builds one poller per region. The message names what
  // failed and what to do.
  std::expected<void, std::string> init(core::TransitionSink& sink);
  // One full poll of every region; 0 when all succeeded, else 1 with the reasons on `err`.
  int once(std::ostream& err);
  // Polls until SIGTERM or SIGINT, then stops within 10 s and returns 0.
  int run();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swas::app
