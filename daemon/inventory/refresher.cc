#include "daemon/inventory/refresher.h"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "daemon/api/ecs.h"

namespace swas::inventory {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {

// A refresh a bug's exception failed: logged as one, and reported as a failure.
RefreshOutcome internalFailure(const core::Scope& scope, const std::string& what) {
  spdlog::error(
      "region={} an inventory refresh failed on an internal error (a bug: please report it): {}; "
      "the next refresh comes as after any failure",
      scope.key(), what);
  RefreshOutcome failed;
  failed.instances =
      std::unexpected(core::Error{.kind = core::ErrorKind::kInternal, .message = what});
  return failed;
}

// One wrong answer worked around, logged (the parsers count per page; the inventory logs them).
void logAnomalies(const std::string& region_id, std::string_view action,
                  const api::ParseAnomalies& a) {
  if (a.records > 0) {
    spdlog::warn("region={} action={} skipped {} bad record(s): {}", region_id, action, a.records,
                 a.first_record);
  }
  if (a.fields > 0) {
    spdlog::warn("region={} action={} ignored {} bad field(s): {}", region_id, action, a.fields,
                 a.first_field);
  }
}

// A walk that listed fewer instances than its TotalCount (bad records count as listed): it would
// unwatch the instances it missed and resolve their agents' alerts.
core::Done notShort(size_t listed, int64_t total) {
  if (total <= static_cast<int64_t>(listed)) return {};
  return std::unexpected(core::Error{.kind = core::ErrorKind::kParse,
                                     .message = "ListInstances listed " + std::to_string(listed) +
                                                " instances, short of its TotalCount " +
                                                std::to_string(total)});
}

}  // namespace

struct Refresher::Impl {
  Impl(asio::io_context& io_context, api::SwasClient& c, std::shared_ptr<api::CallGate> g,
       const core::Clock& cl, RefreshOptions o, Listener l)
      : io(io_context),
        client(c),
        gate(std::move(g)),
        clock(cl),
        options(std::move(o)),
        on_inventory(std::move(l)),
        timer(io_context) {}

  asio::io_context& io;
  api::SwasClient& client;
  std::shared_ptr<api::CallGate> gate;
  const core::Clock& clock;
  const RefreshOptions options;
  Listener on_inventory;
  asio::steady_timer timer;
  bool stopping = false;
  bool busy = false;
  std::string last_error;                     // logged once per distinct error
  std::vector<api::AgentStatus> last_agents;  // of the last refresh whose agents' call worked

  using Listed = std::expected<std::vector<api::InstanceInfo>, core::Error>;
  using Agents = std::expected<std::vector<api::AgentStatus>, core::Error>;

  awaitable<Listed> listInstances(api::CallTally& tally) {
    std::vector<api::InstanceInfo> all;
    std::set<std::string> seen;
    int64_t last_total = -1;
    size_t skipped = 0;  // records the parser skipped (no InstanceId): listed, not usable
    api::ListInstancesRequest request;
    request.region_id = options.scope.regionId();
    const std::string action(api::instancesAction(options.scope.product()));
    const bool by_token = options.scope.product() == core::Product::kEcs;
    for (int page = 1; page <= options.max_pages; ++page) {
      request.page_number = page;
      std::function<void(api::ApiCallback<api::InstancesPage>)> send =
          [&c = client, request](auto callback) { c.listInstances(request, std::move(callback)); };
      auto result = co_await gate->call<api::InstancesPage>(action, std::move(send), tally);
      if (!result) co_return std::unexpected(result.error());
      logAnomalies(options.scope.key(), action, result->anomalies);
      size_t got = result->instances.size() + result->anomalies.records;
      skipped += result->anomalies.records;
      size_t added = 0;
      for (auto& i : result->instances) {
        if (seen.insert(i.instance_id).second) {
          all.push_back(std::move(i));
          ++added;
        }
      }
      int64_t total = result->total_count.value_or(-1);
      last_total = total;
      if (result->instances.size() > 0 && added == 0) {
        // An API repeating itself: what it listed cannot be trusted to be the whole region.
        co_return std::unexpected(core::Error{.kind = core::ErrorKind::kParse,
                                              .message = action + " page " + std::to_string(page) +
                                                         " repeated the instances "
                                                         "of earlier pages (" +
                                                         std::to_string(seen.size()) +
                                                         " of TotalCount " + std::to_string(total) +
                                                         ")"});
      }
      if (by_token) {  // ECS: the list ends where no new token comes back
        if (result->next_token.empty() || result->next_token == request.next_token) break;
        request.next_token = std::move(result->next_token);
        continue;
      }
      if (got < static_cast<size_t>(request.page_size) ||
          (total >= 0 && static_cast<int64_t>(seen.size() + skipped) >= total)) {
        break;
      }
    }
    if (auto complete = notShort(seen.size() + skipped, last_total); !complete) {
      co_return std::unexpected(complete.error());
    }
    co_return all;
  }

