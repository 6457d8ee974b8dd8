#pragma once

// The one fake HTTP client of the unit tests. It records every request and answers by route
// ("METHOD /path": the answer, else 404) when `answers` has any, else from `script` (then
// 200 "ok"). Without an io_context it answers at once, inside send(); with one, on the loop,
// and `hold` keeps the answers until releaseHeld().

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "daemon/http/http_client.h"

namespace swas::testing {

class FakeHttp final : public http::HttpClient {
 public:
  FakeHttp() = default;
  explicit FakeHttp(boost::asio::io_context& io) : io_(&io) {}

  void send(http::HttpRequest request, http::HttpCallback callback) override {
    requests.push_back(request);
    if (on_send) on_send();
    http::HttpResult result = answer(request);
    if (!io_) {
      callback(std::move(result));
      return;
    }
    max_in_flight = std::max(max_in_flight, ++in_flight);
    auto reply = [this, callback, result] {
      --in_flight;
      callback(result);
    };
    if (hold) {
      held.push_back(reply);
    } else {
      boost::asio::post(*io_, reply);
    }
  }

  // Answers every held request now.
  void releaseHeld() {
    auto replies = std::move(held);
    held.clear();
    for (auto& r : replies) boost::asio::post(*io_, r);
  }

  std::map<std::string, http::HttpResult> answers;  // by "METHOD /path"
  std::deque<http::HttpResponse> script;
  std::vector<http::HttpRequest> requests;
  std::function<void()> on_send;
  bool hold = false;
  std::vector<std::function<void()>> held;
  int in_flight = 0;
  int max_in_flight = 0;

 private:
  http::HttpResult answer(const http::HttpRequest& request) {
    if (!answers.empty()) {
      auto path = request.url.find('/', request.url.find("://") + 3);
      auto it = answers.find(request.method + " " +
                             (path == std::string::npos ? "/" : request.url.substr(path)));
      if (it == answers.end()) return http::HttpResponse{404, {}, "Not Found"};
      return it->second;
    }
    if (script.empty()) return http::HttpResponse{200, {}, "ok"};
    http::HttpResponse response = script.front();
    script.pop_front();
    return response;
  }

  boost::asio::io_context* io_ = nullptr;
};

}  // namespace swas::testing
