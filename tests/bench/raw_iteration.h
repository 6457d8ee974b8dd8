#pragma once

#include <cstddef>
#include <string>

namespace swas::bench {

// simdjson On-Demand touching every value of a DescribeCommandInvocations page (strings
// unescaped, numbers decoded) without building anything: the floor for our parser.
size_t rawIterate(const std::string& body);

// A realistic page: `invocations` invocations, `instances` each, `output_bytes` of Output.
std::string makePage(int invocations, int instances, int output_bytes);

}  // namespace swas::bench
