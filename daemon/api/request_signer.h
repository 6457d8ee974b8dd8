#pragma once

#include <chrono>
#include <expected>
#include <string>

#include "daemon/api/signer.h"
#include "daemon/core/error.h"
#include "daemon/http/endpoint.h"
#include "daemon/http/http_client.h"
#include "daemon/util/percent_encoding.h"

namespace swas::api {

struct Credentials {
  std::string access_key_id;
  std::string access_key_secret;
  std::string security_token;  // empty unless STS
};

// One RPC-style OpenAPI call: the business parameters only.
struct ApiCall {
  std::string action;
  std::string version;
  util::Params params;
};

struct SignOptions {
  SignatureVersion version = SignatureVersion::kV3;
  std::chrono::system_clock::time_point time;
  std::string nonce;  // unique per request
  std::chrono::milliseconds timeout{10'000};
  std::string user_agent;
};

// POST with every parameter in the query and an empty body, as the official SDK sends it.
http::HttpRequest buildSignedRequest(const ApiCall& call, const Credentials& credentials,
                                     const http::Endpoint& endpoint, const SignOptions& options);

// Replaces the secret and the STS token (raw and percent-encoded, once and twice) with "***",
// for any text that may reach a log or an error message.
std::string redactSecrets(std::string text, const Credentials& credentials);

}  // namespace swas::api
