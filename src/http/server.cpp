#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <functional>
#include <list>
#include <optional>

#include "asio/send_now.hpp"
#include "core/json_writer.hpp"
#include "http/connection_deadline.hpp"
#include "http/h2_connection.hpp"
#include "http/read_request.hpp"
#include "http/request_checks.hpp"
#include "http/response_head.hpp"
#include "http/tls_server_context.hpp"
#include "http/worker.hpp"

namespace switchyard::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using asio::use_awaitable;

namespace {

constexpr auto kWriteTimeout = std::chrono::seconds(60);
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
// After the drain time: how long requests the handler was told to end get to finish.
constexpr auto kDrainCutGrace = std::chrono::seconds(2);

using PlainStream = tcp::socket;
using TlsStream = asio::ssl::stream<tcp::socket>;

tcp::socket& lowest(PlainStream& s) { return s; }
tcp::socket& lowest(TlsStream& s) { return s.next_layer(); }

constexpr std::size_t kMaxSpareBuffers = 64;
constexpr std::size_t kMaxSpareBufferCapacity = 16 * 1024;

void borrowReadBuffer(Server::Worker& worker, beast::flat_buffer& buffer) {
  if (buffer.capacity() != 0 || worker.spareBuffers.empty()) return;
  buffer = std::move(worker.spareBuffers.back());
  worker.spareBuffers.pop_back();
}

// `buffer` holds nothing (no pipelined request): its storage goes back to the worker.
void returnReadBuffer(Server::Worker& worker, beast::flat_buffer& buffer) {
  if (worker.spareBuffers.size() < kMaxSpareBuffers &&
      buffer.capacity() <= kMaxSpareBufferCapacity) {
    worker.spareBuffers.push_back(std::move(buffer));  // leaves `buffer` with no storage
  } else {
    buffer.shrink_to_fit();
  }
}

// What one client connection keeps between its requests.
struct Connection {
  explicit Connection(tcp::socket& socket) : deadline(socket), idleEntry{&socket} {}
  ConnectionDeadline deadline;
  // Its entry in the worker's idle list, moved there while it waits for a request and back after:
  // allocated once per connection, not once per request.
  std::list<tcp::socket*> idleEntry;
  beast::flat_buffer buffer;  // received, not yet parsed
  std::string head;           // the response head being written; its capacity is reused
};

template <class Stream>
class StreamWriter final : public ResponseWriter {
 public:
  // `stopping` turns keep-alive off for responses that start after shutdown began. `headOnly`:
  // the answer to a HEAD request, whose head says what a GET would get and which has no body.
  StreamWriter(Stream& stream, Connection& connection, unsigned version, bool keepAlive,
               const bool& stopping, bool headOnly = false)
      : stream_(stream),
        connection_(connection),
        version_(version),
        keepAlive_(keepAlive),
        stopping_(stopping),
        headOnly_(headOnly) {}

  asio::awaitable<bool> send(unsigned status, std::string_view contentType, std::string body,
                             HeaderList headers) override {
    keepAlive_ = keepAlive_ && !stopping_;
    writeResponseHead(connection_.head, {.version = version_,
                                         .status = status,
                                         .contentType = contentType,
                                         .headers = &headers,
                                         .keepAlive = keepAlive_,
                                         .contentLength = body.size()});
    started_ = true;
    const std::array<asio::const_buffer, 2> buffers{
        asio::buffer(connection_.head), asio::buffer(body.data(), headOnly_ ? 0 : body.size())};
    std::size_t sent = 0;
    if (writeNow(buffers, sent)) co_return true;
    co_return co_await writeRest(buffers, sent);
  }

