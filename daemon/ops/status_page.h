#pragma once

// The status page (GET / on http.listen): regions and their health, firing alerts
// with the output's end, the last failures, receivers and queues, the build version. Rendered
// from the same read model as the operator's commands (state::StateReader, a read-only
// connection beside the daemon's writer), on the endpoint's thread, never the event loop's.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "daemon/core/clock.h"
#include "daemon/state/state_reader.h"

namespace swas::ops {

struct PageContext {
  std::string version;
  int64_t now = 0;  // Unix seconds
};

// The page's HTML. Every value is escaped: command output and API fields are untrusted.
std::string renderStatusHtml(const state::Overview& overview, const PageContext& context);
// The page for a state that cannot be read: `problem`, escaped.
std::string renderProblemHtml(const std::string& problem, const PageContext& context);
// `text` for HTML text or a double-quoted attribute.
std::string htmlEscape(std::string_view text);

// How many failures and firing alerts the page lists, and how much of each output: its size
// (and the cost of a render) stays bounded however many alerts fire.
constexpr int64_t kPageFailures = 50;
constexpr int64_t kPageAlerts = 100;
constexpr int64_t kPageOutputChars = 2000;

// One answer of GET /: the HTTP status (200, or 503 when the state cannot be read) and the HTML.
struct Page {
  int status = 200;
  std::string html;
};

class StatusPage {
 public:
  StatusPage(std::string state_path, std::string version, const core::Clock& clock);
  ~StatusPage();

  // The page; rendered at most once a second (counted from the end of the last render), so a
  // client asking in a loop costs one render a second, not one a request. Each render opens
  // the state file and closes it: no connection outlives it (the daemon's writer, closing last,
  // checkpoints and removes the WAL), and a replaced file is read anew. A state that cannot be
  // read is a 503 page saying why.
  Page render();

 private:
  std::string state_path_;
  std::string version_;
  const core::Clock& clock_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point rendered_at_;
  Page cached_;
};

}  // namespace swas::ops
