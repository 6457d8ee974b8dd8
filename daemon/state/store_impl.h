#pragma once

// Private to daemon/state: what store.cc (the file, poll state) and store_alerts.cc (alerts and
// the outbox) share.

#include "daemon/state/sqlite.h"
#include "daemon/state/store.h"

namespace swas::state {

struct Store::Impl {
  sql::Connection db;
  int lock_fd = -1;

  ~Impl();
  // Inside an open transaction.
  bool writeAlerts(const core::AlertWrites& w);
};

}  // namespace swas::state
