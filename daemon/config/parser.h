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

  // A file holding a secret (or a URL with a token): it must be readable now, and should not be
  // readable by other users.
  void secretFile(const YAML::Node& parent, const char* key, std::string& out) {
    str(parent, key, out);
    if (out.empty()) return;
    const YAML::Node node = parent[key];
    std::ifstream in(out);
    if (!in) {
      problem(node, std::string(key) + ": cannot read " + out + ": " + std::strerror(errno));
      return;
    }
    struct stat st {};
    if (::stat(out.c_str(), &st) == 0 && (st.st_mode & S_IROTH)) {
      YAML::Mark mark = node.Mark();
      warnings.push_back(name_ + ":" + std::to_string(mark.line + 1) + ":" +
                         std::to_string(mark.column + 1) + ": " + key + ": " + out +
                         " is readable by other users; chmod o-r it (or use systemd's "
                         "LoadCredential=)");
    }
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

// alerts.receivers (receivers.cc).
void parseReceivers(Parser& p, const YAML::Node& receivers, std::vector<ReceiverSettings>& out);
// An IANA time zone name the system's tz database has.
bool knownTimeZone(const std::string& name);

}  // namespace swas::config
