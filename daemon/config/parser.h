#pragma once

// The YAML reader of the configuration (private to daemon/config): typed reads of keys that
// collect every problem as FILE:LINE:COL: message, ${VAR} substitution, unknown keys with a
// did-you-mean, and the checks secret files need.

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/config/config.h"

namespace swas::config {

inline size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

class Parser {
 public:
  Parser(std::string name, const util::EnvLookup& env) : name_(std::move(name)), env_(env) {}

  // The environment the configuration is read in (the credentials file's location).
  std::optional<std::string> env(std::string_view name) const { return env_(name); }

  Problems problems;

  void problem(const YAML::Node& node, const std::string& message) {
    YAML::Mark mark = node.Mark();
    problems.push_back(name_ + ":" + std::to_string(mark.line + 1) + ":" +
                       std::to_string(mark.column + 1) + ": " + message);
  }

  void warning(const YAML::Node& node, const std::string& message) {
    YAML::Mark mark = node.Mark();
    warnings.push_back(name_ + ":" + std::to_string(mark.line + 1) + ":" +
                       std::to_string(mark.column + 1) + ": " + message);
  }

  bool isMap(const YAML::Node& node, const std::string& what) {
    if (node.IsMap()) return true;
    problem(node, what + " must be a mapping");
    return false;
  }

  // Unknown keys are errors, with a suggestion for near misses.
  void checkKeys(const YAML::Node& node, const std::set<std::string>& allowed,
                 const std::string& section) {
    std::set<std::string> seen;
    for (const auto& item : node) {
      std::string key = item.first.as<std::string>("");
      if (!seen.insert(key).second) {
        problem(item.first, "key '" + key + "' appears twice in " + section +
                                "; the second would silently win");
        continue;
      }
      if (allowed.contains(key)) continue;
      std::string message = "unknown key '" + key + "' in " + section;
      std::string best;
      size_t best_distance = 3;
      for (const auto& candidate : allowed) {
        size_t d = editDistance(key, candidate);
        if (d < best_distance) {
          best_distance = d;
          best = candidate;
        }
      }
      if (!best.empty()) message += " (did you mean '" + best + "'?)";
      problem(item.first, message);
    }
  }

  // ${NAME} is replaced by the environment variable; an unset one is an error.
  std::string substitute(const YAML::Node& node, const std::string& text) {
    std::string out;
    size_t pos = 0;
    while (true) {
      size_t start = text.find("${", pos);
      if (start == std::string::npos) break;
      size_t end = text.find('}', start);
      if (end == std::string::npos) break;
      out += text.substr(pos, start - pos);
      std::string var = text.substr(start + 2, end - start - 2);
      if (auto value = env_(var)) {
        out += *value;
      } else {
        problem(node, "environment variable " + var + " is not set");
      }
      pos = end + 1;
    }
    return out + text.substr(pos);
  }

  bool scalar(const YAML::Node& node, const std::string& key) {
    if (node.IsScalar()) return true;
    problem(node, key + " must be a single value");
    return false;
  }

  void str(const YAML::Node& parent, const char* key, std::string& out) {
    const YAML::Node node = parent[key];
    if (!node || node.IsNull()) return;
    if (scalar(node, key)) out = substitute(node, node.Scalar());
  }

