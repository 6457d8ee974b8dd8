#include "daemon/app/daemon.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <ostream>

#include "daemon/app/daemon_impl.h"
#include "daemon/util/terminal.h"

namespace swas::app {

Daemon::Daemon(config::Config config, util::EnvLookup env, std::string config_path)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(env), std::move(config_path))) {}

Daemon::~Daemon() {
  if (impl_->rt) impl_->rt->stop();
  impl_->http.cancelAll();
  impl_->io.restart();
  impl_->io.poll();  // let cancelled polls unwind before their owners go
  impl_->rt.reset();
}

void Daemon::overrideLogLevel(std::string level) { impl_->log_level_override = std::move(level); }

std::expected<void, std::string> Daemon::init(core::TransitionSink& sink) {
  Impl& d = *impl_;
  d.external_sink = &sink;
  auto store = state::Store::open(d.initial.state.path);
  if (!store) return std::unexpected(store.error());
  d.store = std::move(*store);
  d.status_recorder.emplace(*d.store, d.clock, d.deliveries);
  d.page = std::make_unique<ops::StatusPage>(d.store->path(), versionString(), d.clock);
  d.endpoint.setPage([&d] {
    if (!d.status_page_on) {
      return metrics::Endpoint::Page{404,
                                     "<!DOCTYPE html><title>not found</title>"
                                     "<p>The status page is off (http.status_page).</p>\n"};
    }
    ops::Page page = d.page->render();
    return metrics::Endpoint::Page{page.status, std::move(page.html)};
  });
  // Relayed notifications and events are parsed on the endpoint's thread (a 4 MiB payload must
  // not hold up polls and deliveries) and handled on the loop; the reply goes back to the
  // endpoint's thread. Only a head bearing the door's token (admits) may bring a large body:
  // anyone else's is refused unread. The loop runs only while the endpoint lives (both are
  // Impl's; the loop's pending work is destroyed, not run, after it).
  auto route = [&d](std::string_view prefix, auto& door, auto parse, auto handle) {
    d.endpoint.setPost(
        std::string(prefix),
        [&d, &door, parse, handle](http::ServerRequest request, metrics::Endpoint::Reply reply) {
          if (!door.admits(request)) return reply(door.refusal());
          auto parsed = parse(request);
          asio::post(d.io, [&d, &door, handle, request = std::move(request),
                            parsed = std::move(parsed), reply = std::move(reply)] {
            // A reload that could build nothing, or on the way out.
            if (!d.rt || d.stopping) return reply(door.unavailable());
            reply(handle(request, parsed));
          });
        },
        [&door](const http::ServerRequest& head) { return door.admits(head); });
  };
  route(
      alerting::kRelayPrefix, d.relay, alerting::parseRelayPayload,
      [&d](const auto& request, const auto& payload) { return d.relay.handle(request, payload); });
  route(hints::kEventPath, d.events, hints::parseEvents,
        [&d](const auto& request, const auto& events) {
          return d.events.handle(request, events, d.rt->pollers());
        });
  auto rt = buildRuntime(d.initial, d.deps());
  if (!rt) return std::unexpected(rt.error());
  d.adopt(std::move(*rt));
  spdlog::info("credentials from {}; state in {}; {} region(s), {} receiver(s)",
               d.rt->credentialSources(), d.store->path(), d.rt->pollers().size(),
               d.rt->config().alerts.receivers.size());
  return {};
}

int Daemon::once(std::ostream& err) { return impl_->rt->once(err); }

int Daemon::run() { return impl_->run(); }

}  // namespace swas::app
