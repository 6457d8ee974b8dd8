#include "tests/support/recorder.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <stdexcept>
#include <thread>

namespace swas::testing {

struct Recorder::Impl {
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{
      io.get_executor()};
  http::HttpServer server{io,
                          [this](http::ServerRequest request, http::Responder respond) {
                            std::lock_guard lock(mutex);
                            records.push_back({request, status, std::chrono::system_clock::now()});
                            // 0: no answer; the dropped responder resets the connection.
                            if (status != 0) respond(http::ServerResponse{status, {}, "ok"});
                          },
                          {.max_body_bytes = 64u << 20, .max_connections = 1024}};
  uint16_t port = 0;
  std::thread thread;
  mutable std::mutex mutex;
  int status = 200;
  std::vector<Request> records;
};

Recorder::Recorder() : impl_(std::make_unique<Impl>()) {
  auto port = impl_->server.listen("127.0.0.1", 0);
  if (!port) throw std::runtime_error(port.error());
  impl_->port = *port;
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

Recorder::~Recorder() {
  boost::asio::post(impl_->io, [this] {
    impl_->server.stop();
    impl_->work.reset();
    impl_->io.stop();
  });
  impl_->thread.join();
}

std::string Recorder::url() const { return "http://127.0.0.1:" + std::to_string(impl_->port); }

void Recorder::answer(int status) {
  std::lock_guard lock(impl_->mutex);
  impl_->status = status;
}

std::vector<Recorder::Request> Recorder::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->records;
}

}  // namespace swas::testing
