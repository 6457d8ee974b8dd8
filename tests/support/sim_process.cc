#include "tests/support/sim_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace swas::testing {

ChildProcess::ChildProcess(std::vector<std::string> args, const std::string& ready_prefix) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  FILE* stream = fdopen(out[0], "r");
  char line[512] = {};
  while (fgets(line, sizeof line, stream)) {
    std::string text(line);
    if (text.starts_with(ready_prefix)) {
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      ready_line_ = text;
      break;
    }
  }
  // Keep the pipe's read end open in a detached reader so the child never gets SIGPIPE.
  int fd = dup(fileno(stream));
  fclose(stream);
  if (ready_line_.empty()) {
    close(fd);
    throw std::runtime_error("child process " + args[0] + " did not print '" + ready_prefix + "'");
  }
  std::thread([fd] {
    char buf[4096];
    while (read(fd, buf, sizeof buf) > 0) {
    }
    close(fd);
  }).detach();
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

uint16_t ChildProcess::port() const {
  auto colon = ready_line_.rfind(':');
  return static_cast<uint16_t>(std::stoi(ready_line_.substr(colon + 1)));
}

std::vector<std::string> SimProcess::argv(const std::string& scenario_file) {
  std::vector<std::string> args = {SWAS_SIM_PATH, "--listen", "127.0.0.1:0"};
  if (!scenario_file.empty()) {
    args.push_back("--scenario");
    args.push_back(scenario_file);
  }
  return args;
}

SimProcess::SimProcess(const std::string& scenario_file)
    : child_(argv(scenario_file), "listening on ") {}

Process::Process(std::vector<std::string> args, const std::string& stdout_path,
                 const std::string& stderr_path) {
  pid_ = fork();
  if (pid_ == 0) {
    int out = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
}

Process::~Process() {
  if (running()) {
    kill(pid_, SIGKILL);
    wait();
  }
}

void Process::signal(int sig) {
  if (running()) kill(pid_, sig);
}

bool Process::running() {
  if (status_ >= 0 || pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

int Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const char* testName() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

std::string freshTestDir() {
  auto dir = std::filesystem::path(writeTempFile(std::string(testName()) + "/x", "")).parent_path();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string waitForLine(const std::string& path, const std::string& marker,
                        std::chrono::milliseconds timeout, Process* writer) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::istringstream text(readFile(path));
    for (std::string line; std::getline(text, line);) {
      if (line.find(marker) != std::string::npos) return line;
    }
    if (std::chrono::steady_clock::now() >= deadline || (writer && !writer->running())) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool eventually(const std::function<bool()>& probe, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!probe()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

double sample(const std::string& exposition, const std::string& series) {
  auto at = exposition.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(exposition.substr(at + series.size() + 2));
}

double sumOf(const std::string& exposition, const std::string& family,
             const std::vector<std::string>& matchers) {
  double sum = 0;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(family + "{") && !line.starts_with(family + " ")) continue;
    bool all = true;
    for (const auto& m : matchers) all = all && line.find(m) != std::string::npos;
    if (all) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

std::string alertmanagerConfig(const std::string& webhook_url, const std::string& relay_url,
                               const std::string& relay_token) {
  std::string config = R"(route:
  receiver: recorder
  group_by: [alertname, region_id, instance_id, invoke_id]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
)";
  if (!relay_url.empty()) {
    config += "  routes:\n    - {receiver: recorder, continue: true}\n    - {receiver: relay}\n";
  }
  config += R"(receivers:
  - name: recorder
    webhook_configs:
      - url: ")" +
            webhook_url + R"("
        send_resolved: true
)";
  if (!relay_url.empty()) {
    config += R"(  - name: relay
    webhook_configs:
      - url: ")" +
              relay_url + R"("
        send_resolved: true
        http_config:
          authorization: {credentials: ")" +
              relay_token + R"("}
)";
  }
  return config;
}

GoServer::GoServer(std::vector<std::string> argv, const std::string& dir, const std::string& name)
    : process_(std::move(argv), dir + "/" + name + ".stdout", dir + "/" + name + ".stderr") {
  std::string line = waitForLine(dir + "/" + name + ".stderr", "msg=\"Listening on\"",
                                 std::chrono::seconds(60), &process_);
  if (auto at = line.find("address="); at != std::string::npos)
    url_ = "http://" + line.substr(at + 8);
}

GoServer::~GoServer() {
  process_.signal(SIGTERM);
  process_.wait(std::chrono::seconds(20));
}

MonitorProcess::MonitorProcess(const std::string& daemon_path, const std::string& config,
                               const std::string& dir, const std::string& log_level)
    : stderr_path_([&] {
        // Gone before the child starts, so an earlier run's log is never read as this one's.
        std::filesystem::remove(dir + "/daemon.stderr");
        return dir + "/daemon.stderr";
      }()),
      process_(log_level.empty() ? std::vector<std::string>{daemon_path, "--config", config}
                                 : std::vector<std::string>{daemon_path, "--config", config,
                                                            "--log-level", log_level},
               dir + "/daemon.stdout", stderr_path_) {
  std::string line =
      waitForLine(stderr_path_, "serving /metrics", std::chrono::seconds(30), &process_);
  if (auto at = line.find("http://"); at != std::string::npos) url_ = line.substr(at);
}

std::string writeTempFile(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / ("swas-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
  return path.string();
}

std::string testdataPath(const std::string& name) {
  return std::string(SWAS_TESTDATA_DIR) + "/" + name;
}

bool waitFor(boost::asio::io_context& io, const std::function<bool()>& done,
             std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_for(std::chrono::milliseconds(5));
  }
  return done();
}

}  // namespace swas::testing
