// swas-sim's STS: AssumeRoleWithOIDC as the SDK calls it (POST, the action in the query, the
// role, provider, token and session in a form body, unsigned), issuing temporary credentials
// the gateway then accepts with their SecurityToken, as the metadata service's.
#include <chrono>

#include "daemon/core/json.h"
#include "daemon/core/time.h"
#include "daemon/util/percent_encoding.h"
#include "tests/simulator/gateway.h"
#include "tests/simulator/inventory.h"

namespace swas::sim {
namespace {

http::ServerResponse stsError(int status, const std::string& code, const std::string& message) {
  std::string body;
  core::JsonObject o(body);
  o.str("RequestId", "sim-sts").str("Code", code).str("Message", message);
  o.close();
  return {status, {{"Content-Type", "application/json"}}, std::move(body)};
}

}  // namespace

void Gateway::handleSts(const http::ServerRequest& request, const http::Responder& respond) {
  auto q = request.target.find('?');
  util::Params query = util::parseQuery(request.target.substr(q + 1)).value_or(util::Params{});
  util::Params form = util::parseQuery(request.body).value_or(util::Params{});
  auto refuse = [&](int status, const std::string& code, const std::string& message) {
    count("AssumeRoleWithOIDC", code);
    respond(stsError(status, code, message));
  };
  if (request.method != "POST" ||
      !request.header("content-type").starts_with("application/x-www-form-urlencoded")) {
    return refuse(400, "InvalidParameter", "AssumeRoleWithOIDC is a form POST");
  }
  if (param(query, "Version") != "2015-04-01" || param(query, "Format") != "JSON" ||
      param(query, "Timestamp").empty()) {
    return refuse(400, "MissingParameter", "Version 2015-04-01, Format JSON and Timestamp");
  }
  const auto& oidc = scenario_.oidc;
  if (!oidc) return refuse(404, "InvalidAction.NotFound", "no OIDC provider in this scenario");
  for (const char* field : {"OIDCProviderArn", "OIDCToken", "RoleArn", "RoleSessionName"}) {
    if (param(form, field).empty()) {
      return refuse(400, "MissingParameter", std::string(field) + " is mandatory");
    }
  }
  if (param(form, "OIDCProviderArn") != oidc->provider_arn) {
    return refuse(404, "EntityNotExist.OIDCProvider", "the OIDC provider does not exist");
  }
  if (param(form, "OIDCToken") != oidc->token) {
    // Quoted back, as a careless server might: the daemon must not repeat it.
    return refuse(400, "AuthenticationFail.OIDCToken.Invalid",
                  "the OIDC token " + param(form, "OIDCToken") + " is not valid");
  }
  if (param(form, "RoleArn") != oidc->role_arn) {
    return refuse(404, "EntityNotExist.Role", "the role does not exist");
  }
  std::string duration = param(form, "DurationSeconds");
  bool digits = !duration.empty() && duration.size() <= 6 &&
                duration.find_first_not_of("0123456789") == std::string::npos;
  if (!duration.empty() && (!digits || std::stoi(duration) < 900)) {
    return refuse(400, "InvalidParameter.DurationSeconds", "at least 900 seconds");
  }
  auto now = std::chrono::system_clock::now();
  auto expires =
      now + std::chrono::duration_cast<std::chrono::system_clock::duration>(oidc->credentials_ttl);
  std::string id = "STS.oidc" + std::to_string(rng_() % 1000000000);
  std::string secret = "sim-oidc-secret-" + std::to_string(rng_());
  std::string token = "sim-oidc-token-" + std::to_string(rng_());
  sts_[{id, token}] = Secret{secret, expires};
  std::string body;
  core::JsonObject o(body);
  o.str("RequestId", "sim-sts");
  o.key("AssumedRoleUser");
  {
    core::JsonObject user(body);
    user.str("Arn", oidc->role_arn + "/" + param(form, "RoleSessionName"));
    user.close();
  }
  o.key("Credentials");
  {
    core::JsonObject c(body);
    c.str("SecurityToken", token)
        .str("Expiration", core::formatIso8601(expires))
        .str("AccessKeySecret", secret)
        .str("AccessKeyId", id);
    c.close();
  }
  o.close();
  count("AssumeRoleWithOIDC", "200");
  respond({200, {{"Content-Type", "application/json"}}, std::move(body)});
}

}  // namespace swas::sim
