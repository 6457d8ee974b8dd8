#pragma once

// The Mustache data model of a chat message, private to the chat room (view.cc builds it,
// compose.cc renders it): the template library's types stay out of the headers other rooms
// include.

#include <mstch/mstch.hpp>
#include <vector>

#include "daemon/alerting/chat/view.h"

namespace swas::alerting {

// The Mustache data model for `alerts` at `detail`.
mstch::map chatView(const std::vector<ChatAlert>& alerts, const ViewContext& context,
                    const Detail& detail);

}  // namespace swas::alerting
