#include "tests/support/chat_vendor.h"

#include <simdjson.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cctype>
#include <deque>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "daemon/http/http_server.h"
#include "daemon/util/crypto.h"
#include "daemon/util/percent_encoding.h"
#include "daemon/util/utf8.h"

namespace swas::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Limit {
  size_t count;
  milliseconds window;
};

struct Vendor {
  std::string path;
  std::vector<Limit> limits;
};

Vendor vendorOf(const std::string& type) {
  if (type == "dingtalk") return {"/robot/send?access_token=T0K3N", {{20, milliseconds(60'000)}}};
  if (type == "feishu") {
    return {"/open-apis/bot/v2/hook/T0K3N", {{5, milliseconds(1000)}, {100, milliseconds(60'000)}}};
  }
  if (type == "wecom") return {"/cgi-bin/webhook/send?key=K3Y", {{20, milliseconds(60'000)}}};
  if (type == "slack") return {"/services/T000/B000/XXXX", {{1, milliseconds(1000)}}};
  throw std::invalid_argument("unknown chat vendor " + type);
}

int64_t unixNow(bool millis) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return millis ? std::chrono::duration_cast<milliseconds>(now).count()
                : std::chrono::duration_cast<std::chrono::seconds>(now).count();
}

std::optional<std::string> queryParam(const std::string& target, const std::string& name) {
  auto q = target.find('?');
  if (q == std::string::npos) return std::nullopt;
  auto params = util::parseQuery(std::string_view(target).substr(q + 1));
  if (!params) return std::nullopt;
  for (const auto& [k, v] : *params) {
    if (k == name) return v;
  }
  return std::nullopt;
}

bool fresh(const std::string& timestamp, bool millis) {
  try {
    int64_t skew = std::llabs(unixNow(millis) - std::stoll(timestamp));
    return skew <= (millis ? 3'600'000 : 3600);
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace

std::string chatText(const std::string& type, const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc)) return "";
  simdjson::simdjson_result<simdjson::dom::element> field = simdjson::INCORRECT_TYPE;
  if (type == "dingtalk") field = doc["markdown"]["text"];
  if (type == "feishu") field = doc["card"]["elements"].at(0)["text"]["content"];
  if (type == "wecom") {
    field = doc["markdown"]["content"];
    if (field.error()) field = doc["text"]["content"];
  }
  if (type == "slack") field = doc["attachments"].at(0)["blocks"].at(1)["text"]["text"];
  std::string_view text;
  if (field.get(text)) return "";
  return std::string(text);
}

size_t chatAlertsAccounted(const std::string& text) {
  size_t n = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) n += line.starts_with("- ") ? 1 : 0;
  // "And 9,980 more: ..."
  if (size_t at = text.find("And "); at != std::string::npos) {
    std::string digits;
    for (size_t i = at + 4;
         i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == ',');
         ++i) {
      if (text[i] != ',') digits += text[i];
    }
    if (!digits.empty() &&
        text.compare(at + 4 + digits.size() + (digits.size() - 1) / 3, 5, " more") == 0) {
      n += std::stoul(digits);
    }
  }
  return n == 0 && !text.empty() ? 1 : n;
}

struct ChatVendor::Impl {
  // The answer to one request: accepted, or the vendor's error.
  struct Answer {
    int status = 200;
    std::string body;
    bool accepted = false;
    bool throttled = false;
    std::string retry_after;
  };

  explicit Impl(Options o) : options(std::move(o)), vendor(vendorOf(options.type)) {}

  Answer ok() const {
    if (options.type == "slack") return {200, "ok", true};
    if (options.type == "feishu") return {200, R"({"code":0,"data":{},"msg":"success"})", true};
    return {200, R"({"errcode":0,"errmsg":"ok"})", true};
  }

  Answer error(int64_t code, const std::string& message) const {
    if (options.type == "feishu") {
      return {200,
              R"({"code":)" + std::to_string(code) + R"(,"data":{},"msg":")" + message + "\"}"};
    }
    return {200, R"({"errcode":)" + std::to_string(code) + R"(,"errmsg":")" + message + "\"}"};
  }

  Answer throttled() const {
    Answer a;
    if (options.type == "dingtalk") a = error(130101, "send too fast, exceed 20 times per minute");
    if (options.type == "feishu") a = error(11232, "frequency limited");
    if (options.type == "wecom") a = error(45009, "api freq out of limit");
    if (options.type == "slack") a = {429, "rate_limited", false, false, "1"};
    a.throttled = true;
    return a;
  }

  // Over the limit in any window, counting this request.
  bool overRate(Clock::time_point now) {
    for (const auto& l : vendor.limits) {
      size_t n = 1;
      for (auto t : sent) n += (now - t < l.window) ? 1 : 0;
      if (n > l.count) return true;
    }
    return false;
  }

  Answer check(const http::ServerRequest& r, const std::string& text) const {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(r.body).get(doc) || !util::validUtf8(r.body)) {
      return options.type == "slack" ? Answer{400, "invalid_payload"} : error(40035, "bad json");
    }
    if (options.type == "dingtalk") {
      if (!options.secret.empty()) {
        auto ts = queryParam(r.target, "timestamp");
        auto sign = queryParam(r.target, "sign");
        if (!ts || !sign || !fresh(*ts, true) ||
            *sign != util::hmacSha256Base64(options.secret, *ts + "\n" + options.secret)) {
          return error(310000, "sign not match");
        }
      }
      if (r.body.size() >= 20'000) return error(460101, "message too long");
      std::string_view type;
      if (doc["msgtype"].get(type) || type != "markdown") return error(40035, "msgtype");
    }
    if (options.type == "feishu") {
      if (!options.secret.empty()) {
        std::string_view ts, sign;
        if (doc["timestamp"].get(ts) || doc["sign"].get(sign) || !fresh(std::string(ts), false) ||
            sign != util::hmacSha256Base64(std::string(ts) + "\n" + options.secret, "")) {
          return error(19021, "sign match fail or timestamp is not within one hour");
        }
      }
      if (r.body.size() > 20'000) return error(9499, "request body too large");
    }
    if (options.type == "wecom") {
      std::string_view type;
      if (doc["msgtype"].get(type)) return error(40008, "invalid message type");
      if (text.size() > (type == "text" ? 2048u : 4096u)) return error(40058, "content too long");
    }
    if (options.type == "slack") {
      if (util::utf8Length(text) > 3000 || text.empty()) return {400, "invalid_blocks"};
    }
    return ok();
  }

  void handle(const http::ServerRequest& r, http::Responder respond) {
    std::lock_guard lock(mutex);
    auto now = Clock::now();
    std::string text = chatText(options.type, r.body);
    Answer a = now < throttled_until ? throttled() : check(r, text);
    if (a.accepted && overRate(now)) a = throttled();
    if (a.accepted) sent.push_back(now);
    if (!a.accepted && !(a.throttled && now < throttled_until)) ++refused;
    messages.push_back({r.target, r.body, text, a.accepted, a.body, now});
    http::ServerResponse response{a.status, {}, a.body};
    if (!a.retry_after.empty()) response.headers.emplace_back("Retry-After", a.retry_after);
    respond(std::move(response));
  }

  Options options;
  Vendor vendor;
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{
      io.get_executor()};
  http::HttpServer server{
      io,
      [this](http::ServerRequest r, http::Responder respond) { handle(r, std::move(respond)); },
      {.max_body_bytes = 1u << 20, .max_connections = 256}};
  uint16_t port = 0;
  std::thread thread;
  mutable std::mutex mutex;
  std::deque<Clock::time_point> sent;
  Clock::time_point throttled_until{};
  std::vector<Message> messages;
  size_t refused = 0;
};

ChatVendor::ChatVendor(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {
  auto port = impl_->server.listen("127.0.0.1", 0);
  if (!port) throw std::runtime_error(port.error());
  impl_->port = *port;
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

ChatVendor::~ChatVendor() {
  boost::asio::post(impl_->io, [this] {
    impl_->server.stop();
    impl_->work.reset();
    impl_->io.stop();
  });
  impl_->thread.join();
}

std::string ChatVendor::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + impl_->vendor.path;
}

void ChatVendor::throttleFor(milliseconds duration) {
  std::lock_guard lock(impl_->mutex);
  impl_->throttled_until = Clock::now() + duration;
}

std::vector<ChatVendor::Message> ChatVendor::messages() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->messages;
}

size_t ChatVendor::rejected() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->refused;
}

}  // namespace swas::testing
