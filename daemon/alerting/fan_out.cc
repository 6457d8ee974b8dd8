#include "daemon/alerting/fan_out.h"

#include <spdlog/spdlog.h>

#include "daemon/alerting/receivers.h"

namespace swas::alerting {
namespace {

bool delivered(const http::HttpResult& r) { return r && r->status >= 200 && r->status < 300; }

bool retryable(const http::HttpResult& r) {
  return !r || r->status == 408 || r->status == 429 || r->status >= 500;
}

// Ranks answers: delivered over retryable over the rest (which would drop the message).
int rank(const http::HttpResult& r) { return delivered(r) ? 2 : retryable(r) ? 1 : 0; }

struct Fan {
  size_t waiting = 0;
  std::optional<http::HttpResult> best;
  http::HttpCallback done;
};

}  // namespace

void sendToPeers(http::HttpClient& http, const http::HttpRequest& request,
                 const std::vector<PeerTarget>& peers, const std::string& receiver,
                 core::AlertObserver* observer, std::shared_ptr<PeerLog> log,
                 http::HttpCallback done) {
  auto fan = std::make_shared<Fan>();
  fan->waiting = peers.size();
  fan->done = std::move(done);
  for (const auto& target : peers) {
    http::HttpRequest copy = request;
    copy.url = target.url;
    http.send(std::move(copy), [fan, log, observer, receiver,
                                peer = target.name](http::HttpResult result) {
      std::string& last = log->last_error[peer];
      if (delivered(result)) {
        if (!last.empty()) {
          spdlog::info("alerts: receiver={} peer={} takes messages again", receiver, peer);
          last.clear();
        }
      } else {
        if (observer) observer->onPeerFailure(receiver, peer);
        std::string reason = classify(result, std::chrono::system_clock::now()).reason;
        if (reason != last) {
          spdlog::warn(
              "alerts: receiver={} peer={} failed: {} (the other peers are still sent "
              "every message)",
              receiver, peer, reason);
          last = reason;
        }
      }
      if (!fan->best || rank(result) > rank(*fan->best)) fan->best = std::move(result);
      if (--fan->waiting == 0) fan->done(std::move(*fan->best));
    });
  }
}

}  // namespace swas::alerting
