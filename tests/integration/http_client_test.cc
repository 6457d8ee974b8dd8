// The libcurl-multi-on-Asio client against real servers on loopback.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <set>

#include "daemon/http/curl_http_client.h"
#include "daemon/http/http_server.h"
#include "tests/support/sim_process.h"

namespace swas::http {
namespace {

using testing::waitFor;

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<HttpServer>(io_, [this](ServerRequest request, Responder respond) {
      requests_.push_back(request);
      handler_(std::move(request), std::move(respond));
    });
    auto port = server_->listen("127.0.0.1", 0);
    ASSERT_TRUE(port) << port.error();
    base_ = "http://127.0.0.1:" + std::to_string(*port);
  }

  HttpResult fetch(CurlHttpClient& client, HttpRequest request) {
    std::optional<HttpResult> result;
    client.send(std::move(request), [&](HttpResult r) { result = std::move(r); });
    EXPECT_TRUE(waitFor(io_, [&] { return result.has_value(); }));
    return std::move(*result);
  }

  boost::asio::io_context io_;
  std::unique_ptr<HttpServer> server_;
  std::string base_;
  std::vector<ServerRequest> requests_;
  RequestHandler handler_ = [](ServerRequest, Responder respond) {
    respond(ServerResponse{200, {{"X-Test", "yes"}}, "hello"});
  };
};

TEST_F(HttpClientTest, PostWithHeadersAndReuseOfOneConnection) {
  CurlHttpClient client(io_, {});
  for (int i = 0; i < 3; ++i) {
    auto r = fetch(client, {"POST", base_ + "/?a=1", {{"x-acs-action", "Test"}}, ""});
    ASSERT_TRUE(r) << core::describe(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "hello");
    EXPECT_EQ(r->header("x-test"), "yes");
  }
  ASSERT_EQ(requests_.size(), 3u);
  EXPECT_EQ(requests_[0].method, "POST");
  EXPECT_EQ(requests_[0].target, "/?a=1");
  EXPECT_EQ(requests_[0].header("x-acs-action"), "Test");
  EXPECT_EQ(requests_[0].header("content-length"), "0");
  // The signature covers the headers as sent: libcurl must not add a form Content-Type.
  EXPECT_EQ(requests_[0].header("content-type"), "");
  std::set<std::string> peers;
  for (const auto& r : requests_) peers.insert(r.remote);
  EXPECT_EQ(peers.size(), 1u) << "the connection was not reused";
}

TEST_F(HttpClientTest, ManyConcurrentRequestsOnOneThread) {
  handler_ = [this](ServerRequest request, Responder respond) {
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(50));
    timer->async_wait([timer, respond, target = request.target](auto) {
      respond(ServerResponse{200, {}, target});
    });
  };
  CurlHttpClient client(io_, {});
  int done = 0;
  for (int i = 0; i < 40; ++i) {
    std::string path = std::to_string(i);
    path.insert(0, 1, '/');
    client.send({"GET", base_ + path, {}, ""}, [&done, path](HttpResult r) {
      ASSERT_TRUE(r) << core::describe(r.error());
      EXPECT_EQ(r->body, path);
      ++done;
    });
  }
  EXPECT_EQ(client.inFlight(), 40u);
  EXPECT_TRUE(waitFor(io_, [&] { return done == 40; }));
  EXPECT_EQ(client.idleHandles(), 4u) << "a few handles kept for the next requests, not 40";
}

// A finished transfer's handle serves the next request, which carries nothing of the one
// before: not its method (a PUT's CUSTOMREQUEST, which only a reset takes away), headers,
// body, nor its timeout (set again for each request, as the headers are: guards). The CA
// file of one request is TlsTest's.
TEST_F(HttpClientTest, AReusedHandleCarriesNothingOfTheRequestBefore) {
  std::vector<Responder> parked;
  handler_ = [&](ServerRequest request, Responder respond) {
    if (request.target == "/slow") {
      parked.push_back(std::move(respond));
      return;
    }
    std::string body = request.method + " " + request.body;
    if (request.target != "/late") return respond(ServerResponse{200, {}, body});
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(400));
    timer->async_wait([timer, respond, body](auto) { respond(ServerResponse{200, {}, body}); });
  };
  CurlHttpClient client(io_, {});
  HttpRequest slow{"PUT", base_ + "/slow", {{"x-only", "first"}}, "first body"};
  slow.timeout = std::chrono::milliseconds(200);
  auto first = fetch(client, slow);
  ASSERT_FALSE(first) << "answered, though the server was made to wait";
  EXPECT_EQ(first.error().kind, core::ErrorKind::kTimeout);
  EXPECT_EQ(client.idleHandles(), 1u) << "a failed transfer's handle is kept too";
  auto late = fetch(client, {"POST", base_ + "/late", {}, "x"});
  ASSERT_TRUE(late) << "the first request's 200 ms timeout stayed: "
                    << core::describe(late.error());
  EXPECT_EQ(late->body, "POST x");
  EXPECT_EQ(client.idleHandles(), 1u);
  auto get = fetch(client, {"GET", base_ + "/get", {}, ""});
  ASSERT_TRUE(get) << core::describe(get.error());
  EXPECT_EQ(get->body, "GET ");
  ASSERT_EQ(requests_.size(), 3u);
  for (size_t i = 1; i < requests_.size(); ++i) {
    EXPECT_EQ(requests_[i].header("x-only"), "") << requests_[i].target;
    EXPECT_EQ(requests_[i].header("content-type"), "") << requests_[i].target;
  }
  EXPECT_EQ(requests_[2].body, "");
  EXPECT_EQ(requests_[2].header("content-length"), "");
}

