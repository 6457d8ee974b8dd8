#include "daemon/http/curl_http_client.h"

#include <curl/curl.h>
#include <poll.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace swas::http {
namespace asio = boost::asio;

void globalInitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};

// One in-flight request and what has arrived of its response.
struct Transfer {
  std::unique_ptr<CURL, EasyDeleter> easy;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  HttpRequest request;
  HttpResponse response;
  HttpCallback callback;
  size_t max_bytes = 0;
  bool too_large = false;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

// Readiness interest in one socket. The descriptor never owns the fd: libcurl opens and closes
// it, and tells us (CURL_POLL_REMOVE) before it does.
struct Watch {
  explicit Watch(asio::io_context& io) : descriptor(io) {}
  asio::posix::stream_descriptor descriptor;
  int wanted = 0;
  bool reading = false;
  bool writing = false;
  bool dead = false;
};

bool pollReady(int fd, short events) {
  pollfd p{fd, events, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (events | POLLERR | POLLHUP)) != 0;
}

core::Error transferError(CURLcode code, const Transfer& t) {
  core::Error error;
  std::string detail = t.error_buffer[0] ? t.error_buffer : curl_easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      error.kind = core::ErrorKind::kTimeout;
      error.retryable = true;
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
      error.kind = core::ErrorKind::kTls;
      break;
    case CURLE_UNSUPPORTED_PROTOCOL:
      // Neither http nor https (CURLOPT_PROTOCOLS_STR): the same URL will never work.
      error.kind = core::ErrorKind::kConnect;
      break;
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
      if (t.too_large || code == CURLE_FILESIZE_EXCEEDED) {
        error.kind = core::ErrorKind::kTooLarge;
        detail = "response larger than the limit of " + std::to_string(t.max_bytes) + " bytes";
        break;
      }
      [[fallthrough]];
    default:
      // Resolve, connect, reset, empty reply, partial body: the network, worth another try.
      error.kind = core::ErrorKind::kConnect;
      error.retryable = true;
      break;
  }
  char* url = nullptr;
  curl_easy_getinfo(t.easy.get(), CURLINFO_EFFECTIVE_URL, &url);
  error.message = detail + " (" + urlForLog(url ? url : "") + ")";
  return error;
}

size_t onBody(char* data, size_t size, size_t count, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  size_t n = size * count;
  if (t->response.body.size() + n > t->max_bytes) {
    t->too_large = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  t->response.body.append(data, n);
  return n;
}

size_t onHeader(char* data, size_t size, size_t count, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    t->response.headers.clear();  // a new response (after 100 Continue)
    return line.size();
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return line.size();
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  t->response.headers.emplace_back(std::move(name), std::string(value));
  return line.size();
}

void setHeaders(Transfer& t) {
  curl_slist* list = nullptr;
  bool has_content_type = false;
  for (const auto& [name, value] : t.request.headers) {
    if (iequals(name, "content-type")) has_content_type = true;
    std::string line = name + ": " + value;
    list = curl_slist_append(list, line.c_str());
  }
  // libcurl would add a form Content-Type to every POST; the signature must see the headers
  // exactly as sent, so send none unless asked. Same for Expect.
  if (!has_content_type) list = curl_slist_append(list, "Content-Type:");
  list = curl_slist_append(list, "Expect:");
  t.headers.reset(list);
  curl_easy_setopt(t.easy.get(), CURLOPT_HTTPHEADER, list);
}

// Finished transfers' handles, reset, for the next ones (at most as many as usually run at
// once: a poll's call and a message or two): creating and freeing one was about 2% of a poll's
// CPU.
class EasyPool {
 public:
  static constexpr size_t kMax = 4;
  // A handle that left its multi handle: reset at once (it pointed at its transfer's headers,
  // body and buffers) and kept, while there is room.
  void put(std::unique_ptr<CURL, EasyDeleter> easy) {
    if (!easy || idle_.size() >= kMax) return;
    curl_easy_reset(easy.get());
    idle_.push_back(std::move(easy));
  }
  // A kept handle, or none.
  std::unique_ptr<CURL, EasyDeleter> take() {
    if (idle_.empty()) return nullptr;
    auto easy = std::move(idle_.back());
    idle_.pop_back();
    return easy;
  }
  size_t size() const { return idle_.size(); }

 private:
  std::vector<std::unique_ptr<CURL, EasyDeleter>> idle_;
};

// One transfer's easy handle (`reused`, reset to libcurl's defaults, else a new one), as the
// request and the client's options say.
void configure(Transfer& t, const CurlHttpClientOptions& options,
               std::unique_ptr<CURL, EasyDeleter> reused) {
  t.max_bytes = options.max_response_bytes;
  t.easy = reused ? std::move(reused) : std::unique_ptr<CURL, EasyDeleter>(curl_easy_init());
  CURL* e = t.easy.get();
  const HttpRequest& r = t.request;
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  // Only the web: a URL from the configuration (or a redirect, should one ever be followed)
  // must not make libcurl read file:// or speak to ftp://, gopher://, dict://, smb://...
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error_buffer);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &onBody);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &onHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(options.max_response_bytes));
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, options.verify_tls ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, options.verify_tls ? 2L : 0L);
  const std::string& ca_file = r.ca_file.empty() ? options.ca_file : r.ca_file;
  if (!ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, ca_file.c_str());
  if (!options.ca_path.empty()) curl_easy_setopt(e, CURLOPT_CAPATH, options.ca_path.c_str());
  if (!options.proxy.empty()) curl_easy_setopt(e, CURLOPT_PROXY, options.proxy.c_str());
  if (!options.user_agent.empty()) {
    curl_easy_setopt(e, CURLOPT_USERAGENT, options.user_agent.c_str());
  }
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate when the server offers it
  if (r.method == "GET") {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.c_str());
    if (r.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  }
  setHeaders(t);
}

}  // namespace