  asio::awaitable<bool> beginStream(unsigned status, std::string_view contentType,
                                    HeaderList headers, std::string_view firstChunk) override {
    untilClose_ = version_ == 10;  // HTTP/1.0 knows no chunked coding
    keepAlive_ = keepAlive_ && !stopping_ && !untilClose_;
    writeResponseHead(connection_.head, {.version = version_,
                                         .status = status,
                                         .contentType = contentType,
                                         .headers = &headers,
                                         .keepAlive = keepAlive_,
                                         .chunked = !untilClose_,
                                         .untilClose = untilClose_});
    started_ = true;
    streaming_ = !headOnly_;
    bool ok;
    if (firstChunk.empty() || headOnly_) {
      const std::array<asio::const_buffer, 1> buffers{asio::buffer(connection_.head)};
      ok = co_await writeAll(buffers);
    } else {
      const auto chunk = frameChunk(firstChunk);
      const std::array<asio::const_buffer, 4> buffers{asio::buffer(connection_.head), chunk[0],
                                                      chunk[1], chunk[2]};
      ok = co_await writeAll(buffers);
    }
    // A stream may stay open for minutes: the head's storage is not kept for the next response.
    std::string().swap(connection_.head);
    co_return ok;
  }

  asio::awaitable<bool> write(std::string_view data) override {
    if (failed_) co_return false;
    if (data.empty() || headOnly_) co_return true;
    const auto buffers = frameChunk(data);  // named: GCC 12 mishandles temporaries in co_await
    std::size_t sent = 0;
    if (writeNow(buffers, sent)) co_return true;
    co_return co_await writeRest(buffers, sent);
  }

  asio::awaitable<bool> endStream(std::string_view lastChunk) override {
    if (failed_) co_return false;
    if (headOnly_) {  // no body
      streaming_ = false;
      co_return true;
    }
    if (untilClose_) {  // nothing marks the end but the connection's close
      const bool ok = co_await write(lastChunk);
      streaming_ = false;
      co_return ok;
    }
    const asio::const_buffer last(kLastChunk.data(), kLastChunk.size());
    bool ok = false;
    if (lastChunk.empty()) {
      const std::array<asio::const_buffer, 1> buffers{last};
      ok = co_await writeAll(buffers);
    } else {
      const auto chunk = frameChunk(lastChunk);
      const std::array<asio::const_buffer, 4> buffers{chunk[0], chunk[1], chunk[2], last};
      ok = co_await writeAll(buffers);
    }
    streaming_ = false;
    co_return ok;
  }

  void abort() override {
    failed_ = true;
    beast::error_code ignored;
    lowest(stream_).set_option(asio::socket_base::linger(true, 0), ignored);  // RST
    lowest(stream_).close(ignored);
  }

  bool started() const override { return started_; }
  void setWriteTimeout(std::chrono::milliseconds limit) override { writeTimeout_ = limit; }

  void onClientClose(std::function<void()> callback) override {
    if (!closeWatch_) closeWatch_ = std::make_shared<CloseWatch>();  // only for handlers that ask
    if (closeWatch_->closed) {
      callback();
      return;
    }
    closeWatch_->callback = std::move(callback);
    if (watchAllowed_ && !watching_) watchForClose();
  }
  bool clientClosed() const override { return closeWatch_ && closeWatch_->closed; }

  // The handler may ask to learn when the client closes (nothing was pipelined behind its request).
  // The watch starts only when it asks: most handlers never do, and a wait on the socket costs an
  // epoll_ctl per request. A client that closed before the ask is still seen: the wait reports the
  // socket readable at once.
  void allowCloseWatch() { watchAllowed_ = true; }

  // The handler is done: a pending watch completes as a no-op.
  void stopWatching() {
    if (!closeWatch_) return;
    closeWatch_->finished = true;
    closeWatch_->callback = nullptr;
    if (!watching_) return;
    beast::error_code ignored;
    lowest(stream_).cancel(ignored);  // nothing else is pending between requests
  }
  bool reusable() const { return keepAlive_ && !failed_ && !streaming_ && started_; }
  void doneAt(std::chrono::steady_clock::time_point at) override { doneAt_ = at; }
  std::optional<std::chrono::steady_clock::time_point> doneAt() const { return doneAt_; }
  std::uint64_t bytesSent() const override { return bytesSent_; }

