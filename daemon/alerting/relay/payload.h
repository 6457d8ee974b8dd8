#pragma once

// Alertmanager's webhook payload (version 4), as the relay takes it from a notification:
// each alert's labels, annotations, times and status, checked and re-serialised so nothing but
// string labels reaches the outbox and the chat templates.

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/alert.h"

namespace swas::alerting {

// The most alerts one notification may carry (Alertmanager's max_alerts is unlimited by
// default; the body limit of http.listen bounds it first).
inline constexpr size_t kMaxRelayedAlerts = 1000;

// The payload's alerts, in order: fingerprint (Alertmanager's, else computed from the labels as
// Alertmanager does), labels, annotations, starts_at, and ends_at for resolved ones; region_id
// and instance_id from the labels of the same names. An error says what is wrong and where
// ("alerts[2].labels.severity: not a string").
std::expected<std::vector<core::Alert>, std::string> parseAlertmanagerWebhook(
    std::string_view body);

}  // namespace swas::alerting
