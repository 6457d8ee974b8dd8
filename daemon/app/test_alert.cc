// `test-alert --receiver NAME`: a clearly marked sample firing alert, then its
// resolution, sent to one receiver now (not through the outbox), with the receiver's answers.
#include <boost/asio/io_context.hpp>

#include "daemon/alerting/rules.h"
#include "daemon/app/cli.h"
#include "daemon/app/options.h"
#include "daemon/core/scope.h"
#include "daemon/core/time.h"
#include "daemon/http/curl_http_client.h"
#include "daemon/ops/report_text.h"
#include "daemon/util/terminal.h"

namespace swas::app {
namespace {

// The sample: an instance and a command nobody has, saying what it is everywhere it shows.
core::Alert sampleAlert(const config::Config& c, std::chrono::system_clock::time_point now) {
  core::Transition t;
  const config::AccountSettings& first = c.accounts.front();
  config::RegionSettings region{.region_id = "cn-hangzhou"};
  if (!first.regions.empty() && !first.regions.front().discovers()) region = first.regions.front();
  if (!first.regions.empty()) region.product = first.regions.front().product;
  t.scope = config::scopeOf(first, region).key();
  t.invoke_id = "t-swas-monitor-test-alert";
  t.instance_id = "i-swas-monitor-test-alert";
  t.command_id = "c-swas-monitor-test-alert";
  t.command_name = "swas-invocation-monitor-test-alert";
  t.from = "Running";
  t.to = "Failed";
  t.error_code = "TestAlert";
  t.error_info = "a test alert from swas-invocation-monitor test-alert: nothing failed";
  t.exit_code = 1;
  t.creation_time = core::formatCreationTime(now);
  t.finish_time = core::formatIso8601(now);
  t.output = "This is a test alert. Nothing ran and nothing failed.\n";
  t.occurrence = true;
  core::InstanceRecord instance{t.instance_id, "TEST-ALERT", "", "", "Running", {}, true};
  return alerting::makeAlert(t, now, &instance);
}

}  // namespace

int testAlert(const config::Config& config, const std::string& name, std::ostream& out,
              std::ostream& err) {
  auto receivers = makeReceivers(config);
  if (!receivers) {
    err << util::terminalSafe(receivers.error()) << "\n";
    return 2;
  }
  alerting::Receiver* receiver = nullptr;
  std::string names;
  for (const auto& r : *receivers) {
    names += (names.empty() ? "" : ", ") + r->config().name;
    if (r->config().name == name) receiver = r.get();
  }
  if (!receiver) {
    err << util::terminalSafe("swas-invocation-monitor test-alert: no receiver named '" + name +
                              "' (configured: " + (names.empty() ? "none" : names) + ")")
        << "\n";
    return 2;
  }
  boost::asio::io_context io;
  http::CurlHttpClient client(io, {.user_agent = userAgent(), .max_connections_per_host = 2});
  auto now = std::chrono::system_clock::now();
  core::Alert alert = sampleAlert(config, now);
  int failures = 0;
  for (bool resolved : {false, true}) {
    if (resolved && !receiver->config().send_resolved) {
      out << "resolved: not sent (send_resolved: false)\n";
      break;
    }
    if (resolved) alert.ends_at = core::unixSeconds(now) + 1;
    // Every peer of an Alertmanager cluster (urls:) separately: one broken peer is a failure
    // here, though delivery goes on through the others.
    for (auto& [peer, request] : receiver->perPeer(receiver->request({{&alert, resolved}}, now))) {
      std::optional<http::HttpResult> result;
      client.send(request, [&](http::HttpResult r) { result = std::move(r); });
      io.restart();
      while (!result && io.run_one() > 0) {
      }
      if (!result) result = std::unexpected(core::Error{.message = "no answer"});
      alerting::Verdict verdict = receiver->judge(*result, now);
      bool delivered = verdict.kind == alerting::Verdict::kDelivered;
      ops::ReceiverAnswer answer{.stage = resolved ? "resolved" : "firing",
                                 .peer = peer,
                                 .delivered = delivered,
                                 .reason = verdict.reason};
      if (*result) {
        answer.http_status = (*result)->status;
        answer.body = (*result)->body;
      }
      out << ops::receiverAnswerLine(answer) << "\n";
      if (!delivered) ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace swas::app