 private:
  // Readable with zero bytes to peek means the client closed. Pipelined bytes end the watch (they
  // belong to the next request).
  void watchForClose() {
    watching_ = true;
    auto watch = closeWatch_;
    auto& socket = lowest(stream_);
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
  // `data` as one chunk of a chunked body: size line, data, CRLF (the size line lives in chunkLine_
  // until the next chunk). A body that ends with the connection has no framing: `data` alone.
  std::array<asio::const_buffer, 3> frameChunk(std::string_view data) {
    if (untilClose_) return {asio::buffer(data.data(), data.size()), {}, {}};
    const std::size_t lineSize = chunkSizeLine(chunkLine_, data.size());
    return {asio::buffer(chunkLine_.data(), lineSize), asio::buffer(data.data(), data.size()),
            asio::buffer(kChunkEnd.data(), kChunkEnd.size())};
  }

  // A gather write (one sendmsg on plain TCP) in two parts. On plain TCP the socket usually takes
  // it all at once (writeNow): then there is no wait to time (no clock read, no deadline), nothing
  // to complete later and no coroutine. What it does not take, and all of a TLS write, goes out in
  // writeRest under the write timeout; a response that goes out in several writes (a stream) has
  // no deadline while the handler waits between them. The hot callers (send, write) call the two
  // themselves, which spares them writeAll's frame.
  template <class Buffers>
  asio::awaitable<bool> writeAll(const Buffers& buffers) {
    std::size_t sent = 0;
    if (writeNow(buffers, sent)) co_return true;
    co_return co_await writeRest(buffers, sent);
  }

  // True when all of `buffers` went out; `sent` says how much did.
  template <class Buffers>
  bool writeNow(const Buffers& buffers, std::size_t& sent) {
    if constexpr (std::is_same_v<Stream, PlainStream>) {
      sent = io::sendNow(lowest(stream_), buffers);
      bytesSent_ += sent;
      return sent == asio::buffer_size(buffers);
    }
    return false;
  }

  // What writeNow() did not send: `buffers` past their first `sent` bytes.
  template <class Buffers>
  asio::awaitable<bool> writeRest(const Buffers& buffers, std::size_t sent) {
    beast::buffers_suffix<Buffers> rest(buffers);
    rest.consume(sent);
    connection_.deadline.expiresAfter(writeTimeout_);
    auto [ec, n] = co_await asio::async_write(stream_, rest, asio::as_tuple(asio::deferred));
    connection_.deadline.expiresNever();
    bytesSent_ += n;
    failed_ = failed_ || ec;
    co_return !ec;
  }

  Stream& stream_;
  Connection& connection_;
  unsigned version_;
  struct CloseWatch {
    bool closed = false;
    bool finished = false;
    std::function<void()> callback;
  };
  bool keepAlive_;
  const bool& stopping_;
  std::shared_ptr<CloseWatch> closeWatch_;  // shared with a pending wait, which may outlive us
  std::array<char, 20> chunkLine_{};
  std::chrono::milliseconds writeTimeout_ = kWriteTimeout;
  bool headOnly_;
  bool untilClose_ = false;
  bool watchAllowed_ = false;
  bool watching_ = false;
  bool started_ = false;
  bool streaming_ = false;
  bool failed_ = false;
  std::uint64_t bytesSent_ = 0;
  std::optional<std::chrono::steady_clock::time_point> doneAt_;
};

}  // namespace

std::string handlerThrewLine(const std::exception& e) {
  std::string line = R"({"level":"error","msg":"handler threw","what":")";
  core::appendJsonEscaped(line, e.what());
  return line + R"("})";
}

void writeLogLine(std::string_view line) {
  std::string out;
  out.reserve(line.size() + 1);
  out.append(line).push_back('\n');
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, out.data(), out.size());
}

namespace {

// Status for a request the server could not read; 0 = just close the connection.
unsigned statusForReadError(const beast::error_code& ec, bool anyBytes) {
  if (ec == bhttp::error::body_limit) return 413;
  if (ec == bhttp::error::header_limit) return 431;
  if (ec == beast::error::timeout) return anyBytes ? 408 : 0;
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::error::connection_reset || ec == asio::error::operation_aborted)
    return 0;
  return anyBytes ? 400 : 0;
}

