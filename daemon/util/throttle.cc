#include "daemon/util/throttle.h"

#include <boost/asio/post.hpp>

namespace swas::util {

Throttle::Throttle(boost::asio::io_context& io, std::chrono::steady_clock::duration gap,
                   std::function<void()> run)
    : timer_(io), gap_(gap), run_(std::move(run)) {}

void Throttle::operator()() {
  if (pending_) return;  // the run to come sees this call's news too
  pending_ = true;
  auto fire = [this] {
    pending_ = false;
    last_ = std::chrono::steady_clock::now();
    run_();
  };
  if (std::chrono::steady_clock::now() >= last_ + gap_) {
    boost::asio::post(timer_.get_executor(), fire);
    return;
  }
  timer_.expires_at(last_ + gap_);
  timer_.async_wait([fire](boost::system::error_code ec) {
    if (!ec) fire();  // cancelled: the owner is going
  });
}

}  // namespace swas::util
