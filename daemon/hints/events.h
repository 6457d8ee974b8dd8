#pragma once

// ECS's push of finished executions, `ecs:CloudAssistant:TaskCompleted`, as EventBridge sends it
// to an HTTP target: a CloudEvents 1.0 envelope (structured: one event, or a batch as an array),
// or the event's data alone with its attributes in ce-* headers (binary). Only where to poll is
// read from it: an event is a hint, never the truth (the reference's §6: terminal states only,
// no ordering or exactly-once guarantee).

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/http/http_server.h"

namespace swas::hints {

inline constexpr std::string_view kEventPath = "/api/eventbridge/cloud-assistant";
inline constexpr std::string_view kTaskCompleted = "ecs:CloudAssistant:TaskCompleted";
// The most events one request may carry (EventBridge's batches are far smaller): the hints are
// routed on the event loop.
inline constexpr size_t kMaxEvents = 1000;

// What one event says, as far as the daemon listens: where an execution ended.
struct Hint {
  std::string region_id;
  std::string instance_id;  // "" when the event names none
  // A run of a periodic task (repeatMode other than Once, or none given): only the Timed
  // listing shows it.
  bool timed = true;
};

struct Events {
  std::vector<Hint> hints;
  // Events of other types (or of none), or without a usable region (or with an instance ID no
  // API gives).
  size_t ignored = 0;
};

// The events of one request; the message says why the body is not CloudEvents.
using ParsedEvents = std::expected<Events, std::string>;
ParsedEvents parseEvents(const http::ServerRequest& request);

}  // namespace swas::hints