std::string readErrorMessage(unsigned status, const beast::error_code& ec,
                             const ServerOptions& options, std::uint64_t bodyLimit) {
  if (status == 413)
    return "request body exceeds the limit of " + std::to_string(bodyLimit) + " bytes";
  if (status == 431)
    return "request headers exceed the limit of " + std::to_string(options.headerLimit) + " bytes";
  if (status == 408) return "request not received in time";
  if (ec == bhttp::error::buffer_overflow)
    return "a chunk extension or the trailer section exceeds the limit of " +
           std::to_string(options.headerLimit) + " bytes";
  return "malformed HTTP request: " + ec.message();
}

// Answers a request the server turns away before any handler saw it, and ends the connection: the
// rest of what the client sent cannot be told apart from a next request.
template <class Stream>
asio::awaitable<void> refuse(Stream& stream, Connection& connection, Server::Worker& worker,
                             unsigned status, std::string_view message, bool headOnly) {
  std::string body, contentType;
  worker.handler->renderProtocolError(status, message, body, contentType);
  StreamWriter<Stream> writer(stream, connection, 11, false, worker.stopping, headOnly);
  co_await writer.send(status, contentType, std::move(body), {});
  beast::error_code ignored;
  lowest(stream).shutdown(tcp::socket::shutdown_send, ignored);
}

// A request read off a connection, or why there is none.
struct NextRequest {
  Request request;
  std::uint64_t received = 0;                        // bytes read for it
  std::chrono::steady_clock::time_point receivedAt;  // when its last byte came in
  bool headOnly = false;                             // a HEAD request
  bool ok = false;  // false: the session ends (closed, turned away, unreadable; answered if due)
};

