#pragma once

// The two Alibaba Cloud OpenAPI signatures as pure functions (swas-api.md section 2).
// Both the daemon's client and the simulator's verifier build on these.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/http/http_client.h"
#include "daemon/util/percent_encoding.h"

namespace swas::api {

enum class SignatureVersion { kV3, kV1 };

inline constexpr std::string_view kV3Algorithm = "ACS3-HMAC-SHA256";
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// V1 (HMAC-SHA1, RPC style): `params` are all parameters except Signature.
std::string v1StringToSign(std::string_view method, const util::Params& params);
std::string v1Signature(std::string_view string_to_sign, std::string_view secret);

// V3 (ACS3-HMAC-SHA256).
// Lower-case names of the headers that must be signed: host, content-type, every x-acs-*;
// sorted and unique.
std::vector<std::string> v3SignedHeaderNames(const http::Headers& headers);
std::string v3CanonicalRequest(std::string_view method, std::string_view path,
                               const util::Params& query, const http::Headers& headers,
                               const std::vector<std::string>& signed_headers,
                               std::string_view payload_hash);
std::string v3StringToSign(std::string_view canonical_request);
std::string v3Signature(std::string_view string_to_sign, std::string_view secret);
std::string v3Authorization(std::string_view access_key_id,
                            const std::vector<std::string>& signed_headers,
                            std::string_view signature);

struct V3AuthorizationParts {
  std::string algorithm;
  std::string credential;
  std::vector<std::string> signed_headers;
  std::string signature;
};
// Reads "ACS3-HMAC-SHA256 Credential=..,SignedHeaders=a;b,Signature=..". nullopt when a part
// is missing.
std::optional<V3AuthorizationParts> parseV3Authorization(std::string_view value);

// Percent-encodes each path segment, keeping '/'; "" becomes "/".
std::string canonicalPath(std::string_view path);

}  // namespace swas::api
