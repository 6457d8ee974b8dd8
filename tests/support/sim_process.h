#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace swas::testing {

// A child process for the life of the object (SIGTERM and reaped on destruction), whose
// stdout is read until a line starting with `ready_prefix`.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, const std::string& ready_prefix);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  const std::string& readyLine() const { return ready_line_; }
  // The port at the end of the ready line ("... HOST:PORT").
  uint16_t port() const;

 private:
  pid_t pid_ = -1;
  std::string ready_line_;
};

// Runs build/swas-sim on 127.0.0.1:0 for the life of the object.
class SimProcess {
 public:
  explicit SimProcess(const std::string& scenario_file = "");
  uint16_t port() const { return child_.port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

 private:
  static std::vector<std::string> argv(const std::string& scenario_file);
  ChildProcess child_;
};

// A process started with stdout and stderr sent to files, signalled and reaped by the test.
class Process {
 public:
  Process(std::vector<std::string> argv, const std::string& stdout_path,
          const std::string& stderr_path);
  ~Process();  // SIGKILL if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  void signal(int sig);
  // Waits for the exit; returns the exit code, or 128 + signal number.
  int wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
};

std::string readFile(const std::string& path);

// Waits until the file at `path` holds a line containing `marker`; returns that line, or "" when
// `timeout` passes (or the process writing it, when given, exits) first.
std::string waitForLine(const std::string& path, const std::string& marker,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30),
                        Process* writer = nullptr);

// An Alertmanager configuration routing every alert, one group per occurrence and at once, to
// the webhook `url` (resolutions too; repeats after an hour), and, when `relay_url` is given,
// also to a daemon's chat relay there, with `relay_token` as the bearer token.
std::string alertmanagerConfig(const std::string& webhook_url, const std::string& relay_url = "",
                               const std::string& relay_token = "");

// A Prometheus-family server (prometheus, prometheus-alertmanager) started with `argv`, logging
// to `dir`/`name`.{stdout,stderr}, stopped with SIGTERM on destruction.
class GoServer {
 public:
  GoServer(std::vector<std::string> argv, const std::string& dir, const std::string& name);
  ~GoServer();
  // What it logs as `msg="Listening on" address=HOST:PORT` (so --web.listen-address may use port
  // 0), as a URL; "" if it did not come up within a minute.
  const std::string& url() const { return url_; }

 private:
  Process process_;
  std::string url_;
};

// swas-invocation-monitor run with `config` (whose http.listen should use port 0), from start
// until it serves its endpoints; logs go to `dir`/daemon.{stdout,stderr}.
class MonitorProcess {
 public:
  // `log_level` "" leaves it to the configuration.
  MonitorProcess(const std::string& daemon_path, const std::string& config, const std::string& dir,
                 const std::string& log_level = "info");
  // "http://127.0.0.1:PORT", or "" when it did not come up (the reason is in stderr()).
  const std::string& url() const { return url_; }
  std::string stderrText() const { return readFile(stderr_path_); }
  Process& process() { return process_; }

 private:
  std::string stderr_path_;
  Process process_;
  std::string url_;
};

// The running gtest test's name.
const char* testName();

// Writes `text` to a fresh file under the test's temp dir and returns its path.
std::string writeTempFile(const std::string& name, const std::string& text);
std::string testdataPath(const std::string& name);
// An empty directory of the running gtest test's own (its name), under the temp dir.
std::string freshTestDir();

// Calls `probe` every 50 ms until it returns true (then true) or `timeout` passes (then false),
// for conditions on other processes.
bool eventually(const std::function<bool()>& probe,
                std::chrono::milliseconds timeout = std::chrono::seconds(120));

// The value of one sample of a Prometheus exposition, e.g. `swas_region_up{region_id="x"}`
// written as exposed; -1 when absent.
double sample(const std::string& exposition, const std::string& series);
// The sum of the samples of `family` whose line contains every one of `matchers`.
double sumOf(const std::string& exposition, const std::string& family,
             const std::vector<std::string>& matchers = {});

// Runs the loop until `done()` or `timeout`; returns done().
bool waitFor(boost::asio::io_context& io, const std::function<bool()>& done,
             std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace swas::testing