// Reads the connection's next request into `next`; its idle time counts from `idleSince` (when
// the last response was done, if known, else now). A coroutine of its own: the parser, and what
// turning a request away takes, stay out of runSession's frame, which every open stream keeps.
template <class Stream>
asio::awaitable<void> readNextRequest(
    Stream& stream, Connection& connection, Server::Worker& worker, const ServerOptions& options,
    std::optional<ConnectionDeadline::Clock::time_point> idleSince, NextRequest& next) {
  auto& buffer = connection.buffer;
  auto& deadline = connection.deadline;
  const ClientTimeouts timeouts = options.limits->timeouts();
  const std::uint64_t bodyLimit = options.limits->bodyLimit();
  ChunkExtensionBudget extensionBudget(bodyLimit);
  RequestParser parser;
  parser.header_limit(options.headerLimit);
  parser.body_limit(bodyLimit);

  // Idle until the next request's first byte, then its head is due within the header timeout
  // and the whole request within requestReceived. Registered so shutdown can close it.
  std::uint64_t& received = next.received;
  borrowReadBuffer(worker, buffer);
  const auto idleIt = connection.idleEntry.begin();
  worker.idle.splice(worker.idle.end(), connection.idleEntry, idleIt);
  beast::error_code ec;
  if (buffer.size() == 0) {
    // (value_or would read the clock even when it is not needed)
    deadline.expiresAt((idleSince ? *idleSince : ConnectionDeadline::Clock::now()) + timeouts.idle);
    ec = co_await readFirstBytes(stream, buffer, deadline, received);
  }
  const auto firstByte = ConnectionDeadline::Clock::now();
  const auto requestDue = firstByte + timeouts.requestReceived;
  // Nearly every request comes whole in the read that brought its first byte: then it was
  // received at that time, and the clock is not read again.
  const std::uint64_t receivedWithFirstByte = received;
  bool waitedSince = false;
  if (!ec) {
    deadline.expiresAt(std::min(requestDue, firstByte + options.headerTimeout));
    ec = io::parseBufferedMessage(buffer, parser, /*headOnly=*/true, io::kUnbounded);
    if (ec == bhttp::error::need_more)  // the head is not all here yet
      ec = co_await readRequest(stream, buffer, parser, /*headOnly=*/true, deadline, received);
  }
  connection.idleEntry.splice(connection.idleEntry.end(), worker.idle, idleIt);

  bool& headOnly = next.headOnly;
  if (!ec) {
    auto& head = parser.get();
    headOnly = head.method() == bhttp::verb::head;
    if (const auto refusal = checkRequestHead(head, parser.chunked())) {
      if (worker.handler)
        co_await refuse(stream, connection, worker, refusal.status, refusal.message, headOnly);
      co_return;
    }
    if (expectsContinue(head)) {
      waitedSince = true;
      deadline.expiresAfter(kWriteTimeout);
      auto [contEc, contN] = co_await asio::async_write(
          stream, asio::buffer(kContinue.data(), kContinue.size()), asio::as_tuple(use_awaitable));
      if (contEc) co_return;
    }
    deadline.expiresAt(requestDue);
    parser.eager(true);
    if (parser.chunked()) parser.on_chunk_header(extensionBudget);
    // A chunk line or a trailer section may be as long as a head, no longer.
    ec = io::parseBufferedMessage(buffer, parser, /*headOnly=*/false, options.headerLimit);
    if (ec == bhttp::error::need_more) {  // the body is not all here yet
      ec = co_await readRequest(stream, buffer, parser, /*headOnly=*/false, deadline, received,
                                options.headerLimit);
    }
    if (!ec && parser.chunked()) {  // trailers count as fields
      if (const auto refusal = checkFieldCount(parser.get())) {
        if (worker.handler)
          co_await refuse(stream, connection, worker, refusal.status, refusal.message, headOnly);
        co_return;
      }
    }
  }
  if (ec) {
    const unsigned status = statusForReadError(ec, received > 0 || parser.got_some());
    if (status == 0 || !worker.handler) co_return;
    co_await refuse(stream, connection, worker, status,
                    readErrorMessage(status, ec, options, bodyLimit), headOnly);
    co_return;
  }
  deadline.expiresNever();
  next.receivedAt = waitedSince || received != receivedWithFirstByte
                        ? ConnectionDeadline::Clock::now()
                        : firstByte;
  next.request = parser.release();
  next.ok = true;
}

// The handler threw: a 500 if nothing was sent yet, else the response is cut.
template <class Stream>
asio::awaitable<void> answerHandlerThrew(StreamWriter<Stream>& writer, Server::Worker& worker) {
  if (writer.started()) {
    writer.abort();
    co_return;
  }
  std::string body, contentType;
  worker.handler->renderProtocolError(500, "internal error", body, contentType);
  co_await writer.send(500, contentType, std::move(body), {});
}

template <class Stream>
asio::awaitable<void> runSession(Stream& stream, Connection& connection, Server::Worker& worker,
                                 const ServerOptions& options, std::string remote) {
  auto& socket = lowest(stream);
  auto& buffer = connection.buffer;
  std::optional<ConnectionDeadline::Clock::time_point> idleSince;  // the last response's end
  for (std::uint64_t requestIndex = 1;; ++requestIndex) {
    if (worker.stopping) co_return;
    NextRequest next;
    co_await readNextRequest(stream, connection, worker, options, idleSince, next);
    if (!next.ok) co_return;

    Request& request = next.request;
    if (buffer.size() == 0) returnReadBuffer(worker, buffer);
    const bool keepAlive = request.keep_alive() && !worker.stopping;
    StreamWriter<Stream> writer(stream, connection, request.version(), keepAlive, worker.stopping,
                                next.headOnly);
    RequestContext context{remote, next.received, next.receivedAt, requestIndex};
    ++worker.activeRequests;
    if (buffer.size() == 0) writer.allowCloseWatch();
    bool threw = false;
    try {
      co_await worker.handler->handle(request, context, writer);
    } catch (const std::exception& e) {
      // Last guard: a bug in a handler must not take the process down.
      options.log(handlerThrewLine(e));
      threw = true;
    }
    if (threw) co_await answerHandlerThrew(writer, worker);
    idleSince = threw ? std::nullopt : writer.doneAt();
    --worker.activeRequests;
    writer.stopWatching();
    if (!writer.reusable()) {
      beast::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_send, ignored);
      co_return;
    }
  }
}

