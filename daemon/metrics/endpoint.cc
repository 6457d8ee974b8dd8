#include "daemon/metrics/endpoint.h"

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "daemon/core/time.h"
#include "daemon/http/http_server.h"
#include "daemon/metrics/metrics.h"

namespace swas::metrics {
namespace asio = boost::asio;

std::chrono::milliseconds beatEvery(std::chrono::milliseconds shortest_interval) {
  return std::clamp<std::chrono::milliseconds>(shortest_interval * 3, std::chrono::milliseconds(10),
                                               std::chrono::seconds(10));
}

std::chrono::milliseconds stuckAfter(std::chrono::milliseconds shortest_interval) {
  return 3 * shortest_interval + beatEvery(shortest_interval);
}

Health::Health(const core::Clock& clock, std::chrono::steady_clock::duration stuck_after)
    : clock_(clock),
      started_ms_(core::unixMillis(clock.now())),
      stuck_after_(stuck_after),
      last_beat_(clock.steadyNow()) {}

void Health::beat() {
  auto now = clock_.steadyNow();
  std::lock_guard lock(mutex_);
  last_beat_ = now;
}

namespace {

// One line per fact: API messages may carry newlines (a StringToSign, for one).
std::string oneLine(const std::string& reason) {
  constexpr size_t kMaxReason = 300;
  std::string line = reason.substr(0, kMaxReason);
  for (char& c : line) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (reason.size() > kMaxReason) line += "...";
  return line;
}

}  // namespace

void Health::setRegion(const std::string& region_id, bool ready, const std::string& reason) {
  std::string line = oneLine(reason);
  std::lock_guard lock(mutex_);
  regions_[region_id] = {ready, std::move(line)};
}

void Health::setProblem(const std::string& part, const std::string& problem) {
  std::string line = oneLine(problem);
  std::lock_guard lock(mutex_);
  if (line.empty()) {
    problems_.erase(part);
  } else {
    problems_[part] = std::move(line);
  }
}

void Health::follow(const std::vector<std::string>& regions,
                    std::chrono::steady_clock::duration stuck_after) {
  std::lock_guard lock(mutex_);
  stuck_after_ = stuck_after;
  std::erase_if(regions_, [&](const auto& entry) {
    return std::find(regions.begin(), regions.end(), entry.first) == regions.end();
  });
  // Not ready until they have polled: from the moment they are known, not from their first
  // report (a probe in between saw "ready: 0 region(s)").
  for (const auto& id : regions) regions_.try_emplace(id);
}

void Health::setLayout(std::string layout) {
  std::lock_guard lock(mutex_);
  layout_ = std::move(layout);
}

std::string Health::layout() const {
  std::lock_guard lock(mutex_);
  return layout_;
}

Health::Answer Health::live() const {
  auto now = clock_.steadyNow();
  std::lock_guard lock(mutex_);
  auto silent = now - last_beat_;
  if (silent >= stuck_after_) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(silent).count();
    return {503, "event loop stuck: no progress for " + std::to_string(ms / 1000) + "." +
                     std::to_string(ms % 1000 / 100) + "s\n"};
  }
  return {200, "ok\n"};
}

Health::Answer Health::ready() const {
  std::lock_guard lock(mutex_);
  std::string waiting;
  for (const auto& [id, region] : regions_) {
    if (!region.ready) waiting += "region " + id + " not ready: " + region.reason + "\n";
  }
  for (const auto& [part, problem] : problems_) waiting += part + " not ready: " + problem + "\n";
  if (!waiting.empty()) return {503, waiting};
  return {200, "ready: " + std::to_string(regions_.size()) + " region(s) polled\n"};
}

struct Endpoint::Impl {
  Impl(prometheus::Registry& r, const Health& h, http::ServerLimits l)
      : registry(r), health(h), limits(l) {}

  static void commonHeaders(http::ServerResponse& response) {
    response.headers.emplace_back("Cache-Control", "no-store");
    response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  }

  // A responder that waits here, on this thread, for an answer made on another: the reply may
  // be called from any thread, once; it is dropped once the endpoint stopped.
  Reply park(http::Responder respond) {
    uint64_t id = ++last_parked;
    waiting.emplace(id, std::move(respond));
    return [this, id](http::ServerResponse response) {
      std::lock_guard lock(reply_mutex);
      if (!accepting) return;
      asio::post(io, [this, id, response = std::move(response)]() mutable {
        auto it = waiting.find(id);
        if (it == waiting.end()) return;
        http::Responder respond = std::move(it->second);
        waiting.erase(it);
        commonHeaders(response);
        respond(std::move(response));
      });
    };
  }

  static http::ServerResponse pageResponse(Page answer) {
    http::ServerResponse response{
        answer.status, {{"Content-Type", "text/html; charset=utf-8"}}, std::move(answer.html)};
    // Every value on the page is untrusted (command output, API fields): escaped when
    // rendered, and nothing may run or load even if one slipped through.
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'none'; style-src 'unsafe-inline'");
    response.headers.emplace_back("X-Frame-Options", "DENY");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
    return response;
  }

  struct Route {
    std::string prefix;
    PostHandler handler;
    HeadCheck large;
  };
  // The route a path is under (a prefix that ends in '/'), or is (any other, with or without
  // a trailing '/'), if any.
  const Route* routeOf(std::string_view path) const {
    path = path.substr(0, path.find('?'));
    for (const auto& route : routes) {
      bool under = route.prefix.ends_with('/') && path.starts_with(route.prefix);
      if (under || path == route.prefix || path == route.prefix + "/") return &route;
    }
    return nullptr;
  }

