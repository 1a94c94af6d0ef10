#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <functional>

#include <iostream>
#include <list>

namespace switchyard::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;

namespace {

constexpr std::string_view kServerName = "switchyard";
constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

beast::tcp_stream& lowest(PlainStream& s) { return s; }
beast::tcp_stream& lowest(TlsStream& s) { return s.next_layer(); }

}  // namespace

// Per worker: one io_context, one listener, the sessions it runs.
struct Server::Worker {
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::unique_ptr<Handler> handler;
  std::thread thread;
  // Sockets waiting for the next request on a keep-alive connection; closed at shutdown.
  std::list<beast::tcp_stream*> idle;
  std::size_t activeRequests = 0;
  bool stopping = false;
};

namespace {

template <class Stream>
class StreamWriter final : public ResponseWriter {
 public:
  // `stopping` turns keep-alive off for responses that start after shutdown began.
  StreamWriter(Stream& stream, unsigned version, bool keepAlive, const bool& stopping)
      : stream_(stream), version_(version), keepAlive_(keepAlive), stopping_(stopping) {}

  asio::awaitable<bool> send(unsigned status, std::string_view contentType, std::string body,
                             std::vector<std::pair<std::string, std::string>> headers) override {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(status), version_};
    res.set(bhttp::field::server, kServerName);
    res.set(bhttp::field::content_type, contentType);
    for (auto& [name, value] : headers) res.set(name, value);
    keepAlive_ = keepAlive_ && !stopping_;
    res.keep_alive(keepAlive_);
    res.body() = std::move(body);
    res.prepare_payload();
    started_ = true;
    lowest(stream_).expires_after(kWriteTimeout);
    auto [ec, n] = co_await bhttp::async_write(stream_, res, asio::as_tuple(use_awaitable));
    bytesSent_ += n;
    failed_ = failed_ || ec;
    co_return !ec;
  }

  asio::awaitable<bool> beginStream(unsigned status, std::string_view contentType,
                                    std::vector<std::pair<std::string, std::string>> headers) override {
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(status), version_};
    res.set(bhttp::field::server, kServerName);
    res.set(bhttp::field::content_type, contentType);
    res.set(bhttp::field::cache_control, "no-cache");
    for (auto& [name, value] : headers) res.set(name, value);
    keepAlive_ = keepAlive_ && !stopping_;
    res.keep_alive(keepAlive_);
    res.chunked(true);
    started_ = true;
    streaming_ = true;
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    lowest(stream_).expires_after(kWriteTimeout);
    auto [ec, n] = co_await bhttp::async_write_header(stream_, sr, asio::as_tuple(use_awaitable));
    bytesSent_ += n;
    failed_ = failed_ || ec;
    co_return !ec;
  }

  asio::awaitable<bool> write(std::string_view data) override {
    if (failed_) co_return false;
    if (data.empty()) co_return true;
    lowest(stream_).expires_after(kWriteTimeout);
    auto [ec, n] = co_await asio::async_write(
        stream_, bhttp::make_chunk(asio::const_buffer(data.data(), data.size())),
        asio::as_tuple(use_awaitable));
    bytesSent_ += n;
    failed_ = failed_ || ec;
    co_return !ec;
  }

  asio::awaitable<bool> endStream() override {
    if (failed_) co_return false;
    lowest(stream_).expires_after(kWriteTimeout);
    auto [ec, n] =
        co_await asio::async_write(stream_, bhttp::make_chunk_last(), asio::as_tuple(use_awaitable));
    bytesSent_ += n;
    failed_ = failed_ || ec;
    streaming_ = false;
    co_return !ec;
  }

  void abort() override {
    failed_ = true;
    beast::error_code ignored;
    lowest(stream_).socket().set_option(asio::socket_base::linger(true, 0), ignored);  // RST
    lowest(stream_).socket().close(ignored);
  }

  bool started() const override { return started_; }

  void onClientClose(std::function<void()> callback) override {
    if (closeWatch_->closed) {
      callback();
    } else {
      closeWatch_->callback = std::move(callback);
    }
  }
  bool clientClosed() const override { return closeWatch_->closed; }

  // Watches the client's socket while the handler runs: readable with zero bytes to peek means the
  // client closed. Pipelined bytes end the watch (they belong to the next request).
  void watchForClose() {
    auto watch = closeWatch_;
    auto& socket = lowest(stream_).socket();
    socket.async_wait(tcp::socket::wait_read, [watch, &socket](const beast::error_code& ec) {
      if (ec || watch->finished) return;
      char byte;
      const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        watch->closed = true;
        if (auto callback = std::move(watch->callback)) callback();
      }
    });
  }
  // The handler is done: a pending watch completes as a no-op.
  void stopWatching() {
    closeWatch_->finished = true;
    closeWatch_->callback = nullptr;
    beast::error_code ignored;
    lowest(stream_).socket().cancel(ignored);  // nothing else is pending between requests
  }
  bool reusable() const { return keepAlive_ && !failed_ && !streaming_ && started_; }
  std::uint64_t bytesSent() const override { return bytesSent_; }

 private:
  Stream& stream_;
  unsigned version_;
  struct CloseWatch {
    bool closed = false;
    bool finished = false;
    std::function<void()> callback;
  };
  bool keepAlive_;
  const bool& stopping_;
  std::shared_ptr<CloseWatch> closeWatch_ = std::make_shared<CloseWatch>();
  bool started_ = false;
  bool streaming_ = false;
  bool failed_ = false;
  std::uint64_t bytesSent_ = 0;
};

