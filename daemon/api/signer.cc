#include "daemon/api/signer.h"

#include <algorithm>
#include <cctype>

#include "daemon/util/crypto.h"

namespace swas::api {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out.push_back(';');
    out += name;
  }
  return out;
}

}  // namespace

std::string v1StringToSign(std::string_view method, const util::Params& params) {
  std::string out(method);
  out += '&';
  out += util::percentEncode("/");
  out += '&';
  out += util::percentEncode(util::canonicalQuery(params));
  return out;
}

std::string v1Signature(std::string_view string_to_sign, std::string_view secret) {
  std::string key(secret);
  key.push_back('&');
  return util::hmacSha1Base64(key, string_to_sign);
}

std::vector<std::string> v3SignedHeaderNames(const http::Headers& headers) {
  std::vector<std::string> names;
  for (const auto& [name, value] : headers) {
    std::string key = lower(name);
    if (key == "host" || key == "content-type" || key.starts_with("x-acs-")) {
      names.push_back(std::move(key));
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

std::string canonicalPath(std::string_view path) {
  if (path.empty()) return "/";
  std::string out;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    out += util::percentEncode(path.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    out.push_back('/');
    start = slash + 1;
  }
  return out;
}

std::string v3CanonicalRequest(std::string_view method, std::string_view path,
                               const util::Params& query, const http::Headers& headers,
                               const std::vector<std::string>& signed_headers,
                               std::string_view payload_hash) {
  std::string out(method);
  out += '\n';
  out += canonicalPath(path);
  out += '\n';
  out += util::canonicalQuery(query);
  out += '\n';
  for (const auto& name : signed_headers) {
    out += name;
    out += ':';
    for (const auto& [key, value] : headers) {
      if (http::iequals(key, name)) {
        out += trim(value);
        break;
      }
    }
    out += '\n';
  }
  out += '\n';
  out += joinNames(signed_headers);
  out += '\n';
  out += payload_hash;
  return out;
}

std::string v3StringToSign(std::string_view canonical_request) {
  std::string out(kV3Algorithm);
  out += '\n';
  out += util::sha256Hex(canonical_request);
  return out;
}

std::string v3Signature(std::string_view string_to_sign, std::string_view secret) {
  return util::hmacSha256Hex(secret, string_to_sign);
}

std::string v3Authorization(std::string_view access_key_id,
                            const std::vector<std::string>& signed_headers,
                            std::string_view signature) {
  std::string out(kV3Algorithm);
  out += " Credential=";
  out += access_key_id;
  out += ",SignedHeaders=";
  out += joinNames(signed_headers);
  out += ",Signature=";
  out += signature;
  return out;
}

std::optional<V3AuthorizationParts> parseV3Authorization(std::string_view value) {
  V3AuthorizationParts parts;
  size_t space = value.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  parts.algorithm = std::string(value.substr(0, space));
  std::string_view rest = value.substr(space + 1);
  bool have_credential = false, have_headers = false, have_signature = false;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = item.substr(0, eq);
    std::string_view val = item.substr(eq + 1);
    if (key == "Credential") {
      parts.credential = std::string(val);
      have_credential = true;
    } else if (key == "SignedHeaders") {
      have_headers = true;
      while (!val.empty()) {
        size_t semi = val.find(';');
        parts.signed_headers.emplace_back(val.substr(0, semi));
        val = semi == std::string_view::npos ? std::string_view() : val.substr(semi + 1);
      }
    } else if (key == "Signature") {
      parts.signature = std::string(val);
      have_signature = true;
    }
  }
  if (!have_credential || !have_headers || !have_signature || parts.credential.empty() ||
      parts.signature.empty()) {
    return std::nullopt;
  }
  return parts;
}

}  // namespace swas::api