TEST_F(HttpClientTest, TimeoutIsClassified) {
  std::vector<Responder> parked;
  handler_ = [&](ServerRequest, Responder respond) { parked.push_back(respond); };
  CurlHttpClient client(io_, {});
  HttpRequest request{"GET", base_ + "/slow", {}, ""};
  request.timeout = std::chrono::milliseconds(200);
  auto r = fetch(client, request);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::kTimeout);
  EXPECT_TRUE(r.error().retryable);
}

// A server handler that drops its responder unanswered aborts the connection: the client
// learns at once (no waiting for its timeout) and may retry.
TEST_F(HttpClientTest, ADroppedResponderResetsTheConnection) {
  handler_ = [](ServerRequest, Responder) {};
  CurlHttpClient client(io_, {});
  HttpRequest request{"GET", base_ + "/dropped", {}, ""};
  request.timeout = std::chrono::seconds(30);
  auto r = fetch(client, request);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().kind, core::ErrorKind::kTimeout) << core::describe(r.error());
  EXPECT_TRUE(r.error().retryable) << core::describe(r.error());
  EXPECT_NE(core::describe(r.error()).find("reset"), std::string::npos)
      << core::describe(r.error());
}

TEST_F(HttpClientTest, ConnectionRefusedIsClassified) {
  boost::asio::ip::tcp::acceptor probe(io_, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto port = probe.local_endpoint().port();
  probe.close();
  CurlHttpClient client(io_, {});
  auto r = fetch(client, {"GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, ""});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::kConnect);
  EXPECT_TRUE(r.error().retryable);
}

TEST_F(HttpClientTest, ResponsesOverTheCapAreTooLarge) {
  handler_ = [](ServerRequest, Responder respond) {
    respond(ServerResponse{200, {}, std::string(2u << 20, 'x')});
  };
  CurlHttpClient client(io_, {.max_response_bytes = 1u << 20});
  auto r = fetch(client, {"GET", base_ + "/big", {}, ""});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::kTooLarge);
  EXPECT_NE(r.error().message.find("1048576"), std::string::npos) << r.error().message;
  CurlHttpClient roomy(io_, {});  // default cap 32 MiB
  auto ok = fetch(roomy, {"GET", base_ + "/big", {}, ""});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body.size(), 2u << 20);
}

TEST_F(HttpClientTest, CancelAllCompletesEveryRequest) {
  std::vector<Responder> parked;  // keeps the connections open and unanswered
  handler_ = [&](ServerRequest, Responder respond) { parked.push_back(respond); };
  CurlHttpClient client(io_, {});
  int cancelled = 0;
  for (int i = 0; i < 3; ++i) {
    client.send({"GET", base_ + "/", {}, ""}, [&](HttpResult r) {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().kind, core::ErrorKind::kCancelled);
      ++cancelled;
    });
  }
  waitFor(io_, [&] { return requests_.size() == 3; });
  client.cancelAll();
  EXPECT_TRUE(waitFor(io_, [&] { return cancelled == 3; }));
}

TEST_F(HttpClientTest, ProxyFromTheEnvironment) {
  ::setenv("http_proxy", base_.c_str(), 1);
  CurlHttpClient client(io_, {});
  auto r = fetch(client, {"GET", "http://swas.cn-hangzhou.example.invalid/path?x=1", {}, ""});
  ::unsetenv("http_proxy");
  ASSERT_TRUE(r) << core::describe(r.error());
  ASSERT_EQ(requests_.size(), 1u);
  // A proxy receives the absolute URI.
  EXPECT_EQ(requests_[0].target, "http://swas.cn-hangzhou.example.invalid/path?x=1");
}

