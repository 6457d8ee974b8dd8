#pragma once

// The systemd notify protocol: datagrams to $NOTIFY_SOCKET (sd_notify(3)), without libsystemd.
// Outside systemd (no NOTIFY_SOCKET) every call does nothing.

#include <chrono>
#include <optional>
#include <string>

#include "daemon/util/env.h"

namespace swas::systemd {

class Notifier {
 public:
  explicit Notifier(const util::EnvLookup& env);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // How often to send WATCHDOG=1 (half of WATCHDOG_USEC), when systemd watches.
  std::optional<std::chrono::microseconds> watchdogEvery() const { return watchdog_every_; }

  void ready(const std::string& status);
  void status(const std::string& status);
  // RELOADING=1 with MONOTONIC_USEC, as Type=notify-reload requires.
  void reloading();
  void stopping();
  void watchdog();

 private:
  void send(const std::string& message);
  int fd_ = -1;
  std::string address_;
  std::optional<std::chrono::microseconds> watchdog_every_;
};

}  // namespace swas::systemd
