#include "daemon/config/parser.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace swas::config {

size_t editDistance(const std::string& a, const std::string& b) {
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

void Parser::checkKeys(const YAML::Node& node, const std::set<std::string>& allowed,
                       const std::string& section) {
  std::set<std::string> seen;
  for (const auto& item : node) {
    std::string key = item.first.as<std::string>("");
    if (!seen.insert(key).second) {
      problem(item.first,
              "key '" + key + "' appears twice in " + section + "; the second would silently win");
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

std::string Parser::substitute(const YAML::Node& node, const std::string& text) {
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

void Parser::readableFile(const YAML::Node& parent, const char* key, std::string& out) {
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

std::optional<std::string> Parser::secretFile(const YAML::Node& parent, const char* key,
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
    warning(node, std::string(key) + ": " + out +
                      " is readable by other users; chmod o-r it (or use systemd's "
                      "LoadCredential=)");
  }
  return value.substr(first, value.find_last_not_of(" \t\r\n") - first + 1);
}

void Parser::dur(const YAML::Node& parent, const char* key, Duration& out, bool positive) {
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

void Parser::number(const YAML::Node& parent, const char* key, double& out, double lo, double hi) {
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

void Parser::boolean(const YAML::Node& parent, const char* key, bool& out) {
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

void Parser::list(const YAML::Node& parent, const char* key, std::vector<std::string>& out) {
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

}  // namespace swas::config
