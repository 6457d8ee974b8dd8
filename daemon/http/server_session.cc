#include "daemon/http/server_session.h"

namespace swas::http::session {

void Session::onHeader(beast::error_code ec) {
  if (ec) {
    onRead(ec);
    return;
  }
  bool may_be_large = limits_.large_body && limits_.large_body(requestOf(parser_->get()));
  auto length = parser_->content_length();
  // A chunked body's size is known only as it comes: it counts as large where it may be.
  bool large = may_be_large && (parser_->chunked() || length.value_or(0) > limits_.max_body_bytes);
  if (!large) {
    if (length.value_or(0) > limits_.max_body_bytes) {
      onRead(bhttp::error::body_limit);
      return;
    }
    parser_->body_limit(limits_.max_body_bytes);  // a chunked body, as it comes
  } else if (shared_->large_in_flight >= limits_.max_large_bodies) {
    ++counters_.busy;
    reading_ = false;
    respondAndClose(503);
    return;
  } else {
    ++shared_->large_in_flight;
    large_ = true;
  }
  readBody();
}

void Session::readBody() {
  if (parser_->is_done()) {
    onRead({});
    return;
  }
  bhttp::async_read_some(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, size_t n) {
                           if (ec) {
                             self->onRead(ec);
                             return;
                           }
                           if (n > 0) self->since_ = std::chrono::steady_clock::now();
                           self->readBody();
                         });
}

void Session::onRead(beast::error_code ec) {
  reading_ = false;
  if (ec) {
    releaseLarge();
    if (ec == beast::error::timeout) ++counters_.timed_out;
    if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit ||
        ec == bhttp::error::buffer_overflow) {
      ++counters_.too_large;
      respondAndClose(ec == bhttp::error::header_limit ? 431 : 413);
      return;
    }
    close();
    return;
  }
  auto message = parser_->release();
  keep_alive_ = message.keep_alive();
  ServerRequest request = requestOf(message);
  request.body = std::move(message.body());
  request.remote = remote();
  version_ = message.version();
  // The responder owns the session until it answers; a handler that drops it unanswered
  // aborts the connection (~Session).
  answering_ = true;
  handler_(std::move(request), [self = shared_from_this()](ServerResponse response) {
    self->write(std::move(response));
  });
}

void Session::write(ServerResponse response) {
  answering_ = false;
  releaseLarge();
  auto out = std::make_shared<Outgoing>();
  out->message.version(version_);
  out->message.result(static_cast<unsigned>(response.status));
  for (const auto& [name, value] : response.headers) out->message.set(name, value);
  out->message.body() = std::move(response.body);
  out->message.keep_alive(keep_alive_);
  out->message.prepare_payload();
  writing_ = true;
  taken_ = 0;
  since_ = std::chrono::steady_clock::now();
  stream_.expires_after(limits_.write_timeout);
  writeSome(std::move(out));
}

void Session::writeSome(std::shared_ptr<Outgoing> out) {
  auto& serializer = out->serializer;
  bhttp::async_write_some(
      stream_, serializer,
      [self = shared_from_this(), out = std::move(out)](beast::error_code ec, size_t n) mutable {
        // Progress is a good share of the response taken (kProgressBytes), not a byte now and
        // then: a peer that trickles stays evictable.
        self->taken_ += n;
        if (self->taken_ >= kProgressBytes) {
          self->taken_ = 0;
          self->since_ = std::chrono::steady_clock::now();
        }
        if (ec == beast::error::timeout) ++self->counters_.timed_out;
        if (!ec && !out->serializer.is_done()) {
          self->writeSome(std::move(out));
          return;
        }
        self->writing_ = false;
        if (!ec && self->linger_) {
          self->lingerClose();
          return;
        }
        if (ec || !self->keep_alive_) {
          self->close();
          return;
        }
        self->read();
      });
}

void Session::lingerClose() {
  boost::system::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  reading_ = true;
  since_ = std::chrono::steady_clock::now();
  stream_.expires_after(kLinger);
  drain(0);
}

void Session::drain(size_t dropped) {
  stream_.async_read_some(asio::buffer(scratch_),
                          [self = shared_from_this(), dropped](beast::error_code ec, size_t n) {
                            if (ec || dropped + n >= kLingerBytes) {
                              self->close();
                              return;
                            }
                            self->drain(dropped + n);
                          });
}

}  // namespace swas::http::session