std::string remoteAddressOf(tcp::socket& socket) {
  beast::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  socket.set_option(tcp::no_delay(true), ec);
  return ec ? std::string() : peer.address().to_string();
}

// An HTTP/2 client with prior knowledge opens with the preface "PRI * HTTP/2.0\r\n..."; no
// HTTP/1.1 request starts with "PRI ". Peeked, so either protocol reads the bytes itself.
asio::awaitable<bool> startsWithHttp2Preface(tcp::socket& socket, Server::Worker& worker,
                                             ConnectionDeadline& deadline,
                                             const ServerOptions& options) {
  deadline.expiresAfter(options.limits->timeouts().idle);
  auto idleIt = worker.idle.insert(worker.idle.end(), &socket);
  auto [ec] = co_await socket.async_wait(tcp::socket::wait_read, asio::as_tuple(use_awaitable));
  worker.idle.erase(idleIt);
  if (ec) co_return false;
  constexpr std::string_view kPrefix = "PRI ";
  std::array<char, kPrefix.size()> first{};
  const auto n =
      ::recv(socket.native_handle(), first.data(), first.size(), MSG_PEEK | MSG_DONTWAIT);
  co_return n == static_cast<ssize_t>(first.size()) &&
      std::string_view(first.data(), first.size()) == kPrefix;
}

asio::awaitable<void> servePlain(tcp::socket socket, Server::Worker& worker,
                                 const ServerOptions& options) {
  std::string remote = remoteAddressOf(socket);
  Connection connection(socket);
  if (options.http2 &&
      co_await startsWithHttp2Preface(socket, worker, connection.deadline, options)) {
    connection.deadline.expiresNever();
    co_await serveHttp2(socket, socket, worker, options, std::move(remote));
    co_return;
  }
  co_await runSession(socket, connection, worker, options, std::move(remote));
}

// `tls` stays alive as long as the connection: a reload may have replaced it for new ones.
asio::awaitable<void> serveTls(tcp::socket socket, Server::Worker& worker,
                               const ServerOptions& options,
                               std::shared_ptr<asio::ssl::context> tls) {
  std::string remote = remoteAddressOf(socket);
  TlsStream stream(std::move(socket), *tls);
  Connection connection(stream.next_layer());
  connection.deadline.expiresAfter(kHandshakeTimeout);
  auto [hsEc] = co_await stream.async_handshake(asio::ssl::stream_base::server,
                                                asio::as_tuple(use_awaitable));
  if (hsEc || connection.deadline.expired()) co_return;
  const unsigned char* protocol = nullptr;
  unsigned length = 0;
  SSL_get0_alpn_selected(stream.native_handle(), &protocol, &length);
  if (std::string_view(reinterpret_cast<const char*>(protocol), protocol ? length : 0) == "h2") {
    connection.deadline.expiresNever();
    co_await serveHttp2(stream, stream.next_layer(), worker, options, std::move(remote));
    co_return;
  }
  co_await runSession(stream, connection, worker, options, std::move(remote));
}

// Runs one connection's session holding its place in the connection count.
asio::awaitable<void> countedSession(asio::awaitable<void> session,
                                     ConnectionAdmission& connections) {
  struct Place {
    ConnectionAdmission& connections;
    ~Place() { connections.close(); }
  } place{connections};
  co_await std::move(session);
}

constexpr auto kPausedAcceptCheck = std::chrono::milliseconds(20);

