#pragma once

#include <string>

#include "daemon/http/http_client.h"

namespace swas::testing {

// One blocking HTTP request on a loop of its own (test code only).
http::HttpResult fetch(const std::string& method, const std::string& url,
                       const std::string& body = "", const http::Headers& headers = {});
// The body of a request that must answer 200; a failed expectation otherwise.
std::string fetchOk(const std::string& method, const std::string& url,
                    const std::string& body = "");

}  // namespace swas::testing