struct CurlHttpClient::Impl {
  Impl(asio::io_context& io_context, CurlHttpClientOptions opts)
      : io(io_context),
        options(std::move(opts)),
        timer(io_context),
        alive(std::make_shared<bool>(true)) {
    globalInitCurl();
    multi.reset(curl_multi_init());
    curl_multi_setopt(multi.get(), CURLMOPT_SOCKETFUNCTION, &Impl::onSocket);
    curl_multi_setopt(multi.get(), CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi.get(), CURLMOPT_TIMERFUNCTION, &Impl::onTimer);
    curl_multi_setopt(multi.get(), CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, options.max_connections_per_host);
  }

  ~Impl() {
    *alive = false;
    for (auto& [easy, transfer] : transfers) curl_multi_remove_handle(multi.get(), easy);
    transfers.clear();
    // Closing the connection cache calls onSocket(REMOVE), so the watches must still exist.
    multi.reset();
    for (auto& [fd, watch] : watches) stopWatch(*watch);
    watches.clear();
    timer.cancel();
  }

  static int onSocket(CURL*, curl_socket_t fd, int what, void* userp, void*) {
    auto* self = static_cast<Impl*>(userp);
    if (what == CURL_POLL_REMOVE) {
      if (auto it = self->watches.find(fd); it != self->watches.end()) {
        self->stopWatch(*it->second);
        self->watches.erase(it);
      }
      return 0;
    }
    auto& watch = self->watches[fd];
    if (!watch) {
      watch = std::make_shared<Watch>(self->io);
      boost::system::error_code ec;
      watch->descriptor.assign(fd, ec);
      if (ec) {
        self->watches.erase(fd);
        return -1;
      }
    }
    watch->wanted = what;
    self->arm(watch, fd);
    return 0;
  }

  // libcurl's one timeout: none (-1), now (0: run it from the loop, no timer to arm) or in
  // timeout_ms. A new one replaces the old; `timer_generation` tells a posted run or an expiry
  // already queued that it was.
  static int onTimer(CURLM*, long timeout_ms, void* userp) {
    auto* self = static_cast<Impl*>(userp);
    ++self->timer_generation;
    self->timer.cancel();
    if (timeout_ms < 0) return 0;
    std::weak_ptr<bool> alive = self->alive;
    if (timeout_ms == 0) {
      asio::post(self->io, [self, alive, generation = self->timer_generation] {
        if (alive.expired() || generation != self->timer_generation) return;
        self->socketAction(CURL_SOCKET_TIMEOUT, 0);
      });
      return 0;
    }
    self->timer.expires_after(std::chrono::milliseconds(timeout_ms));
    self->timer.async_wait([self, alive, generation = self->timer_generation](auto ec) {
      // An expiry already queued when a newer timeout replaced it is not that one.
      if (ec || alive.expired() || generation != self->timer_generation) return;
      self->socketAction(CURL_SOCKET_TIMEOUT, 0);
    });
    return 0;
  }

  void stopWatch(Watch& watch) {
    watch.dead = true;
    boost::system::error_code ec;
    watch.descriptor.cancel(ec);
    (void)watch.descriptor.release();
  }

