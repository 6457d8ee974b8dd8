#include "daemon/api/request_signer.h"

#include "daemon/core/time.h"
#include "daemon/util/crypto.h"

namespace swas::api {

namespace {

http::HttpRequest baseRequest(const http::Endpoint& endpoint, const SignOptions& options) {
  http::HttpRequest request;
  request.method = "POST";
  request.timeout = options.timeout;
  request.headers = {{"host", endpoint.host}, {"accept", "application/json"}};
  if (!options.user_agent.empty()) request.headers.emplace_back("user-agent", options.user_agent);
  return request;
}

http::HttpRequest signV3(const ApiCall& call, const Credentials& credentials,
                         const http::Endpoint& endpoint, const SignOptions& options) {
  http::HttpRequest request = baseRequest(endpoint, options);
  auto& headers = request.headers;
  headers.emplace_back("x-acs-action", call.action);
  headers.emplace_back("x-acs-version", call.version);
  headers.emplace_back("x-acs-date", core::formatIso8601(options.time));
  headers.emplace_back("x-acs-signature-nonce", options.nonce);
  headers.emplace_back("x-acs-content-sha256", std::string(kEmptyPayloadSha256));
  if (!credentials.security_token.empty()) {
    headers.emplace_back("x-acs-security-token", credentials.security_token);
  }
  auto signed_headers = v3SignedHeaderNames(headers);
  std::string canonical =
      v3CanonicalRequest("POST", "/", call.params, headers, signed_headers, kEmptyPayloadSha256);
  std::string signature = v3Signature(v3StringToSign(canonical), credentials.access_key_secret);
  headers.emplace_back("authorization",
                       v3Authorization(credentials.access_key_id, signed_headers, signature));
  request.url = endpoint.scheme + "://" + endpoint.host + "/?" + util::encodeQuery(call.params);
  return request;
}

http::HttpRequest signV1(const ApiCall& call, const Credentials& credentials,
                         const http::Endpoint& endpoint, const SignOptions& options) {
  http::HttpRequest request = baseRequest(endpoint, options);
  util::Params params = call.params;
  params.emplace_back("Action", call.action);
  params.emplace_back("Version", call.version);
  params.emplace_back("Format", "JSON");
  params.emplace_back("AccessKeyId", credentials.access_key_id);
  params.emplace_back("SignatureMethod", "HMAC-SHA1");
  params.emplace_back("SignatureVersion", "1.0");
  params.emplace_back("SignatureNonce", options.nonce);
  params.emplace_back("Timestamp", core::formatIso8601(options.time));
  if (!credentials.security_token.empty()) {
    params.emplace_back("SecurityToken", credentials.security_token);
  }
  std::string signature =
      v1Signature(v1StringToSign("POST", params), credentials.access_key_secret);
  params.emplace_back("Signature", signature);
  request.url = endpoint.scheme + "://" + endpoint.host + "/?" + util::encodeQuery(params);
  return request;
}

void replaceAll(std::string& text, const std::string& needle) {
  if (needle.empty()) return;
  for (size_t pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 3)) {
    text.replace(pos, needle.size(), "***");
  }
}

}  // namespace

http::HttpRequest buildSignedRequest(const ApiCall& call, const Credentials& credentials,
                                     const http::Endpoint& endpoint, const SignOptions& options) {
  return options.version == SignatureVersion::kV3 ? signV3(call, credentials, endpoint, options)
                                                  : signV1(call, credentials, endpoint, options);
}

std::string redactSecrets(std::string text, const Credentials& credentials) {
  for (const std::string* secret : {&credentials.access_key_secret, &credentials.security_token}) {
    if (secret->empty()) continue;
    std::string once = util::percentEncode(*secret);
    replaceAll(text, util::percentEncode(once));
    replaceAll(text, once);
    replaceAll(text, *secret);
  }
  return text;
}

}  // namespace swas::api
