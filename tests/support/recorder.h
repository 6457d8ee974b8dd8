#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/http/http_server.h"

namespace swas::testing {

// An HTTP receiver on 127.0.0.1:0 with a thread of its own, recording every request and
// answering as told: a status, or a dropped connection (status 0).
class Recorder {
 public:
  struct Request {
    http::ServerRequest request;
    int answered = 0;  // the status sent, 0 for a dropped connection
    std::chrono::system_clock::time_point received_at;
  };

  Recorder();
  ~Recorder();
  std::string url() const;
  void answer(int status);
  std::vector<Request> requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swas::testing