  // Waits for the readiness libcurl asked for. A direction that is already ready is acted on at
  // once: the reactor is edge-triggered, and readiness that arrived before the wait would be lost.
  void arm(const std::shared_ptr<Watch>& watch, curl_socket_t fd) {
    struct Direction {
      int flag;
      bool Watch::*pending;
      asio::posix::descriptor_base::wait_type wait;
      short poll_event;
      int select;
    };
    static constexpr Direction kDirections[] = {
        {CURL_POLL_IN, &Watch::reading, asio::posix::descriptor_base::wait_read, POLLIN,
         CURL_CSELECT_IN},
        {CURL_POLL_OUT, &Watch::writing, asio::posix::descriptor_base::wait_write, POLLOUT,
         CURL_CSELECT_OUT},
    };
    for (const auto& d : kDirections) {
      if (!(watch->wanted & d.flag) || (*watch).*d.pending) continue;
      (*watch).*d.pending = true;
      auto on_ready = [this, watch, fd, d](boost::system::error_code ec) {
        (*watch).*d.pending = false;
        if (ec || watch->dead) return;
        socketAction(fd, d.select);
        if (!watch->dead) arm(watch, fd);
      };
      if (pollReady(fd, d.poll_event)) {
        asio::post(io, [on_ready] { on_ready({}); });
      } else {
        watch->descriptor.async_wait(d.wait, on_ready);
      }
    }
  }

  void socketAction(curl_socket_t fd, int select) {
    int running = 0;
    curl_multi_socket_action(multi.get(), fd, select, &running);
    collectFinished();
  }

  void collectFinished() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      CURLcode code = msg->data.result;
      auto it = transfers.find(easy);
      if (it == transfers.end()) continue;
      std::unique_ptr<Transfer> transfer = std::move(it->second);
      transfers.erase(it);
      bool removed = curl_multi_remove_handle(multi.get(), easy) == CURLM_OK;
      finish(std::move(transfer), code, removed);
    }
  }

  // `reusable`: its handle left the multi handle, so another transfer may have it.
  void finish(std::unique_ptr<Transfer> transfer, CURLcode code, bool reusable) {
    HttpResult result;
    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(transfer->easy.get(), CURLINFO_RESPONSE_CODE, &status);
      transfer->response.status = static_cast<int>(status);
      result = std::move(transfer->response);
    } else {
      result = std::unexpected(transferError(code, *transfer));
    }
    if (reusable) idle.put(std::move(transfer->easy));
    // Callbacks run from the loop, never from inside libcurl or send().
    asio::post(io, [cb = std::move(transfer->callback), r = std::move(result)]() mutable {
      cb(std::move(r));
    });
  }

  void start(HttpRequest request, HttpCallback callback) {
    auto t = std::make_unique<Transfer>();
    t->request = std::move(request);
    t->callback = std::move(callback);
    configure(*t, options, idle.take());

    CURL* key = t->easy.get();
    transfers.emplace(key, std::move(t));
    if (CURLMcode mc = curl_multi_add_handle(multi.get(), key); mc != CURLM_OK) {
      auto failed = std::move(transfers[key]);
      transfers.erase(key);
      core::Error error{
          .kind = core::ErrorKind::kConnect,
          .message = std::string("curl_multi_add_handle: ") + curl_multi_strerror(mc)};
      asio::post(io, [cb = std::move(failed->callback), error]() { cb(std::unexpected(error)); });
    }
  }

  void cancelAll() {
    auto pending = std::move(transfers);
    transfers.clear();
    for (auto& [easy, transfer] : pending) {
      curl_multi_remove_handle(multi.get(), easy);
      core::Error error{.kind = core::ErrorKind::kCancelled, .message = "request cancelled"};
      asio::post(io, [cb = std::move(transfer->callback), error]() { cb(std::unexpected(error)); });
    }
  }

  asio::io_context& io;
  CurlHttpClientOptions options;
  std::unique_ptr<CURLM, MultiDeleter> multi;
  asio::steady_timer timer;
  uint64_t timer_generation = 0;
  std::unordered_map<curl_socket_t, std::shared_ptr<Watch>> watches;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers;
  EasyPool idle;
  std::shared_ptr<bool> alive;
};

CurlHttpClient::CurlHttpClient(asio::io_context& io, CurlHttpClientOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(options))) {}

CurlHttpClient::~CurlHttpClient() = default;

void CurlHttpClient::send(HttpRequest request, HttpCallback callback) {
  impl_->start(std::move(request), std::move(callback));
}

void CurlHttpClient::cancelAll() { impl_->cancelAll(); }

void CurlHttpClient::setMaxConnectionsPerHost(long max) {
  impl_->options.max_connections_per_host = max;
  curl_multi_setopt(impl_->multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, max);
}

size_t CurlHttpClient::inFlight() const { return impl_->transfers.size(); }

size_t CurlHttpClient::idleHandles() const { return impl_->idle.size(); }

}  // namespace swas::http
