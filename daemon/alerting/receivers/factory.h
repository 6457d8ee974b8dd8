#pragma once

// Every receiver type the configuration knows: a chat vendor's (dingtalk, feishu, wecom, slack),
// else webhook or alertmanager.

#include <memory>
#include <string>

#include "daemon/alerting/receivers.h"

namespace swas::alerting {

// `external_url` is http.listen as a URL.
std::unique_ptr<Receiver> makeReceiver(ReceiverConfig config, const std::string& external_url);

}  // namespace swas::alerting
