#pragma once

// The YAML reader of the configuration (private to daemon/config): typed reads of keys that
// collect every problem as FILE:LINE:COL: message, ${VAR} substitution, unknown keys with a
// did-you-mean, and the checks secret files need.

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "daemon/config/config.h"

namespace swas::config {

// Levenshtein distance (the did-you-mean of unknown keys).
size_t editDistance(const std::string& a, const std::string& b);

class Parser {
 public:
  Parser(std::string name, const util::EnvLookup& env) : name_(std::move(name)), env_(env) {}

  // The environment the configuration is read in (the credentials file's location).
  std::optional<std::string> env(std::string_view name) const { return env_(name); }

  Problems problems;

  void problem(const YAML::Node& node, const std::string& message) {
    problems.push_back(where(node) + message);
  }

  void warning(const YAML::Node& node, const std::string& message) {
    warnings.push_back(where(node) + message);
  }

  bool isMap(const YAML::Node& node, const std::string& what) {
    if (node.IsMap()) return true;
    problem(node, what + " must be a mapping");
    return false;
  }

  // Unknown keys are errors, with a suggestion for near misses.
  void checkKeys(const YAML::Node& node, const std::set<std::string>& allowed,
                 const std::string& section);

  // ${NAME} is replaced by the environment variable; an unset one is an error.
  std::string substitute(const YAML::Node& node, const std::string& text);

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
  void readableFile(const YAML::Node& parent, const char* key, std::string& out);

  // A file holding a secret (or a URL with a token): it must be a readable, non-empty file now,
  // and should not be readable by other users. Its content without surrounding whitespace, as
  // util::readSecretFile gives it to the daemon, for checks that never print it; nullopt when
  // not given or after a problem.
  std::optional<std::string> secretFile(const YAML::Node& parent, const char* key,
                                        std::string& out);

  Problems warnings;

  void dur(const YAML::Node& parent, const char* key, Duration& out, bool positive = true);

  void number(const YAML::Node& parent, const char* key, double& out, double lo, double hi);

  void integer(const YAML::Node& parent, const char* key, int& out, int lo, int hi) {
    double v = out;
    number(parent, key, v, lo, hi);
    if (v != static_cast<int>(v)) {
      problem(parent[key], std::string(key) + " must be a whole number");
      return;
    }
    out = static_cast<int>(v);
  }

  void boolean(const YAML::Node& parent, const char* key, bool& out);

  void list(const YAML::Node& parent, const char* key, std::vector<std::string>& out);

  static std::string trim(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
  }

 private:
  // "FILE:LINE:COL: "
  std::string where(const YAML::Node& node) const {
    YAML::Mark mark = node.Mark();
    return name_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
           ": ";
  }

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
// cluster: {shards, shard, replicas} (cluster.cc).
void parseCluster(Parser& p, const YAML::Node& node, ClusterSettings& c);
// replicas > 1 without peers: no receiver may be sent to straight (only the first live owner
// may, and without peers none knows which that is).
void checkClusterReceivers(Parser& p, const YAML::Node& root, const Config& c);
// An IANA time zone name the system's tz database has.
bool knownTimeZone(const std::string& name);

}  // namespace swas::config
