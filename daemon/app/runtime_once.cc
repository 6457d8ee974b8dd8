// --once: one pass of every region, for cron and for trying a configuration by hand.
#include <spdlog/spdlog.h>

#include "daemon/app/runtime_impl.h"
#include "daemon/util/terminal.h"

namespace swas::app {

int Runtime::once(std::ostream& err) {
  Impl& d = *impl_;
  boost::asio::io_context& io = d.deps.io;
  // Credentials first: a source that refuses (a metadata service without the role, say) ends
  // the run at once with its message, not after every call of every region retried it.
  size_t asking = d.accounts.size();
  int refused = 0;
  for (const auto& account : d.accounts) {
    account.credentials->get([&, name = account.name](api::CredentialsResult result) {
      if (!result) {
        ++refused;
        err << "swas-invocation-monitor: " << (name.empty() ? "" : "account " + name + ": ")
            << "credentials: " << util::terminalSafe(core::describe(result.error())) << "\n";
      }
      if (--asking == 0) io.stop();
    });
  }
  if (asking > 0) io.run();
  io.restart();
  if (refused > 0) return 1;
  // The inventory first: names for the alerts, and the watched sets of regions that watch by tag
  // or name. A refresh that fails is logged; its region polls with what is stored.
  size_t refreshing = d.refreshers.size();
  for (auto& r : d.refreshers) {
    r->refreshOnce([&](const inventory::RefreshOutcome&) {
      if (--refreshing == 0) io.stop();
    });
  }
  if (refreshing > 0) io.run();
  io.restart();
  size_t pending = d.pollers.size();
  int failures = 0;
  for (auto& p : d.pollers) {
    p->pollOnce(true, [&, region = p->scope().key()](poller::PollOutcome outcome) {
      if (!outcome.ok) {
        ++failures;
        err << "swas-invocation-monitor: region " << region << ": "
            << util::terminalSafe(core::describe(outcome.error)) << "\n";
      }
      if (--pending == 0) io.stop();
    });
  }
  if (pending > 0) io.run();
  return failures == 0 ? 0 : 1;
}

}  // namespace swas::app