  // POSTs under a route whose head its check admits may be large.
  bool mayBeLarge(const http::ServerRequest& head) const {
    const Route* route = routeOf(head.target);
    return route && route->large && head.method == "POST" && route->large(head);
  }

  void handle(http::ServerRequest request, http::Responder respond) {
    std::string path = request.target.substr(0, request.target.find('?'));
    auto text = [](int status, std::string body, std::string_view type) {
      http::ServerResponse response{status, {{"Content-Type", std::string(type)}}, std::move(body)};
      commonHeaders(response);
      return response;
    };
    constexpr std::string_view kPlain = "text/plain; charset=utf-8";
    const Route* route = routeOf(path);
    bool posted_path = route != nullptr;
    if (posted_path && request.method == "POST") {
      route->handler(std::move(request), park(std::move(respond)));
      return;
    }
    if (request.method != "GET" || posted_path) {
      std::string allowed = posted_path ? "POST" : "GET";
      auto response = text(405, "use " + allowed + "\n", kPlain);
      response.headers.emplace_back("Allow", allowed);
      respond(std::move(response));
      return;
    }
    http::ServerResponse response;
    if (path == "/metrics") {
      response = text(200, serializeText(registry), kTextFormat);
    } else if (path == "/healthz") {
      auto answer = health.live();
      response = text(answer.status, std::move(answer.body), kPlain);
      response.headers.emplace_back("X-Swas-Started-At", std::to_string(health.startedMs()));
      if (auto layout = health.layout(); !layout.empty()) {
        response.headers.emplace_back("X-Swas-Cluster", std::move(layout));
      }
    } else if (path == "/readyz") {
      auto answer = health.ready();
      response = text(answer.status, std::move(answer.body), kPlain);
    } else if (path == "/" && page) {
      // Rendered on the page's thread; renders queue there, never here.
      asio::post(page_io,
                 [this, reply = park(std::move(respond))] { reply(pageResponse(page())); });
      return;
    } else if (path == "/") {
      response = text(200,
                      "swas-invocation-monitor\n/metrics  Prometheus metrics\n"
                      "/healthz  liveness of the event loop\n/readyz   every region polled once\n",
                      kPlain);
    } else {
      response = text(404, "not found; try /metrics, /healthz or /readyz\n", kPlain);
    }
    respond(std::move(response));
  }

  prometheus::Registry& registry;
  const Health& health;
  std::function<Page()> page;
  std::vector<Route> routes;                    // the POST paths
  std::map<uint64_t, http::Responder> waiting;  // answers awaited from elsewhere (this thread's)
  uint64_t last_parked = 0;
  std::mutex reply_mutex;  // replies come from other threads; none is posted once stopped
  bool accepting = false;
  http::ServerLimits limits;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::unique_ptr<http::HttpServer> server;
  asio::io_context page_io;  // the status page's renders, one at a time
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> page_work;
  std::thread page_thread;
  http::ServerStats earlier;  // of the listeners before this one (a reload moved it)
  std::thread thread;
};

Endpoint::Endpoint(prometheus::Registry& registry, const Health& health, http::ServerLimits limits)
    : impl_(std::make_unique<Impl>(registry, health, limits)) {}

Endpoint::~Endpoint() { stop(); }

void Endpoint::setPage(std::function<Page()> page) { impl_->page = std::move(page); }

void Endpoint::setPost(std::string prefix, PostHandler handler, HeadCheck large_body) {
  impl_->routes.push_back({std::move(prefix), std::move(handler), std::move(large_body)});
}

std::expected<std::string, std::string> Endpoint::start(const std::string& listen) {
  auto address = http::parseListenAddress(listen);
  if (!address) return std::unexpected("http.listen " + address.error());
  Impl& d = *impl_;
  http::ServerLimits limits = d.limits;
  limits.large_body = [&d](const http::ServerRequest& head) { return d.mayBeLarge(head); };
  d.server = std::make_unique<http::HttpServer>(
      d.io,
      [&d](http::ServerRequest request, http::Responder respond) {
        d.handle(std::move(request), std::move(respond));
      },
      std::move(limits));
  auto port = d.server->listen(address->host, address->port);
  if (!port) {
    d.server.reset();
    return std::unexpected(port.error());
  }
  d.io.restart();  // after a stop(), for a reload that moved http.listen
  d.work.emplace(d.io.get_executor());
  {
    std::lock_guard lock(d.reply_mutex);
    d.accepting = true;
  }
  d.thread = std::thread([&d] { d.io.run(); });
  d.page_io.restart();
  d.page_work.emplace(d.page_io.get_executor());
  d.page_thread = std::thread([&d] { d.page_io.run(); });
  bool v6 = address->host.find(':') != std::string::npos;
  return (v6 ? "[" + address->host + "]" : address->host) + ":" + std::to_string(*port);
}

void Endpoint::stop() {
  Impl& d = *impl_;
  if (!d.thread.joinable()) return;
  {
    std::lock_guard lock(d.reply_mutex);
    d.accepting = false;
  }
  asio::post(d.io, [&d] {
    d.waiting.clear();
    d.server->stop();
    d.work.reset();
    d.io.stop();
  });
  d.thread.join();
  d.page_work.reset();
  d.page_io.stop();  // a render under way ends first; its reply is dropped
  d.page_thread.join();
  d.earlier += d.server->stats();
  d.server.reset();
}

bool Endpoint::serving() const { return impl_->thread.joinable(); }

http::ServerStats Endpoint::serverStats() const {
  http::ServerStats total = impl_->earlier;
  if (impl_->server) total += impl_->server->stats();
  return total;
}

}  // namespace swas::metrics