// Status for a request the server could not read; 0 = just close the connection.
unsigned statusForReadError(const beast::error_code& ec, bool anyBytes) {
  if (ec == bhttp::error::body_limit || ec == bhttp::error::buffer_overflow) return 413;
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == beast::error::timeout) return anyBytes ? 408 : 0;
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
    return 0;
  return anyBytes ? 400 : 0;
}

template <class Stream>
asio::awaitable<void> runSession(Stream& stream, Server::Worker& worker, const ServerOptions& options,
                                 std::string remote) {
  beast::flat_buffer buffer;
  auto& tcpStream = lowest(stream);
  for (std::uint64_t requestIndex = 1;; ++requestIndex) {
    if (worker.stopping) co_return;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(options.headerLimit);
    parser.body_limit(options.bodyLimit());

    // Idle: waiting for the head of the next request. Registered so shutdown can close it.
    tcpStream.expires_after(buffer.size() ? options.requestReadTimeout : options.idleTimeout);
    auto idleIt = worker.idle.insert(worker.idle.end(), &tcpStream);
    auto [headEc, headBytes] =
        co_await bhttp::async_read_header(stream, buffer, parser, asio::as_tuple(use_awaitable));
    worker.idle.erase(idleIt);

    beast::error_code ec = headEc;
    std::uint64_t received = headBytes;
    if (!ec) {
      const auto& head = parser.get();
      if (head[bhttp::field::expect] == "100-continue") {
        bhttp::response<bhttp::empty_body> cont{bhttp::status::continue_, head.version()};
        tcpStream.expires_after(kWriteTimeout);
        auto [contEc, contN] = co_await bhttp::async_write(stream, cont, asio::as_tuple(use_awaitable));
        if (contEc) co_return;
      }
      tcpStream.expires_after(options.requestReadTimeout);
      auto [bodyEc, bodyBytes] =
          co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(use_awaitable));
      ec = bodyEc;
      received += bodyBytes;
    }
    if (ec) {
      const unsigned status = statusForReadError(ec, received > 0 || parser.got_some());
      if (status == 0 || !worker.handler) co_return;
      std::string body, contentType;
      const std::string message =
          status == 413 ? "request body exceeds the limit of " + std::to_string(options.bodyLimit()) + " bytes"
          : status == 431 ? "request headers exceed the limit of " + std::to_string(options.headerLimit) + " bytes"
          : status == 408 ? "request not received in time"
                          : "malformed HTTP request: " + ec.message();
      worker.handler->renderProtocolError(status, message, body, contentType);
      StreamWriter<Stream> writer(stream, 11, false, worker.stopping);
      co_await writer.send(status, contentType, std::move(body), {});
      beast::error_code ignored;
      tcpStream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }

    tcpStream.expires_never();
    Request request = parser.release();
    // Nothing pipelined behind the request: give the read buffer back while the handler runs (a
    // stream can stay open for minutes); the next request on this connection allocates afresh.
    if (buffer.size() == 0) buffer.shrink_to_fit();
    const bool keepAlive = request.keep_alive() && !worker.stopping;
    StreamWriter<Stream> writer(stream, request.version(), keepAlive, worker.stopping);
    RequestContext context{remote, received, std::chrono::steady_clock::now(), requestIndex};
    ++worker.activeRequests;
    if (buffer.size() == 0) writer.watchForClose();
    bool threw = false;
    try {
      co_await worker.handler->handle(request, context, writer);
    } catch (const std::exception& e) {
      // Last guard: a bug in a handler must not take the process down.
      std::cerr << "{\"level\":\"error\",\"msg\":\"handler threw\",\"what\":\"" << e.what() << "\"}\n";
      threw = true;
    }
    if (threw) {
      if (!writer.started()) {
        std::string body, contentType;
        worker.handler->renderProtocolError(500, "internal error", body, contentType);
        co_await writer.send(500, contentType, std::move(body), {});
      } else {
        writer.abort();
      }
    }
    --worker.activeRequests;
    writer.stopWatching();
    if (!writer.reusable()) {
      beast::error_code ignored;
      tcpStream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

asio::awaitable<void> servePlain(tcp::socket socket, Server::Worker& worker, const ServerOptions& options) {
  beast::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote;
  if (!ec) remote = peer.address().to_string();
  PlainStream stream(std::move(socket));
  co_await runSession(stream, worker, options, std::move(remote));
}

asio::awaitable<void> serveTls(tcp::socket socket, Server::Worker& worker, const ServerOptions& options) {
  beast::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  socket.set_option(tcp::no_delay(true), ec);
  TlsStream stream(std::move(socket), *options.tls);
  stream.next_layer().expires_after(kHandshakeTimeout);
  auto [hsEc] = co_await stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(use_awaitable));
  if (hsEc) co_return;
  std::string remote;
  if (!ec) remote = peer.address().to_string();
  co_await runSession(stream, worker, options, std::move(remote));
}

asio::awaitable<void> acceptLoop(Server::Worker& worker, const ServerOptions& options) {
  for (;;) {
    auto [ec, socket] = co_await worker.acceptor.async_accept(asio::as_tuple(use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || !worker.acceptor.is_open()) co_return;
      continue;  // EMFILE and friends: keep accepting
    }
    auto session = options.tls ? serveTls(std::move(socket), worker, options)
                               : servePlain(std::move(socket), worker, options);
    asio::co_spawn(worker.ioc, std::move(session), asio::detached);
  }
}

}  // namespace

