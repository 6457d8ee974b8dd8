#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace swas::http {

// Where a call goes: "https" or "http", and the host exactly as sent (with ":port" if any).
struct Endpoint {
  std::string scheme = "https";
  std::string host;
};

// Parses "https://swas.cn-hangzhou.aliyuncs.com" or "http://127.0.0.1:8080" (a path is refused).
std::expected<Endpoint, std::string> parseEndpoint(std::string_view url);

// Replaces every "{region_id}" in the template.
std::string endpointForRegion(std::string_view url_template, std::string_view region_id);

}  // namespace swas::http
