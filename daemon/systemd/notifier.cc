#include "daemon/systemd/notifier.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

namespace swas::systemd {

Notifier::Notifier(const util::EnvLookup& env) {
  std::string path = env("NOTIFY_SOCKET").value_or("");
  if (path.empty() || (path[0] != '/' && path[0] != '@') ||
      path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return;
  }
  // Non-blocking: a full notify queue drops a message rather than stalling the event loop.
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) {
    spdlog::warn("systemd notify: cannot create a socket: {}", std::strerror(errno));
    return;
  }
  address_ = path;
  std::string usec = env("WATCHDOG_USEC").value_or("");
  std::string pid = env("WATCHDOG_PID").value_or("");
  if (!usec.empty() && (pid.empty() || pid == std::to_string(getpid()))) {
    try {
      long long value = std::stoll(usec);
      if (value > 0) watchdog_every_ = std::chrono::microseconds(value / 2);
    } catch (const std::exception&) {
      spdlog::warn("systemd notify: ignoring WATCHDOG_USEC={}", usec);
    }
  }
}

Notifier::~Notifier() {
  if (fd_ >= 0) ::close(fd_);
}

void Notifier::send(const std::string& message) {
  if (fd_ < 0) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  if (::sendto(fd_, message.data(), message.size(), MSG_NOSIGNAL,
               reinterpret_cast<const sockaddr*>(&addr), len) < 0) {
    spdlog::debug("systemd notify: {}", std::strerror(errno));
  }
}

void Notifier::ready(const std::string& status) { send("READY=1\nSTATUS=" + status); }

void Notifier::status(const std::string& status) { send("STATUS=" + status); }

void Notifier::reloading() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  long long usec = static_cast<long long>(ts.tv_sec) * 1'000'000 + ts.tv_nsec / 1000;
  send("RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=" + std::to_string(usec));
}

void Notifier::stopping() { send("STOPPING=1\nSTATUS=stopping"); }

void Notifier::watchdog() { send("WATCHDOG=1"); }

}  // namespace swas::systemd