Server::Server(ServerOptions options, HandlerFactory factory)
    : options_(std::move(options)), factory_(std::move(factory)) {}

Server::~Server() {
  stop();
  join();
}

void Server::start() {
  const int count = std::max(1, options_.workers);
  auto endpoint = options_.listen;
  for (int i = 0; i < count; ++i) {
    auto worker = std::make_unique<Worker>();
    auto& acceptor = worker->acceptor;
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
      throw std::runtime_error("SO_REUSEPORT not available");
    }
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    if (i == 0) {
      port_ = acceptor.local_endpoint().port();
      endpoint.port(port_);  // every worker listens on the same port
    }
    worker->handler = factory_(worker->ioc);
    workers_.push_back(std::move(worker));
  }
  for (auto& worker : workers_) {
    asio::co_spawn(worker->ioc, acceptLoop(*worker, options_), asio::detached);
    worker->thread = std::thread([w = worker.get()] { w->ioc.run(); });
  }
}

void Server::stop(std::chrono::milliseconds drain) {
  for (auto& worker : workers_) {
    asio::post(worker->ioc, [w = worker.get(), drain] {
      if (w->stopping) return;
      w->stopping = true;
      beast::error_code ignored;
      w->acceptor.close(ignored);
      for (auto* idle : w->idle) idle->socket().close(ignored);
      // Wait for requests in flight, bounded by the drain time, then stop the loop.
      auto timer = std::make_shared<asio::steady_timer>(w->ioc);
      auto deadline = std::chrono::steady_clock::now() + drain;
      auto poll = std::make_shared<std::function<void()>>();
      *poll = [w, timer, deadline, poll] {
        if (w->activeRequests == 0 || std::chrono::steady_clock::now() >= deadline) {
          w->ioc.stop();
          *poll = nullptr;  // break the self-reference
          return;
        }
        timer->expires_after(std::chrono::milliseconds(20));
        timer->async_wait([poll](const beast::error_code&) { if (*poll) (*poll)(); });
      };
      (*poll)();
    });
  }
}

void Server::join() {
  for (auto& worker : workers_) {
    if (worker->thread.joinable()) worker->thread.join();
  }
}

}  // namespace switchyard::http
