#include "tests/simulator/gateway.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <limits>

#include "daemon/api/command_invocations.h"
#include "daemon/api/ecs.h"
#include "daemon/api/signer.h"
#include "daemon/core/json.h"
#include "daemon/core/time.h"
#include "daemon/util/crypto.h"
#include "tests/simulator/hostile.h"

namespace swas::sim {
namespace asio = boost::asio;
using core::JsonObject;

namespace {

constexpr auto kMaxSkew = std::chrono::minutes(15);
constexpr auto kNonceMemory = std::chrono::minutes(20);

bool hasParam(const util::Params& params, std::string_view key) {
  for (const auto& [k, v] : params) {
    if (k == key) return true;
  }
  return false;
}

std::optional<int> parsePositive(const std::string& text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  return std::stoi(text);
}

// Every instance's profile: the scenario's, and made-up ones for the generator's instances.
std::vector<InstanceProfile> profilesOf(const Scenario& scenario, const World& world) {
  std::vector<InstanceProfile> out;
  for (const auto& region : scenario.regions) {
    out.insert(out.end(), region.profiles.begin(), region.profiles.end());
  }
  for (const auto& region_id : scenario.generator.regions) {
    for (const auto& id : world.generatedInstances(region_id)) {
      out.push_back(withDefaults(InstanceProfile{.region_id = region_id, .instance_id = id}));
    }
  }
  return out;
}

}  // namespace

SimClock::SimClock(bool manual)
    : manual_(manual),
      epoch_(std::chrono::system_clock::now()),
      start_(std::chrono::steady_clock::now()) {}

Seconds SimClock::now() const {
  Seconds elapsed = manual_ ? Seconds(0) : Seconds(std::chrono::steady_clock::now() - start_);
  return elapsed + offset_;
}

Gateway::Gateway(asio::io_context& io, Scenario scenario)
    : io_(io),
      scenario_(std::move(scenario)),
      clock_(scenario_.manual_clock),
      world_(scenario_, clock_.epoch()),
      events_(io, world_, clock_, scenario_.manual_clock),
      inventory_(profilesOf(scenario_, world_)),
      ecs_(world_, inventory_, clock_.epoch()),
      faults_(scenario_.faults),
      rng_(scenario_.seed) {
  for (const auto& a : scenario_.accounts) accounts_[a.access_key_id] = a.access_key_secret;
  for (const auto& t : scenario_.sts_tokens) {
    sts_[{t.access_key_id, t.security_token}] = Secret{t.access_key_secret, std::nullopt};
  }
}

// The vanish fault: an unfinished invocation, once listed, may be hidden from every later
// answer (listings and fetches by InvokeId alike): seen Running, then gone.
void Gateway::hideVanished(std::vector<const SimInvocation*>& matches) {
  std::erase_if(matches,
                [&](const SimInvocation* inv) { return vanished_.contains(inv->invoke_id); });
  if (faults_.vanish <= 0 && faults_.vanish_every <= 0) return;
  for (const SimInvocation* inv : matches) {
    if (isTerminal(overallStatus(inv->instances)) || !vanish_rolled_.insert(inv->invoke_id).second)
      continue;
    bool hide = faults_.vanish_every > 0
                    ? (vanish_rolled_.size() - 1) % static_cast<size_t>(faults_.vanish_every) == 0
                    : roll(faults_.vanish);
    if (hide) {
      vanished_.insert(inv->invoke_id);
      count("hostile", "vanished");
    }
  }
}

bool Gateway::roll(double probability) {
  return probability > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < probability;
}

std::string Gateway::requestId() {
  char buf[48];
  uint64_t r = rng_();
  std::snprintf(buf, sizeof buf, "%08llX-%04llX-4%03llX-A%03llX-%012llX",
                static_cast<unsigned long long>(++request_counter_ & 0xFFFFFFFF),
                static_cast<unsigned long long>(r & 0xFFFF),
                static_cast<unsigned long long>((r >> 16) & 0xFFF),
                static_cast<unsigned long long>((r >> 28) & 0xFFF),
                static_cast<unsigned long long>((r >> 40) & 0xFFFFFF));
  return buf;
}

void Gateway::count(const std::string& action, const std::string& code) {
  ++counts_[action.empty() ? "unknown" : action][code];
}

http::ServerResponse Gateway::json(int status, std::string body) {
  http::ServerResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json;charset=utf-8"}};
  response.body = std::move(body);
  return response;
}

http::ServerResponse Gateway::errorResponse(const Rejection& rejection, const std::string& host) {
  std::string id = requestId();
  std::string body;
  JsonObject o(body);
  o.str("RequestId", id);
  o.str("HostId", host);
  o.str("Code", rejection.code);
  o.str("Message", rejection.message);
  o.str("Recommend", "https://api.aliyun.com/troubleshoot?q=" + rejection.code +
                         "&product=SWAS-OPEN&requestId=" + id);
  o.close();
  auto response = json(rejection.status, std::move(body));
  response.headers.emplace_back("x-acs-request-id", id);
  return response;
}

void Gateway::handle(http::ServerRequest request, http::Responder respond) {
  std::string_view target = request.target;
  if (target.starts_with("/_sim/")) {
    handleAdmin(request, respond);
  } else if (target.starts_with("/latest/")) {
    handleMetadata(request, respond);
  } else if (target.find("Action=AssumeRoleWithOIDC") != std::string_view::npos) {
    handleSts(request, respond);
  } else {
    handleApi(std::move(request), std::move(respond));
  }
}

// ---- Signature verification -------------------------------------------------------------

std::expected<std::string, Gateway::Rejection> Gateway::secretFor(const std::string& id,
                                                                  const std::string& token) {
  if (!token.empty()) {
    auto it = sts_.find({id, token});
    if (it == sts_.end()) {
      return std::unexpected(Rejection{400, "InvalidSecurityToken.Malformed",
                                       "Specified SecurityToken is malformed."});
    }
    if (it->second.expires && std::chrono::system_clock::now() >= *it->second.expires) {
      return std::unexpected(
          Rejection{400, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired."});
    }
    return it->second.access_key_secret;
  }
  auto it = accounts_.find(id);
  if (it == accounts_.end()) {
    return std::unexpected(
        Rejection{404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."});
  }
  return it->second;
}

std::optional<Gateway::Rejection> Gateway::checkTimestamp(const std::string& text, bool v3) {
  auto when = core::parseApiTime(text);
  // Both signature versions require the zone designator.
  if (!when || !text.ends_with("Z")) {
    return Rejection{400, "InvalidTimeStamp.Format",
                     "Specified time stamp or date value is not well formatted."};
  }
  auto skew = std::chrono::system_clock::now() - *when;
  if (skew > kMaxSkew || skew < -kMaxSkew) {
    return Rejection{400, "InvalidTimeStamp.Expired",
                     std::string("Specified time stamp or date value is expired.") +
                         (v3 ? " x-acs-date: " : " Timestamp: ") + text};
  }
  return std::nullopt;
}

std::optional<Gateway::Rejection> Gateway::useNonce(const std::string& nonce) {
  auto now = std::chrono::steady_clock::now();
  while (!nonce_order_.empty() && now - nonce_order_.front().first > kNonceMemory) {
    nonces_.erase(nonce_order_.front().second);
    nonce_order_.pop_front();
  }
  if (!nonces_.insert(nonce).second) {
    return Rejection{400, "SignatureNonceUsed", "Specified signature nonce was used already."};
  }
  nonce_order_.emplace_back(now, nonce);
  return std::nullopt;
}

std::expected<Gateway::Caller, Gateway::Rejection> Gateway::verifyV3(
    const http::ServerRequest& request, const util::Params& query, const util::Params& form) {
  auto incomplete = [](std::string why) {
    return std::unexpected(
        Rejection{400, "IncompleteSignature",
                  "The request signature does not conform to Aliyun standards. " + std::move(why)});
  };
  auto auth = api::parseV3Authorization(request.header("authorization"));
  if (!auth) return incomplete("Authorization is malformed.");
  if (auth->algorithm != api::kV3Algorithm) return incomplete("Unsupported signature algorithm.");
  for (const char* required : {"host", "x-acs-action", "x-acs-version", "x-acs-date",
                               "x-acs-signature-nonce", "x-acs-content-sha256"}) {
    if (request.header(required).empty()) {
      return incomplete(std::string("Missing header ") + required + ".");
    }
  }
  // Every signed header must be present, and every host/x-acs-* header must be signed.
  http::Headers present;
  for (const auto& [name, value] : request.headers) {
    if (name != "authorization") present.emplace_back(name, value);
  }
  for (const auto& name : auth->signed_headers) {
    if (request.header(name).empty() && name != "content-type") {
      return incomplete("Signed header " + name + " is missing.");
    }
  }
  for (const auto& name : api::v3SignedHeaderNames(present)) {
    if (name == "content-type") continue;
    if (std::find(auth->signed_headers.begin(), auth->signed_headers.end(), name) ==
        auth->signed_headers.end()) {
      return incomplete("Header " + name + " is not signed.");
    }
  }
  if (auto bad = checkTimestamp(std::string(request.header("x-acs-date")), true)) {
    return std::unexpected(*bad);
  }
  std::string token(request.header("x-acs-security-token"));
  auto secret = secretFor(auth->credential, token);
  if (!secret) return std::unexpected(secret.error());
  if (request.header("x-acs-content-sha256") != util::sha256Hex(request.body)) {
    return std::unexpected(Rejection{400, "SignatureDoesNotMatch",
                                     "x-acs-content-sha256 does not match the request body."});
  }
  std::string path = request.target.substr(0, request.target.find('?'));
  std::string canonical =
      api::v3CanonicalRequest(request.method, path, query, present, auth->signed_headers,
                              request.header("x-acs-content-sha256"));
  std::string string_to_sign = api::v3StringToSign(canonical);
  if (api::v3Signature(string_to_sign, *secret) != auth->signature) {
    return std::unexpected(Rejection{
        400, "SignatureDoesNotMatch",
        "Specified signature is not matched with our calculation. server string to sign is:" +
            string_to_sign});
  }
  if (auto used = useNonce(std::string(request.header("x-acs-signature-nonce")))) {
    return std::unexpected(*used);
  }
  Caller caller{auth->credential, std::string(request.header("x-acs-action")),
                std::string(request.header("x-acs-version")), query};
  caller.params.insert(caller.params.end(), form.begin(), form.end());
  return caller;
}

std::expected<Gateway::Caller, Gateway::Rejection> Gateway::verifyV1(
    const http::ServerRequest& request, util::Params params) {
  std::string signature = param(params, "Signature");
  std::erase_if(params, [](const auto& p) { return p.first == "Signature"; });
  for (const char* required :
       {"AccessKeyId", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp"}) {
    if (!hasParam(params, required) || signature.empty()) {
      return std::unexpected(Rejection{
          400, "IncompleteSignature",
          std::string("The request signature does not conform to Aliyun standards. Missing ") +
              (signature.empty() ? "Signature" : required) + "."});
    }
  }
  if (param(params, "SignatureMethod") != "HMAC-SHA1" ||
      param(params, "SignatureVersion") != "1.0") {
    return std::unexpected(Rejection{400, "IncompleteSignature",
                                     "The request signature does not conform to Aliyun standards. "
                                     "Unsupported SignatureMethod or SignatureVersion."});
  }
  if (auto bad = checkTimestamp(param(params, "Timestamp"), false)) return std::unexpected(*bad);
  auto secret = secretFor(param(params, "AccessKeyId"), param(params, "SecurityToken"));
  if (!secret) return std::unexpected(secret.error());
  std::string string_to_sign = api::v1StringToSign(request.method, params);
  if (api::v1Signature(string_to_sign, *secret) != signature) {
    return std::unexpected(Rejection{
        400, "SignatureDoesNotMatch",
        "Specified signature is not matched with our calculation. server string to sign is:" +
            string_to_sign});
  }
  if (auto used = useNonce(param(params, "SignatureNonce"))) return std::unexpected(*used);
  Caller caller{
      param(params, "AccessKeyId"), param(params, "Action"), param(params, "Version"), {}};
  static const std::set<std::string> kCommon = {
      "AccessKeyId",    "Action",           "Version",   "Format",        "SignatureMethod",
      "SignatureNonce", "SignatureVersion", "Timestamp", "SecurityToken", "SignatureType"};
  for (auto& p : params) {
    if (!kCommon.contains(p.first)) caller.params.push_back(std::move(p));
  }
  return caller;
}

std::expected<Gateway::Caller, Gateway::Rejection> Gateway::authenticate(
    const http::ServerRequest& request, const util::Params& query, const util::Params& form) {
  if (!request.header("authorization").empty()) return verifyV3(request, query, form);
  util::Params all = query;
  all.insert(all.end(), form.begin(), form.end());
  if (hasParam(all, "Signature") || hasParam(all, "SignatureMethod") ||
      hasParam(all, "AccessKeyId")) {
    return verifyV1(request, std::move(all));
  }
  return std::unexpected(Rejection{400, "IncompleteSignature",
                                   "The request signature does not conform to Aliyun standards. "
                                   "The request is not signed."});
}

// ---- The API ----------------------------------------------------------------------------

void Gateway::handleApi(http::ServerRequest request, http::Responder respond) {
  world_.advanceTo(clock_.now());
  std::string host(request.header("host"));
  if (roll(faults_.reset)) {
    count("", "reset");
    return;  // the responder dropped unanswered: the server resets the connection
  }
  size_t q = request.target.find('?');
  auto query = util::parseQuery(q == std::string::npos ? "" : request.target.substr(q + 1));
  util::Params form;
  bool is_form = request.header("content-type").starts_with("application/x-www-form-urlencoded");
  if (is_form && !request.body.empty()) {
    auto parsed = util::parseQuery(request.body);
    if (parsed)
      form = std::move(*parsed);
    else
      query.reset();
  }
  http::ServerResponse response;
  if (!query) {
    response =
        errorResponse({400, "InvalidParameter", "The request has a malformed escape."}, host);
    count("", "InvalidParameter");
  } else if (auto caller = authenticate(request, *query, form); !caller) {
    count(param(*query, "Action").empty() ? std::string(request.header("x-acs-action"))
                                          : param(*query, "Action"),
          caller.error().code);
    response = errorResponse(caller.error(), host);
  } else {
    response = dispatch(*caller, host);
  }
  if (faults_.latency.count() > 0) {
    auto timer = std::make_shared<asio::steady_timer>(io_, faults_.latency);
    timer->async_wait([timer, respond = std::move(respond), response = std::move(response)](
                          boost::system::error_code) mutable { respond(std::move(response)); });
    return;
  }
  respond(std::move(response));
}

http::ServerResponse Gateway::dispatch(const Caller& caller, const std::string& host) {
  const std::string& action = caller.action;
  auto reject = [&](Rejection r) {
    count(action, r.code);
    return errorResponse(r, host);
  };
  static const std::set<std::string> kActions = {"DescribeCommandInvocations", "ListRegions",
                                                 "ListInstances", "DescribeCloudAssistantStatus"};
  bool ecs = caller.version == api::kEcsVersion;
  if (ecs ? !EcsApi::knows(action)
          : caller.version != api::kSwasVersion || !kActions.contains(action)) {
    return reject({404, "InvalidAction.NotFound",
                   "Specified api is not found, please check your url and method."});
  }
  bool faulty = faults_.actions.empty() || std::find(faults_.actions.begin(), faults_.actions.end(),
                                                     action) != faults_.actions.end();
  if (faulty && roll(faults_.throttle)) {
    auto response =
        reject({400, "Throttling.User", "Request was denied due to user flow control."});
    if (faults_.throttle_retry_after_ms > 0) {
      response.headers.emplace_back("x-acs-retry-after",
                                    std::to_string(faults_.throttle_retry_after_ms));
    }
    return response;
  }
  if (faulty && roll(faults_.server_error)) {
    return reject({503, "ServiceUnavailable",
                   "The request has failed due to a temporary failure of the server."});
  }
  auto answer = ecs ? ecsAnswer(action, caller.params) : answerFor(action, caller.params);
  if (!answer) return reject(answer.error());
  http::ServerResponse response = std::move(*answer);
  if (faulty && roll(faults_.malformed)) {
    response.body.resize(response.body.size() / 2);
    count(action, "malformed");
    return response;
  }
  count(action, "OK");
  return response;
}

std::expected<http::ServerResponse, Gateway::Rejection> Gateway::answerFor(
    const std::string& action, const util::Params& params) {
  if (action == "ListRegions") return listRegions(params);
  if (action == "DescribeCommandInvocations") return describeCommandInvocations(params);
  auto body = action == "ListInstances"
                  ? inventory_.listInstances(params, clock_.now(), requestId())
                  : inventory_.cloudAssistantStatus(params, clock_.now(), requestId());
  if (!body)
    return std::unexpected(Rejection{body.error().status, body.error().code, body.error().message});
  return json(200, std::move(*body));
}

std::expected<http::ServerResponse, Gateway::Rejection> Gateway::ecsAnswer(
    const std::string& action, const util::Params& params) {
  auto body = ecs_.answer(action, params, clock_.now(), requestId(), listedRegions(true));
  if (!body)
    return std::unexpected(Rejection{body.error().status, body.error().code, body.error().message});
  return json(200, std::move(*body));
}

std::expected<http::ServerResponse, Gateway::Rejection> Gateway::describeCommandInvocations(
    const util::Params& params) {
  auto invalid = [](std::string message) {
    return std::unexpected(Rejection{400, "InvalidParameter", std::move(message)});
  };
  Query query{param(params, "RegionId"),        param(params, "InstanceId"),
              param(params, "InvokeId"),        param(params, "CommandId"),
              param(params, "CommandName"),     param(params, "CommandType"),
              param(params, "InvocationStatus")};
  if (query.region_id.empty()) {
    return std::unexpected(
        Rejection{400, "MissingRegionId", "RegionId is mandatory for this action."});
  }
  std::string size_text = param(params, "PageSize");
  std::string number_text = param(params, "PageNumber");
  auto page_size = size_text.empty() ? std::optional<int>(10) : parsePositive(size_text);
  auto page_number = number_text.empty() ? std::optional<int>(1) : parsePositive(number_text);
  if (!page_size || *page_size < 1 || *page_size > 50) {
    return invalid("The specified parameter PageSize is not valid: it must be 1 to 50.");
  }
  if (!page_number || *page_number < 1) {
    return invalid("The specified parameter PageNumber is not valid.");
  }
  for (int i = 0; *page_number > 1 && i < faults_.insert_on_later_pages; ++i) {
    world_.insertGenerated(query.region_id, clock_.now());
  }
  auto matches = world_.query(query);
  hideVanished(matches);
  if (faults_.lying_total) {
    page_number = 1;  // PageNumber ignored
    count("hostile", "lying_total");
  }
  std::string body;
  JsonObject root(body);
  root.str("RequestId", requestId());
  root.num("TotalCount",
           faults_.lying_total ? kLyingTotal : static_cast<long long>(matches.size()));
  root.num("PageNumber", *page_number);
  root.num("PageSize", *page_size);
  root.key("CommandInvocations");
  body.push_back('[');
  size_t begin = static_cast<size_t>(*page_number - 1) * static_cast<size_t>(*page_size);
  size_t end = std::min(matches.size(), begin + static_cast<size_t>(*page_size));
  for (size_t i = begin; i < end; ++i) {
    const SimInvocation& inv = *matches[i];
    if (i != begin) body.push_back(',');
    JsonObject o(body);
    o.str("InvokeId", inv.invoke_id);
    o.str("CreationTime", core::formatCreationTime(inv.creation_time));
    o.str("CommandId", inv.command_id);
    o.str("InvocationStatus", overallStatus(inv.instances));
    o.str("CommandName", inv.command_name);
    o.str("CommandType", inv.command_type);
    o.str("CommandDescription", "");
    o.str("Username", "root");
    o.str("WorkingDir", "/root");
    o.num("Timeout", inv.timeout);
    o.str("CommandContent", inv.command_content);
    o.str("Parameters", "{}");
    o.key("InvokeInstances");
    body.push_back('[');
    bool first = true;
    for (const auto& inst : inv.instances) {
      if (!query.instance_id.empty() && inst.instance_id != query.instance_id) continue;
      if (!first) body.push_back(',');
      first = false;
      JsonObject io(body);
      io.str("InstanceId", inst.instance_id);
      io.str("StartTime", inst.start_time);
      io.str("FinishTime", inst.finish_time);
      io.str("InvocationStatus", inst.status);
      std::string corrupt;
      if (roll(faults_.bad_fields)) {
        auto [key, value] = corruptInstanceField(static_cast<unsigned>(rng_()));
        io.raw(key, value);
        corrupt = key;
        count("hostile", "bad_field");
      }
      if (corrupt != "Output") io.str("Output", inst.output);
      if (inst.exit_code && corrupt != "ExitCode") io.num("ExitCode", *inst.exit_code);
      if (corrupt != "ErrorInfo") io.str("ErrorInfo", inst.error_info);
      io.str("ErrorCode", inst.error_code);
      io.close();
    }
    body.push_back(']');
    o.close();
  }
  if (roll(faults_.bad_records)) {
    if (end > begin) body.push_back(',');
    body += junkRecord(static_cast<unsigned>(rng_()));
    count("hostile", "bad_record");
  }
  body.push_back(']');
  root.close();
  return json(200, std::move(body));
}

std::vector<std::string> Gateway::listedRegions(bool ecs) const {
  std::vector<std::string> ids;
  for (const auto& id : world_.regionIds()) {
    if (id.starts_with(kEcsPrefix) != ecs) continue;
    auto closed = [&](const RegionPlan& plan) {
      return plan.region_id == id &&
             (plan.listed_from > clock_.now() ||
              (plan.listed_until > Seconds(0) && plan.listed_until <= clock_.now()));
    };
    if (std::none_of(scenario_.regions.begin(), scenario_.regions.end(), closed))
      ids.push_back(ecs ? id.substr(kEcsPrefix.size()) : id);
  }
  if (ids.empty()) ids = {"cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1"};
  return ids;
}

std::expected<http::ServerResponse, Gateway::Rejection> Gateway::listRegions(const util::Params&) {
  std::vector<std::string> ids = listedRegions(false);
  std::string body;
  JsonObject root(body);
  root.str("RequestId", requestId());
  root.key("Regions");
  body.push_back('[');
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) body.push_back(',');
    JsonObject o(body);
    o.str("RegionId", ids[i]);
    o.str("LocalName", ids[i]);
    o.str("RegionEndpoint", "swas." + ids[i] + ".aliyuncs.com");
    o.close();
  }
  body.push_back(']');
  root.close();
  return json(200, std::move(body));
}

// ---- ECS metadata service ---------------------------------------------------------------

void Gateway::handleMetadata(const http::ServerRequest& request, const http::Responder& respond) {
  const Metadata& m = scenario_.metadata;
  auto text = [](int status, std::string body) {
    return http::ServerResponse{status, {{"Content-Type", "text/plain"}}, std::move(body)};
  };
  if (request.target == "/latest/api/token") {
    if (request.method != "PUT" || m.disable_token) {
      count("MetadataToken", "404");
      respond(text(404, "Not Found"));
      return;
    }
    if (request.header("x-aliyun-ecs-metadata-token-ttl-seconds").empty()) {
      count("MetadataToken", "400");
      respond(text(400, "missing X-aliyun-ecs-metadata-token-ttl-seconds"));
      return;
    }
    std::string token = "imds-" + std::to_string(rng_());
    metadata_tokens_.insert(token);
    count("MetadataToken", "200");
    respond(text(200, token));
    return;
  }
  std::string token(request.header("x-aliyun-ecs-metadata-token"));
  if (!token.empty() && !metadata_tokens_.contains(token)) {
    count("MetadataCredentials", "401");
    respond(text(401, "invalid metadata token"));
    return;
  }
  if (token.empty() && m.require_token) {
    count("MetadataCredentials", "401");
    respond(text(401, "IMDSv2 token required"));
    return;
  }
  static constexpr std::string_view kPrefix = "/latest/meta-data/ram/security-credentials/";
  if (!std::string_view(request.target).starts_with(kPrefix)) {
    respond(text(404, "Not Found"));
    return;
  }
  std::string role = request.target.substr(kPrefix.size());
  if (role.empty()) {
    count("MetadataRole", "200");
    respond(text(200, m.role_name));
    return;
  }
  if (role != m.role_name) {
    count("MetadataCredentials", "404");
    respond(text(404, "Not Found"));
    return;
  }
  if (m.fail) {
    count("MetadataCredentials", "500");
    respond(text(500, "Internal Server Error"));
    return;
  }
  auto now = std::chrono::system_clock::now();
  auto expires =
      now + std::chrono::duration_cast<std::chrono::system_clock::duration>(m.credentials_ttl);
  std::string id = "STS.sim" + std::to_string(rng_() % 1000000000);
  std::string secret = "sim-secret-" + std::to_string(rng_());
  std::string sts_token = "sim-token-" + std::to_string(rng_());
  sts_[{id, sts_token}] = Secret{secret, expires};
  std::string body;
  JsonObject o(body);
  o.str("AccessKeyId", id);
  o.str("AccessKeySecret", secret);
  o.str("SecurityToken", sts_token);
  o.str("Expiration", core::formatIso8601(expires));
  o.str("LastUpdated", core::formatIso8601(now));
  o.str("Code", "Success");
  o.close();
  count("MetadataCredentials", "200");
  respond(json(200, std::move(body)));
}

// ---- Admin ------------------------------------------------------------------------------

std::string Gateway::stats(bool with_truth, double since) const {
  std::string body;
  JsonObject root(body);
  root.key("requests");
  JsonObject actions(body);
  for (const auto& [action, codes] : counts_) {
    actions.key(action);
    JsonObject c(body);
    for (const auto& [code, n] : codes) c.num(code, static_cast<long long>(n));
    c.close();
  }
  actions.close();
  root.num("invocations", static_cast<long long>(world_.invocationCount()));
  root.key("now");
  body += std::to_string(clock_.now().count());
  root.num("truth_count", static_cast<long long>(world_.truth().size()));
  root.num("events_sent", static_cast<long long>(events_.sent()));
  root.num("events_failed", static_cast<long long>(events_.failed()));
  root.key("vanished");
  body.push_back('[');
  for (const auto& id : vanished_) {
    if (body.back() != '[') body.push_back(',');
    core::appendJsonString(body, id);
  }
  body.push_back(']');
  if (with_truth) {
    root.key("truth");
    body.push_back('[');
    bool first = true;
    for (const auto& t : world_.truth()) {
      if (t.time < since) continue;
      if (!first) body.push_back(',');
      first = false;
      JsonObject e(body);
      e.key("time");
      body += std::to_string(t.time);
      e.str("region_id", t.region_id);
      e.str("invoke_id", t.invoke_id);
      e.str("instance_id", t.instance_id);
      e.str("from", t.from);
      e.str("to", t.to);
      e.close();
    }
    body.push_back(']');
  }
  root.close();
  return body;
}

void Gateway::handleAdmin(const http::ServerRequest& request, const http::Responder& respond) {
  std::string path = request.target.substr(0, request.target.find('?'));
  world_.advanceTo(clock_.now());
  try {
    if (path == "/_sim/stats" && request.method == "GET") {
      bool truth = request.target.find("truth=0") == std::string::npos;
      auto query = util::parseQuery(
          request.target.substr(std::min(request.target.size(), request.target.find('?') + 1)));
      std::string since = query ? param(*query, "since") : "";
      respond(json(200, stats(truth, since.empty() ? -std::numeric_limits<double>::infinity()
                                                   : std::stod(since))));
    } else if (path == "/_sim/faults" && request.method == "POST") {
      applyFaults(faults_, request.body);
      respond(json(200, "{\"ok\":true}"));
    } else if (path == "/_sim/advance" && request.method == "POST") {
      auto query = util::parseQuery(request.target.substr(request.target.find('?') + 1));
      std::string seconds = query ? param(*query, "seconds") : "";
      if (seconds.empty()) throw std::runtime_error("use POST /_sim/advance?seconds=N");
      clock_.advance(Seconds(std::stod(seconds)));
      world_.advanceTo(clock_.now());
      events_.flush();
      respond(json(200, "{\"ok\":true}"));
    } else if (path == "/_sim/events" && request.method == "POST") {
      // EventBridge: TaskCompleted events of the ECS world from now on to ?url= with ?token=
      // (as a bearer token, or in the URL with &token_in=query).
      auto query = util::parseQuery(request.target.substr(request.target.find('?') + 1));
      if (!query || param(*query, "url").empty()) {
        throw std::runtime_error("use POST /_sim/events?url=URL&token=TOKEN[&token_in=query]");
      }
      events_.start(
          {param(*query, "url"), param(*query, "token"), param(*query, "token_in") == "query"});
      respond(json(200, "{\"ok\":true}"));
    } else if (path == "/_sim/revoke" && request.method == "POST") {
      // The AccessKey is deleted: its calls answer InvalidAccessKeyId.NotFound from now on.
      auto query = util::parseQuery(request.target.substr(request.target.find('?') + 1));
      std::string id = query ? param(*query, "access_key_id") : "";
      if (accounts_.erase(id) == 0) throw std::runtime_error("no AccessKey " + id);
      respond(json(200, "{\"ok\":true}"));
    } else if (path == "/_sim/invocations" && request.method == "POST") {
      world_.addInvocation(parseInvocation(request.body), clock_.now());
      respond(json(200, "{\"ok\":true}"));
    } else {
      respond(json(404, "{\"error\":\"unknown admin endpoint\"}"));
    }
  } catch (const std::exception& e) {
    std::string body;
    JsonObject o(body);
    o.str("error", e.what());
    o.close();
    respond(json(400, std::move(body)));
  }
}

}  // namespace swas::sim