  // A file read at start (a template): it must be readable now.
  void readableFile(const YAML::Node& parent, const char* key, std::string& out) {
    str(parent, key, out);
    if (out.empty()) return;
    struct stat st {};
    if (::stat(out.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
      problem(parent[key], std::string(key) + ": " + out + " is not a regular file");
      return;
    }
    std::ifstream in(out);
    if (!in)
      problem(parent[key], std::string(key) + ": cannot read " + out + ": " + std::strerror(errno));
  }

  // A file holding a secret (or a URL with a token): it must be a readable, non-empty file now,
  // and should not be readable by other users. Its content without surrounding whitespace, as
  // util::readSecretFile gives it to the daemon, for checks that never print it; nullopt when
  // not given or after a problem.
  std::optional<std::string> secretFile(const YAML::Node& parent, const char* key,
                                        std::string& out) {
    str(parent, key, out);
    if (out.empty()) return std::nullopt;
    const YAML::Node node = parent[key];
    struct stat st {};
    if (::stat(out.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      problem(node, std::string(key) + ": " + out + " is a directory, not a file");
      return std::nullopt;
    }
    std::ifstream in(out, std::ios::binary);
    if (!in) {
      problem(node, std::string(key) + ": cannot read " + out + ": " + std::strerror(errno));
      return std::nullopt;
    }
    // A secret, a token or a URL is small: never read /dev/zero (or a misnamed log) to its end.
    constexpr size_t kMaxSecretBytes = 64 * 1024;
    std::string value(kMaxSecretBytes + 1, '\0');
    in.read(value.data(), static_cast<std::streamsize>(value.size()));
    value.resize(static_cast<size_t>(in.gcount()));
    if (value.size() > kMaxSecretBytes) {
      problem(node, std::string(key) + ": " + out + " is larger than 64 KiB; it holds no secret");
      return std::nullopt;
    }
    size_t first = value.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
      problem(node, std::string(key) + ": " + out + " is empty");
      return std::nullopt;
    }
    if (::stat(out.c_str(), &st) == 0 && (st.st_mode & S_IROTH)) {
      YAML::Mark mark = node.Mark();
      warnings.push_back(name_ + ":" + std::to_string(mark.line + 1) + ":" +
                         std::to_string(mark.column + 1) + ": " + key + ": " + out +
                         " is readable by other users; chmod o-r it (or use systemd's "
                         "LoadCredential=)");
    }
    return value.substr(first, value.find_last_not_of(" \t\r\n") - first + 1);
  }

  Problems warnings;

  void dur(const YAML::Node& parent, const char* key, Duration& out, bool positive = true) {
    const YAML::Node node = parent[key];
    if (!node || !scalar(node, key)) return;
    auto d = parseDuration(substitute(node, node.Scalar()));
    if (!d) {
      problem(node, std::string(key) + ": '" + node.Scalar() +
                        "' is not a duration with a unit (500ms, 30s, 5m, 2h, 14d)");
    } else if (positive && d->count() <= 0) {
      problem(node, std::string(key) + " must be positive");
    } else if (*d > kMaxDuration) {
      // Longer would overflow time arithmetic (a retention of 200000d once put the eviction
      // cut-off in the future and silently switched alerting off).
      problem(node, std::string(key) + ": '" + node.Scalar() +
                        "' is longer than the longest allowed duration (3650d)");
    } else {
      out = *d;
    }
  }

  void number(const YAML::Node& parent, const char* key, double& out, double lo, double hi) {
    const YAML::Node node = parent[key];
    if (!node || !scalar(node, key)) return;
    try {
      double v = std::stod(substitute(node, node.Scalar()));
      if (v < lo || v > hi) {
        problem(node, std::string(key) + " must be between " + trim(lo) + " and " + trim(hi));
      } else {
        out = v;
      }
    } catch (const std::exception&) {
      problem(node, std::string(key) + ": '" + node.Scalar() + "' is not a number");
    }
  }

  void integer(const YAML::Node& parent, const char* key, int& out, int lo, int hi) {
    double v = out;
    number(parent, key, v, lo, hi);
    if (v != static_cast<int>(v)) {
      problem(parent[key], std::string(key) + " must be a whole number");
      return;
    }
    out = static_cast<int>(v);
  }

  void boolean(const YAML::Node& parent, const char* key, bool& out) {
    const YAML::Node node = parent[key];
    if (!node || !scalar(node, key)) return;
    std::string v = node.Scalar();
    if (v == "true" || v == "yes")
      out = true;
    else if (v == "false" || v == "no")
      out = false;
    else
      problem(node, std::string(key) + " must be true or false");
  }

  void list(const YAML::Node& parent, const char* key, std::vector<std::string>& out) {
    const YAML::Node node = parent[key];
    if (!node || node.IsNull()) return;
    if (!node.IsSequence()) {
      problem(node, std::string(key) + " must be a list");
      return;
    }
    out.clear();
    for (const auto& item : node) {
      if (scalar(item, key)) out.push_back(substitute(item, item.Scalar()));
    }
  }

  static std::string trim(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }

 private:
  std::string name_;
  const util::EnvLookup& env_;
};

// credentials (credentials.cc), with what can be resolved offline resolved: the secret file
// read, credentials.profile found in the credentials file. Returns who the credentials are
// when that is known at load (an AccessKey ID, or an ECS RAM role), else "": never printed.
std::string parseCredentials(Parser& p, const YAML::Node& node, core::CredentialsSettings& c);
// One account's credentials as parseCredentials resolved them, and where they are given.
struct AccountIdentity {
  std::string account;
  std::string identity;  // parseCredentials's; "" when unknown at load
  YAML::Node node;
};
// No two accounts are one identity: an account polled twice alerts twice, under two labels.
void checkDistinctAccounts(Parser& p, const std::vector<AccountIdentity>& accounts);

// alerts.receivers (receivers.cc).
void parseReceivers(Parser& p, const YAML::Node& receivers, std::vector<ReceiverSettings>& out);
// An IANA time zone name the system's tz database has.
bool knownTimeZone(const std::string& name);

}  // namespace swas::config
