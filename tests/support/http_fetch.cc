#include "tests/support/http_fetch.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>

#include "daemon/http/curl_http_client.h"
#include "tests/support/sim_process.h"

namespace swas::testing {

http::HttpResult fetch(const std::string& method, const std::string& url, const std::string& body,
                       const http::Headers& headers) {
  boost::asio::io_context io;
  http::CurlHttpClient client(io, {});
  std::optional<http::HttpResult> result;
  client.send({method, url, headers, body}, [&](http::HttpResult r) { result = std::move(r); });
  if (!waitFor(
          io, [&] { return result.has_value(); }, std::chrono::seconds(30))) {
    client.cancelAll();
    io.restart();
    io.poll();
  }
  if (!result) return std::unexpected(core::Error{.kind = core::ErrorKind::kTimeout});
  return std::move(*result);
}

std::string fetchOk(const std::string& method, const std::string& url, const std::string& body) {
  auto result = fetch(method, url, body);
  if (!result) {
    ADD_FAILURE() << method << " " << url << ": " << core::describe(result.error());
    return {};
  }
  if (result->status != 200) {
    ADD_FAILURE() << method << " " << url << ": HTTP " << result->status << " " << result->body;
    return {};
  }
  return result->body;
}

}  // namespace swas::testing
