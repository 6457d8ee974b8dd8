#pragma once

#include <chrono>
#include <deque>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>

#include "daemon/http/http_server.h"
#include "daemon/util/percent_encoding.h"
#include "tests/simulator/ecs.h"
#include "tests/simulator/event_sender.h"
#include "tests/simulator/inventory.h"
#include "tests/simulator/scenario.h"
#include "tests/simulator/world.h"

namespace boost::asio {
class io_context;
}

namespace swas::sim {

// Simulated time: wall-clock seconds since start (unless the scenario's clock is manual) plus
// whatever POST /_sim/advance added.
class SimClock {
 public:
  explicit SimClock(bool manual);
  Seconds now() const;
  void advance(Seconds by) { offset_ += by; }
  std::chrono::system_clock::time_point epoch() const { return epoch_; }

 private:
  bool manual_;
  std::chrono::system_clock::time_point epoch_;
  std::chrono::steady_clock::time_point start_;
  Seconds offset_{0};
};

// The Alibaba Cloud gateway in front of SWAS, as strict as the real one about signatures, plus
// the ECS metadata service and the simulator's own /_sim/ admin endpoints.
class Gateway {
 public:
  Gateway(boost::asio::io_context& io, Scenario scenario);
  void handle(http::ServerRequest request, http::Responder respond);

 private:
  struct Caller {
    std::string access_key_id;
    std::string action;
    std::string version;
    util::Params params;
  };
  struct Rejection {
    int status;
    std::string code;
    std::string message;
  };
  struct Secret {
    std::string access_key_secret;
    std::optional<std::chrono::system_clock::time_point> expires;
  };

  void handleApi(http::ServerRequest request, http::Responder respond);
  void handleAdmin(const http::ServerRequest& request, const http::Responder& respond);
  void handleMetadata(const http::ServerRequest& request, const http::Responder& respond);
  // STS AssumeRoleWithOIDC (sts.cc): unsigned; the token is the proof.
  void handleSts(const http::ServerRequest& request, const http::Responder& respond);
  std::expected<Caller, Rejection> authenticate(const http::ServerRequest& request,
                                                const util::Params& query,
                                                const util::Params& form);
  std::expected<Caller, Rejection> verifyV3(const http::ServerRequest& request,
                                            const util::Params& query, const util::Params& form);
  std::expected<Caller, Rejection> verifyV1(const http::ServerRequest& request,
                                            util::Params params);
  std::expected<std::string, Rejection> secretFor(const std::string& access_key_id,
                                                  const std::string& token);
  std::optional<Rejection> checkTimestamp(const std::string& text, bool v3);
  std::optional<Rejection> useNonce(const std::string& nonce);
  http::ServerResponse dispatch(const Caller& caller, const std::string& host);
  // An action answers, or rejects the call; dispatch() counts and formats the rejection.
  std::expected<http::ServerResponse, Rejection> answerFor(const std::string& action,
                                                           const util::Params& params);
  std::expected<http::ServerResponse, Rejection> ecsAnswer(const std::string& action,
                                                           const util::Params& params);
  std::expected<http::ServerResponse, Rejection> describeCommandInvocations(
      const util::Params& params);
  std::expected<http::ServerResponse, Rejection> listRegions(const util::Params& params);
  // The regions ListRegions (SWAS) or DescribeRegions (ECS) lists now.
  std::vector<std::string> listedRegions(bool ecs) const;
  http::ServerResponse errorResponse(const Rejection& rejection, const std::string& host);
  http::ServerResponse json(int status, std::string body);
  std::string requestId();
  bool roll(double probability);
  void hideVanished(std::vector<const SimInvocation*>& matches);
  void count(const std::string& action, const std::string& code);
  // Ground truth from `since` (simulator seconds; history before the start is negative).
  std::string stats(bool with_truth, double since) const;

  boost::asio::io_context& io_;
  Scenario scenario_;
  SimClock clock_;
  World world_;
  EventSender events_;
  Inventory inventory_;
  EcsApi ecs_;
  Faults faults_;
  std::mt19937_64 rng_;
  uint64_t request_counter_ = 0;
  std::unordered_map<std::string, std::string> accounts_;
  std::map<std::pair<std::string, std::string>, Secret> sts_;  // (AK, token) -> secret
  std::set<std::string> nonces_;
  std::set<std::string> vanish_rolled_;  // unfinished invocations the vanish fault has seen
  std::set<std::string> vanished_;       // hidden for ever
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> nonce_order_;
  std::set<std::string> metadata_tokens_;
  std::map<std::string, std::map<std::string, uint64_t>> counts_;  // action -> code -> n
};

}  // namespace swas::sim
