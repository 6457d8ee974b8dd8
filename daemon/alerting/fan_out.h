#pragma once

// One message to every peer of an Alertmanager cluster (an alertmanager receiver's urls:), as
// Prometheus's notifier sends to every Alertmanager: all at once, and the message counts as
// delivered when any peer took it. A peer that missed it gets the firing set at the next
// re-send (FiringSetResender), so a peer that was down catches up within a minute.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/alert.h"
#include "daemon/http/http_client.h"

namespace swas::alerting {

// What each peer said last, so a failing peer is logged when it starts failing and when it is
// back, not on every message.
struct PeerLog {
  std::map<std::string, std::string> last_error;  // by peer name; "" while it takes messages
};

// A peer: its name (util::peerName) and the URL its messages go to.
struct PeerTarget {
  std::string name;
  std::string url;
};

// Posts `request` with its URL replaced by each peer's;
// `done` gets, once every peer answered: a 2xx if any peer gave one, else a retryable answer
// (transport error, 408, 429, 5xx) if any, else the first answer.
void sendToPeers(http::HttpClient& http, const http::HttpRequest& request,
                 const std::vector<PeerTarget>& peers, const std::string& receiver,
                 core::AlertObserver* observer, std::shared_ptr<PeerLog> log,
                 http::HttpCallback done);

}  // namespace swas::alerting
