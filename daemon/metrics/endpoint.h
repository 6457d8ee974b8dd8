#pragma once

// The exposition endpoint: /metrics, /healthz and /readyz on http.listen, served from its own
// thread so a scrape never waits for the poll loop and the poll loop never waits for a scrape.
// A scrape reads memory only; it never causes an API call.

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/core/clock.h"
#include "daemon/http/http_server.h"

namespace prometheus {
class Registry;
}

namespace swas::metrics {

// The event loop's beat with the shortest poll interval given: each poll's end puts it off, so
// it comes only when no poll ended for 3 intervals (at least 10 ms, at most 10 s). Three, not
// fewer: asio's epoll reactor leaves its timerfd at a cancelled timer's deadline, so a beat put
// off from before the next poll (polls on time are up to 2 intervals apart with jitter 1) still
// woke the loop once mid-poll for nothing. Throttled polls (stretched up to 8 intervals) and
// the 10 s cap bring that wakeup back: a cost, never a missed beat.
std::chrono::milliseconds beatEvery(std::chrono::milliseconds shortest_interval);
// When the loop counts as stuck: no progress for 3 intervals beyond the longest quiet gap
// between beats, so a loop beating on time is never called stuck after a shorter stall.
std::chrono::milliseconds stuckAfter(std::chrono::milliseconds shortest_interval);

// Liveness and readiness, written by the event loop and read by the endpoint's thread.
class Health {
 public:
  // The loop counts as stuck when it has not beaten for `stuck_after`.
  Health(const core::Clock& clock, std::chrono::steady_clock::duration stuck_after);

  struct Answer {
    int status = 200;
    std::string body;  // one line per fact
  };

  // The event loop is turning.
  void beat();
  // `reason` says why a region is not ready yet.
  void setRegion(const std::string& region_id, bool ready, const std::string& reason);

  // A problem of a part other than a region (e.g. "state": the outbox cannot be written); an
  // empty `problem` clears it. Not ready while any is set.
  void setProblem(const std::string& part, const std::string& problem);

  // The regions polled (others are forgotten; new ones are not ready until they report) and
  // the stuck threshold, at start and on reload.
  void follow(const std::vector<std::string>& regions,
              std::chrono::steady_clock::duration stuck_after);

  // 200 while the loop beats, 503 once it has been stuck for stuck_after.
  Answer live() const;
  // When this process started (Unix ms): /healthz says it in X-Swas-Started-At, for the peers
  // of a cluster (cluster::PeerWatch).
  int64_t startedMs() const { return started_ms_; }
  // The cluster layout this replica runs with (X-Swas-Cluster of /healthz); "" when alone.
  void setLayout(std::string layout);
  std::string layout() const;
  // 200 once every region has completed one poll, else 503 with a line per region not ready.
  Answer ready() const;

 private:
  struct Region {
    bool ready = false;
    std::string reason = "no poll has completed yet";
  };
  const core::Clock& clock_;
  const int64_t started_ms_;
  std::chrono::steady_clock::duration stuck_after_;
  mutable std::mutex mutex_;
  std::chrono::steady_clock::time_point last_beat_;
  std::map<std::string, Region> regions_;
  std::map<std::string, std::string> problems_;
  std::string layout_;
};

class Endpoint {
 public:
  Endpoint(prometheus::Registry& registry, const Health& health, http::ServerLimits limits = {});
  ~Endpoint();  // stops serving
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // What GET / answers: the status page, rendered on a thread of its own (never the event
  // loop's, and never the one that answers scrapes and probes: a slow render delays neither).
  // Set before start(); without one, / lists the other paths.
  struct Page {
    int status = 200;
    std::string html;
  };
  void setPage(std::function<Page()> page);

  // An answer to a POST: callable from any thread, once; it is written on the endpoint's
  // thread, and dropped when the endpoint stopped meanwhile.
  using Reply = std::function<void(http::ServerResponse)>;
  using PostHandler = std::function<void(http::ServerRequest, Reply)>;
  // Whether a POST under the prefix may bring a body over the small limit (up to the limits'
  // max_large_body_bytes), from its head alone: called on the endpoint's thread before any of
  // the body is read (the relay's token check). Without one, none may.
  using HeadCheck = std::function<bool(const http::ServerRequest&)>;
  // POSTs to paths under `prefix` when it ends in '/' (else to that path alone, with or without
  // a trailing '/') go to `handler`, called on the endpoint's thread; it answers through the
  // reply, at once or later. One call per prefix (the relay's, the event hints'); no prefix is
  // under another. Set before start().
  void setPost(std::string prefix, PostHandler handler, HeadCheck large_body = {});

  // Binds `listen` ("HOST:PORT", port 0 = any free port) and serves on a thread of its own.
  // Returns the bound "HOST:PORT".
  std::expected<std::string, std::string> start(const std::string& listen);
  void stop();
  bool serving() const;
  // What the listeners refused so far, over every start.
  http::ServerStats serverStats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swas::metrics