  awaitable<Agents> agentStatus(const std::vector<std::string>& ids, api::CallTally& tally) {
    std::vector<api::AgentStatus> all;
    for (size_t at = 0; at < ids.size(); at += api::kMaxAgentStatusPageSize) {
      api::DescribeCloudAssistantStatusRequest request;
      request.region_id = options.scope.regionId();
      request.instance_ids.assign(
          ids.begin() + static_cast<std::ptrdiff_t>(at),
          ids.begin() +
              static_cast<std::ptrdiff_t>(std::min(ids.size(), at + api::kMaxAgentStatusPageSize)));
      std::function<void(api::ApiCallback<api::AgentStatusPage>)> send = [&c = client,
                                                                          request](auto callback) {
        c.describeCloudAssistantStatus(request, std::move(callback));
      };
      std::string action = "DescribeCloudAssistantStatus";
      auto result =
          co_await gate->call<api::AgentStatusPage>(std::move(action), std::move(send), tally);
      if (!result) co_return std::unexpected(result.error());
      logAnomalies(options.scope.key(), "DescribeCloudAssistantStatus", result->anomalies);
      std::move(result->statuses.begin(), result->statuses.end(), std::back_inserter(all));
    }
    co_return all;
  }

  awaitable<RefreshOutcome> refresh() {
    api::CallTally tally;
    RefreshOutcome outcome;
    Listed listed = co_await listInstances(tally);
    if (!listed) {
      outcome.instances = std::unexpected(listed.error());
      outcome.api_calls = tally.api_calls;
      co_return outcome;
    }
    // Only a Running instance's agent matters (SwasCloudAssistantDown, swas_cloud_assistant_up).
    std::vector<std::string> running;
    for (const auto& i : *listed) {
      if (i.status == "Running") running.push_back(i.instance_id);
    }
    Agents agents = co_await agentStatus(running, tally);
    outcome.api_calls = tally.api_calls;
    if (!agents) {
      // Names and tags are good news on their own; the agents keep their last known states
      // (none: unknown, which changes no alert), and the refresh comes again sooner.
      outcome.agents_error = agents.error();
      outcome.instances = mergeInventory(*listed, last_agents);
      co_return outcome;
    }
    last_agents = std::move(*agents);
    outcome.instances = mergeInventory(*listed, last_agents);
    co_return outcome;
  }

  // Hands a success to the listener; logs a failure once per distinct error.
  void report(const RefreshOutcome& outcome) {
    if (outcome.instances) {
      if (!last_error.empty() && !outcome.agents_error) {
        spdlog::info("region={} inventory refreshed again after: {}", options.scope.key(),
                     last_error);
        last_error.clear();
      }
      spdlog::debug("region={} inventory: {} instance(s), {} call(s)", options.scope.key(),
                    outcome.instances->size(), outcome.api_calls);
      if (outcome.agents_error && outcome.agents_error->kind != core::ErrorKind::kCancelled) {
        std::string text = "DescribeCloudAssistantStatus: " + core::describe(*outcome.agents_error);
        if (text != last_error) {
          spdlog::warn("region={} inventory: names refreshed, agent states unknown this time: {}",
                       options.scope.key(), text);
          last_error = text;
        }
      }
      if (on_inventory) on_inventory(options.scope.key(), *outcome.instances);
      return;
    }
    const core::Error& e = outcome.instances.error();
    if (e.kind == core::ErrorKind::kCancelled) return;
    std::string text = core::describe(e);
    if (text != last_error) {
      spdlog::warn(
          "region={} inventory refresh failed (names, tags and agent states stay as last "
          "read; polling goes on): {}",
          options.scope.key(), text);
      last_error = text;
    }
  }

  // A bug's exception in a refresh or its listener fails that refresh, loudly. Escaping run()
  // (detached, which drops it), it ended the refreshing for good: names, tags, watched sets frozen.
  awaitable<RefreshOutcome> guardedRefresh() {
    std::exception_ptr bug;
    try {
      co_return co_await refresh();
    } catch (...) {
      bug = std::current_exception();
    }
    co_return internalFailure(options.scope, core::whatOf(bug));
  }

  void guardedReport(RefreshOutcome& outcome) {
    try {
      report(outcome);
    } catch (...) {
      outcome = internalFailure(options.scope, core::whatOf(std::current_exception()));
    }
  }

  awaitable<void> run() {
    while (!stopping) {
      busy = true;
      RefreshOutcome outcome = co_await guardedRefresh();
      busy = false;
      if (stopping) break;
      guardedReport(outcome);
      auto wait = outcome.instances && !outcome.agents_error
                      ? options.refresh
                      : std::min(options.refresh, options.retry_after_failure);
      timer.expires_after(wait);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
    }
  }
};

Refresher::Refresher(asio::io_context& io, api::SwasClient& client,
                     std::shared_ptr<api::CallGate> gate, const core::Clock& clock,
                     RefreshOptions options, Listener on_inventory)
    : impl_(std::make_shared<Impl>(io, client, std::move(gate), clock, std::move(options),
                                   std::move(on_inventory))) {}

Refresher::~Refresher() { stop(); }

void Refresher::start() {
  asio::co_spawn(
      impl_->io, [impl = impl_]() { return impl->run(); }, asio::detached);
}

void Refresher::stop() {
  impl_->stopping = true;
  impl_->on_inventory = nullptr;
  impl_->timer.cancel();
}

void Refresher::refreshOnce(std::function<void(RefreshOutcome)> done) {
  asio::co_spawn(
      impl_->io,
      [impl = impl_, done = std::move(done)]() -> awaitable<void> {
        impl->busy = true;
        RefreshOutcome outcome = co_await impl->guardedRefresh();
        impl->busy = false;
        impl->guardedReport(outcome);
        done(std::move(outcome));
      },
      asio::detached);
}

bool Refresher::refreshing() const { return impl_->busy; }
const core::Scope& Refresher::scope() const { return impl_->options.scope; }

}  // namespace swas::inventory