// Receiver URLs come from the configuration: a file:// one made test-alert print a local file.
// The client speaks http and https only, whatever URL it is given.
TEST_F(HttpClientTest, OnlyHttpAndHttpsAreSpoken) {
  std::string file = testing::writeTempFile("http_client/local-file", "swas-local-file-marker\n");
  CurlHttpClient client(io_, {});
  for (const std::string& url :
       std::vector<std::string>{"file://" + file, "ftp://127.0.0.1:1/x", "gopher://127.0.0.1:1/x",
                                "dict://127.0.0.1:1/x"}) {
    auto r = fetch(client, {"GET", url, {}, ""});
    ASSERT_FALSE(r) << url << " was fetched: " << r->body;
    EXPECT_FALSE(r.error().retryable) << url << ": the same URL will never work";
    EXPECT_EQ(core::describe(r.error()).find("swas-local-file-marker"), std::string::npos);
  }
  EXPECT_TRUE(requests_.empty());
}

// A redirect is an answer, never followed: least of all to another scheme.
TEST_F(HttpClientTest, RedirectsElsewhereAreNotFollowed) {
  std::string file =
      testing::writeTempFile("http_client/redirect-target", "swas-redirect-marker\n");
  std::string location;
  handler_ = [&location](ServerRequest, Responder respond) {
    respond(ServerResponse{302, {{"Location", location}}, "moved"});
  };
  CurlHttpClient client(io_, {});
  for (const std::string& target :
       std::vector<std::string>{"file://" + file, "ftp://127.0.0.1:1/x", base_ + "/elsewhere"}) {
    location = target;
    auto r = fetch(client, {"GET", base_ + "/hook", {}, ""});
    ASSERT_TRUE(r) << target << ": " << core::describe(r.error());
    EXPECT_EQ(r->status, 302) << target;
    EXPECT_EQ(r->body, "moved") << target;
  }
  EXPECT_EQ(requests_.size(), 3u) << "only the requests sent, no redirected one";
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(testing::writeTempFile("tls/.keep", "")).parent_path().string();
    std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        dir_ + "/key.pem -out " + dir_ + "/cert.pem 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    server_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{"openssl", "s_server", "-www", "-accept", "127.0.0.1:0", "-cert",
                                 dir_ + "/cert.pem", "-key", dir_ + "/key.pem"},
        "ACCEPT");
    url_ = "https://127.0.0.1:" + std::to_string(server_->port()) + "/";
  }

  HttpResult fetch(CurlHttpClientOptions options) {
    CurlHttpClient client(io_, options);
    std::optional<HttpResult> result;
    client.send({"GET", url_, {}, ""}, [&](HttpResult r) { result = std::move(r); });
    EXPECT_TRUE(waitFor(io_, [&] { return result.has_value(); }));
    return std::move(*result);
  }

  boost::asio::io_context io_;
  std::string dir_;
  std::string url_;
  std::unique_ptr<testing::ChildProcess> server_;
};

TEST_F(TlsTest, VerificationIsOnByDefault) {
  auto r = fetch({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, core::ErrorKind::kTls);
  EXPECT_FALSE(r.error().retryable);
}

TEST_F(TlsTest, ConfiguredCaFileIsTrusted) {
  auto r = fetch({.ca_file = dir_ + "/cert.pem"});
  ASSERT_TRUE(r) << core::describe(r.error());
  EXPECT_EQ(r->status, 200);
}

// A receiver's own CA (the request's) stays with its request: the next request on the same
// client, on a handle the first one finished with, trusts only what it says itself.
TEST_F(TlsTest, ARequestsCaFileIsNotTrustedForTheNext) {
  CurlHttpClient client(io_, {});
  auto send = [&](std::string ca_file) {
    HttpRequest request{"GET", url_, {}, ""};
    request.ca_file = std::move(ca_file);
    std::optional<HttpResult> result;
    client.send(request, [&](HttpResult r) { result = std::move(r); });
    EXPECT_TRUE(waitFor(io_, [&] { return result.has_value(); }));
    return std::move(*result);
  };
  auto trusted = send(dir_ + "/cert.pem");
  ASSERT_TRUE(trusted) << core::describe(trusted.error());
  EXPECT_EQ(client.idleHandles(), 1u);
  auto next = send("");
  ASSERT_FALSE(next) << "the first request's CA was trusted for the next";
  EXPECT_EQ(next.error().kind, core::ErrorKind::kTls);
  EXPECT_TRUE(send(dir_ + "/cert.pem")) << "and its own again for the one after";
}

}  // namespace
TEST(UrlForLog, KeepsSchemeAndHostOnly) {
  EXPECT_EQ(urlForLog("http://alice:S3cretPw@hooks.example:8080/T0/B1/xyz?token=1#f"),
            "http://hooks.example:8080");
  EXPECT_EQ(urlForLog("https://user@[::1]:9093"), "https://[::1]:9093");
  EXPECT_EQ(urlForLog("https://a:b@c@host/p"), "https://host");
  EXPECT_EQ(urlForLog("host.example/path"), "host.example");
  EXPECT_EQ(urlForLog(""), "");
  EXPECT_EQ(urlForLog("https://u:pa#ss@h/x"), "https://h");
  EXPECT_EQ(urlForLog("https://u:p/w?d@h:1/x"), "https://h:1");
}

}  // namespace swas::http