asio::awaitable<void> acceptLoop(Server::Worker& worker, const ServerOptions& options) {
  asio::steady_timer pause(worker.ioc);
  for (;;) {
    // Wait until a connection is there, then decide whether to take it: while accepting is paused
    // it stays in the backlog (an accept already pending would take one more).
    auto [waitEc] = co_await worker.acceptor.async_wait(tcp::acceptor::wait_read,
                                                        asio::as_tuple(use_awaitable));
    if (waitEc == asio::error::operation_aborted || !worker.acceptor.is_open()) co_return;
    if (options.acceptPaused && options.acceptPaused()) {
      pause.expires_after(kPausedAcceptCheck);
      co_await pause.async_wait(asio::as_tuple(use_awaitable));
      continue;
    }
    tcp::socket socket(worker.ioc);
    beast::error_code ec;
    worker.acceptor.accept(socket, ec);  // non-blocking: the wait said one is ready
    if (ec == asio::error::would_block || ec == asio::error::try_again) continue;
    if (ec) {
      if (!worker.acceptor.is_open()) co_return;
      // Out of file descriptors (EMFILE) and friends: the connection stays in the backlog and the
      // listener readable, so wait before the next try instead of spinning.
      const auto wait = worker.acceptBackoff.onError(ec, options.log);
      if (wait.count() > 0) {
        pause.expires_after(wait);
        co_await pause.async_wait(asio::as_tuple(use_awaitable));
      }
      continue;
    }
    worker.acceptBackoff.onAccepted(options.log);
    if (!worker.connections->tryOpen(options.connectionLimit())) {
      beast::error_code ignored;
      socket.close(ignored);  // over the connection limit: closed before a byte is read
      continue;
    }
    auto tls = options.currentTls ? options.currentTls() : options.tls;
    auto session = tls ? serveTls(std::move(socket), worker, options, std::move(tls))
                       : servePlain(std::move(socket), worker, options);
    asio::co_spawn(worker.ioc, countedSession(std::move(session), *worker.connections),
                   asio::detached);
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
  if (options_.tls)
    selectAlpnFrom(*options_.tls, options_.http2 ? kDefaultAlpn : AlpnSet{kAlpnHttp11});
  const int count = std::max(1, options_.workers);
  auto endpoint = options_.listen;
  for (int i = 0; i < count; ++i) {
    auto worker = std::make_unique<Worker>(acceptOutage_);
    auto& acceptor = worker->acceptor;
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    int one = 1;
    if (::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
      throw std::runtime_error("SO_REUSEPORT not available");
    }
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);
    acceptor.non_blocking(true);  // accept() after a wait for readiness (see acceptLoop)
    if (i == 0) {
      port_ = acceptor.local_endpoint().port();
      endpoint.port(port_);  // every worker listens on the same port
    }
    worker->handler = factory_(worker->ioc);
    worker->connections = &connections_;
    worker->spareBuffers.reserve(kMaxSpareBuffers);
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
      for (auto* idle : w->idle) idle->close(ignored);
      for (auto& goAway : w->drains) goAway();  // HTTP/2: GOAWAY, streams in flight finish
      // Wait for requests in flight, bounded by the drain time; then the handler ends what still
      // runs (a stream gets its error event), bounded by a short grace; then stop the loop.
      auto timer = std::make_shared<asio::steady_timer>(w->ioc);
      auto deadline = std::chrono::steady_clock::now() + drain;
      auto poll = std::make_shared<std::function<void()>>();
      *poll = [w, timer, deadline, poll]() mutable {
        const auto now = std::chrono::steady_clock::now();
        if (w->activeRequests > 0 && now >= deadline && !w->drainCut) {
          w->drainCut = true;
          deadline = now + kDrainCutGrace;
          if (w->handler) w->handler->onDrainDeadline();
        }
        if (w->activeRequests == 0 || now >= deadline) {
          w->ioc.stop();
          *poll = nullptr;  // break the self-reference
          return;
        }
        timer->expires_after(std::chrono::milliseconds(20));
        timer->async_wait([poll](const beast::error_code&) {
          if (*poll) (*poll)();
        });
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

bool Server::drainedCleanly() const {
  return std::none_of(workers_.begin(), workers_.end(),
                      [](const auto& worker) { return worker->drainCut; });
}

std::uint64_t Server::acceptErrors() const { return acceptOutage_.errors(); }

}  // namespace switchyard::http
