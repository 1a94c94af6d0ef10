#include "net/upstream_client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include <array>
#include <limits>
#include <utility>
#include <variant>

#include "asio/read_message.hpp"
#include "net/connection_pool.hpp"
#include "net/dns_cache.hpp"
#include "net/inbound_response_parser.hpp"
#include "net/request_head.hpp"
#include "net/stream_watchdog.hpp"
#include "net/tls_client_context.hpp"
#include "net/upstream_connection.hpp"

namespace switchyard::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace asio::experimental::awaitable_operators;
using boost::system::error_code;
using core::Error;
using core::ErrorKind;
using tcp = asio::ip::tcp;

namespace {

using StreamParser = http::response_parser<http::buffer_body>;
constexpr auto kRedirect = [](error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
};

enum class Phase { Resolve, Connect, Handshake, Exchange };

std::string_view phaseText(Phase phase) {
  switch (phase) {
    case Phase::Resolve:
      return "resolving";
    case Phase::Connect:
      return "connecting";
    case Phase::Handshake:
      return "in the TLS handshake";
    case Phase::Exchange:
      return "waiting for the response";
  }
  return "";
}

// Shared by one exchange and its watchdog (same thread).
struct Deadline {
  std::chrono::steady_clock::time_point until;
  UpstreamConnection* active = nullptr;  // what the watchdog closes when time runs out
  Phase phase = Phase::Resolve;
  bool expired = false;
};

// Bounds one exchange in time with a plain timer callback: when it fires it closes the active
// connection, which ends every pending operation on it at once, whichever layer (TCP, TLS, Beast)
// it is in. No coroutine of its own and no awaitable `||` on the request path (a parallel group
// co_spawns both sides: it was a quarter of the gateway's instructions per request). The one wait
// that is not on a connection, a DNS lookup, bounds itself by `until` (see resolveWithin).
class Watchdog {
 public:
  Watchdog(const asio::any_io_executor& executor, std::chrono::milliseconds timeout)
      : state_(std::make_shared<State>()), timer_(executor, timeout) {
    state_->deadline.until = std::chrono::steady_clock::now() + timeout;
    timer_.async_wait([state = state_](const error_code& ec) {
      if (ec || state->disarmed) return;
      state->deadline.expired = true;
      if (state->deadline.active) state->deadline.active->close();
    });
  }
  ~Watchdog() {
    state_->disarmed = true;  // the exchange is over: its connection may be gone or pooled
    timer_.cancel();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  Deadline& deadline() { return state_->deadline; }

 private:
  struct State {
    Deadline deadline;
    bool disarmed = false;
  };
  std::shared_ptr<State>
      state_;  // shared with the timer's callback, which may run after we are gone
  asio::steady_timer timer_;
};

std::string endpointText(const UpstreamTarget& target) {
  const bool v6 = target.host.find(':') != std::string::npos;
  return (v6 ? "[" + target.host + "]" : target.host) + ":" + std::to_string(target.port);
}

const std::string& serverNameOf(const UpstreamTarget& target) {
  return target.tls->serverName.empty() ? target.host : target.tls->serverName;
}

PoolKeyView keyOf(const UpstreamTarget& target) {
  if (!target.tls) return {target.host, target.port, false, {}, {}};
  return {target.host, target.port, true, serverNameOf(target), target.tls->caPem};
}

// What goes on the wire for one request; the body stays the caller's.
struct WireRequest {
  std::string head;
  std::string_view body;
  bool isHead = false;
};

core::Result<void> prepareWireRequest(WireRequest& wire, const UpstreamTarget& target,
                                      const core::OutboundRequest& request) {
  wire.body = request.body;
  wire.isHead = isHeadRequest(request);
  if (!target.authority.empty()) return appendRequestHead(wire.head, target.authority, request);
  return appendRequestHead(wire.head, authorityOf(target), request);
}

Error connectError(const UpstreamTarget& target, const error_code& ec) {
  std::string what;
  if (ec == asio::error::connection_refused) {
    what = "refused";
  } else if (ec == asio::error::timed_out) {
    what = "timed out";
  } else if (ec == asio::error::host_unreachable || ec == asio::error::network_unreachable) {
    what = "unreachable";
  } else {
    what = ec.message();
  }
  return Error::make(ErrorKind::UpstreamConnect,
                     "connect to " + endpointText(target) + ": " + what);
}

// A failure after the connection was up and the request was (being) sent.
Error exchangeError(const UpstreamTarget& target, const error_code& ec, std::uint64_t bodyLimit) {
  const auto& httpCategory = http::make_error_code(http::error::end_of_stream).category();
  if (ec == http::error::body_limit) {
    return Error::make(ErrorKind::UpstreamBadResponse, "response from " + endpointText(target) +
                                                           " exceeds " + std::to_string(bodyLimit) +
                                                           " bytes");
  }
  if (ec.category() == httpCategory && ec != http::error::end_of_stream &&
      ec != http::error::partial_message) {
    return Error::make(ErrorKind::UpstreamBadResponse,
                       "malformed response from " + endpointText(target) + ": " + ec.message());
  }
  return Error::make(ErrorKind::UpstreamReset,
                     "connection to " + endpointText(target) +
                         " closed before a complete response: " + ec.message());
}

Error timeoutError(const UpstreamTarget& target, const Deadline& deadline,
                   std::chrono::milliseconds timeout) {
  if (deadline.phase == Phase::Connect) {
    return Error::make(ErrorKind::UpstreamConnect, "connect to " + endpointText(target) +
                                                       ": timed out after " +
                                                       std::to_string(timeout.count()) + " ms");
  }
  return Error::make(ErrorKind::UpstreamTimeout, "no response from " + endpointText(target) +
                                                     " within " + std::to_string(timeout.count()) +
                                                     " ms (timed out " +
                                                     std::string(phaseText(deadline.phase)) + ")");
}

// `wholeMessage`: parse the body as it comes in, as http::async_read did; otherwise stop after the
// head, as http::async_read_header did, and leave the body to the stream.
template <class Parser>
void prepareParser(Parser& parser, const WireRequest& request, std::uint32_t headerLimit,
                   std::uint64_t bodyLimit, bool wholeMessage) {
  parser.header_limit(headerLimit);
  parser.body_limit(bodyLimit);
  parser.eager(wholeMessage);
  if (request.isHead) parser.skip(true);
}

// Head and body in one gather write: one sendmsg, or one TLS record while they fit in it.
template <class Stream>
asio::awaitable<error_code> writeRequest(Stream& stream, const WireRequest& request) {
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(request.head),
                                                  asio::buffer(request.body)};
  error_code ec;
  co_await asio::async_write(stream, buffers, kRedirect(ec));
  co_return ec;
}

// Beast starts at 512 bytes, and a pooled connection's buffer keeps that capacity: a typical JSON
// answer took two recvs on every request. Only for whole responses: an open stream holds its
// connection's buffer while it waits.
constexpr std::size_t kWholeResponseRead = 4096;

template <class Stream, class Parser>
asio::awaitable<error_code> transfer(Stream& stream, boost::beast::flat_buffer& buffer,
                                     const WireRequest& request, Parser& parser,
                                     bool wholeMessage) {
  error_code ec = co_await writeRequest(stream, request);
  if (ec) co_return ec;
  co_return co_await io::readMessage(stream, buffer, parser, /*headOnly=*/!wholeMessage,
                                     wholeMessage ? kWholeResponseRead : 0);
}

// A DNS lookup bounded by the exchange's deadline (the watchdog has no connection to close yet).
// Only new connections get here, and a cached name answers at once.
asio::awaitable<core::Result<DnsCache::Addresses>> resolveWithin(DnsCache& dns,
                                                                 const std::string& host,
                                                                 Deadline& deadline) {
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, deadline.until);
  error_code timerEc;
  auto outcome = co_await (dns.resolve(host) || timer.async_wait(kRedirect(timerEc)));
  if (outcome.index() == 0) co_return std::move(std::get<0>(outcome));
  deadline.expired = true;
  co_return Error::make(ErrorKind::UpstreamTimeout, "resolving " + host + " timed out");
}

asio::awaitable<error_code> connectWithin(tcp::socket& socket, const tcp::endpoint& endpoint,
                                          std::chrono::milliseconds limit) {
  asio::steady_timer timer(socket.get_executor(), limit);
  error_code ec;
  error_code timerEc;
  auto winner = co_await (socket.async_connect(endpoint, kRedirect(ec)) ||
                          timer.async_wait(kRedirect(timerEc)));
  if (winner.index() == 1) co_return asio::error::timed_out;
  co_return ec;
}

std::vector<core::Header> headersOf(const http::fields& fields) {
  std::vector<core::Header> headers;
  for (const auto& field : fields)
    headers.push_back({std::string(field.name_string()), std::string(field.value())});
  return headers;
}

}  // namespace

std::string authorityOf(const UpstreamTarget& target) {
  const bool v6 = target.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + target.host + "]" : target.host;
  const std::uint16_t defaultPort = target.tls ? 443 : 80;
  if (target.port != defaultPort) host += ":" + std::to_string(target.port);
  return host;
}

// ---------------------------------------------------------------------------------------------

struct UpstreamClient::Impl {
  Impl(asio::any_io_executor ex, std::shared_ptr<DnsCache> d, UpstreamClientOptions o)
      : executor(std::move(ex)),
        dns(std::move(d)),
        options(o),
        pool(std::make_shared<ConnectionPool>(o.maxIdlePerKey, o.idleTimeout)) {}

  asio::any_io_executor executor;
  std::shared_ptr<DnsCache> dns;
  UpstreamClientOptions options;
  std::shared_ptr<ConnectionPool> pool;  // open streams hold it weakly to give connections back
  TlsContextCache tlsContexts;
  UpstreamClientStats stats;

  asio::awaitable<core::Result<std::unique_ptr<UpstreamConnection>>> connect(
      const UpstreamTarget& target, Deadline& deadline);
  asio::awaitable<core::Result<void>> handshake(UpstreamConnection& connection,
                                                const UpstreamTarget& target, Deadline& deadline);

  // Gets a connection (pooled or new), writes the request and reads the response head (or the
  // whole response). A reused connection that fails before any response byte arrived is dropped
  // and the request sent once more on a new one: the peer closed it while it sat idle.
  template <class Parser>
  asio::awaitable<core::Result<std::unique_ptr<UpstreamConnection>>> exchange(
      const UpstreamTarget& target, const WireRequest& request, std::optional<Parser>& parser,
      bool wholeMessage, Deadline& deadline);

  asio::awaitable<core::Result<core::InboundResponse>> fetch(const UpstreamTarget& target,
                                                             const core::OutboundRequest& request,
                                                             Deadline& deadline);
};

asio::awaitable<core::Result<std::unique_ptr<UpstreamConnection>>> UpstreamClient::Impl::connect(
    const UpstreamTarget& target, Deadline& deadline) {
  deadline.phase = Phase::Resolve;
  auto addresses = co_await resolveWithin(*dns, target.host, deadline);
  if (!addresses) co_return addresses.error();

  deadline.phase = Phase::Connect;
  error_code ec = asio::error::host_not_found;
  for (const auto& address : **addresses) {
    auto connection = std::make_unique<UpstreamConnection>(tcp::socket(executor));
    deadline.active = connection.get();
    ec = co_await connectWithin(connection->plain(), tcp::endpoint(address, target.port),
                                options.connectTimeout);
    deadline.active = nullptr;
    if (ec) continue;
    ++stats.connects;
    if (options.observer) options.observer->onConnectionOpened(target);
    error_code ignored;
    connection->plain().set_option(tcp::no_delay(true), ignored);
    if (target.tls) {
      deadline.active = connection.get();
      auto handshaken = co_await handshake(*connection, target, deadline);
      deadline.active = nullptr;
      if (options.observer) options.observer->onTlsHandshake(target, handshaken.has_value());
      if (!handshaken) co_return handshaken.error();
    }
    co_return connection;
  }
  ++stats.connectFailures;
  co_return connectError(target, ec);
}

asio::awaitable<core::Result<void>> UpstreamClient::Impl::handshake(UpstreamConnection& connection,
                                                                    const UpstreamTarget& target,
                                                                    Deadline& deadline) {
  deadline.phase = Phase::Handshake;
  const std::string& serverName = serverNameOf(target);
  auto context = tlsContexts.contextFor(target.tls->caPem);
  if (!context) {
    ++stats.tlsFailures;
    co_return context.error();
  }
  auto& stream = connection.startTls(std::move(*context));
  if (!configureServerIdentity(stream.native_handle(), serverName)) {
    ++stats.tlsFailures;
    co_return Error::make(ErrorKind::UpstreamTls, "TLS to " + endpointText(target) +
                                                      ": invalid server name '" + serverName + "'");
  }
  error_code ec;
  co_await stream.async_handshake(kRedirect(ec));
  if (ec) {
    ++stats.tlsFailures;
    co_return Error::make(ErrorKind::UpstreamTls,
                          "TLS handshake with " + endpointText(target) + " (server name " +
                              serverName + "): " + tlsFailureReason(stream.native_handle(), ec));
  }
  ++stats.tlsHandshakes;
  co_return core::Result<void>();
}

template <class Parser>
asio::awaitable<core::Result<std::unique_ptr<UpstreamConnection>>> UpstreamClient::Impl::exchange(
    const UpstreamTarget& target, const WireRequest& request, std::optional<Parser>& parser,
    bool wholeMessage, Deadline& deadline) {
  const PoolKeyView key = keyOf(target);
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<UpstreamConnection> connection;
    if (attempt == 0) connection = pool->checkout(key, ConnectionPool::Clock::now());
    const bool reused = connection != nullptr;
    if (reused) {
      ++stats.poolHits;
      if (options.observer) options.observer->onConnectionReused(target);
    } else {
      ++stats.poolMisses;
      auto opened = co_await connect(target, deadline);
      if (!opened) co_return opened.error();
      connection = std::move(*opened);
    }

    deadline.active = connection.get();
    deadline.phase = Phase::Exchange;
    parser.emplace();
    prepareParser(*parser, request, options.headerLimit,
                  wholeMessage ? options.bodyLimit : std::numeric_limits<std::uint64_t>::max(),
                  wholeMessage);
    error_code ec;
    if (connection->isTls()) {
      ec = co_await transfer(connection->tls(), connection->buffer(), request, *parser,
                             wholeMessage);
    } else {
      ec = co_await transfer(connection->plain(), connection->buffer(), request, *parser,
                             wholeMessage);
    }
    deadline.active = nullptr;
    if (!ec) co_return connection;

    connection->close();
    const bool nothingReceived = !parser->got_some() && connection->buffer().size() == 0;
    if (reused && nothingReceived && attempt == 0 && !deadline.expired) {
      ++stats.staleRetries;
      continue;
    }
    co_return exchangeError(target, ec, options.bodyLimit);
  }
}

asio::awaitable<core::Result<core::InboundResponse>> UpstreamClient::Impl::fetch(
    const UpstreamTarget& target, const core::OutboundRequest& request, Deadline& deadline) {
  WireRequest wire;
  if (auto prepared = prepareWireRequest(wire, target, request); !prepared)
    co_return prepared.error();
  std::optional<InboundResponseParser> parser;
  auto connection = co_await exchange(target, wire, parser, /*wholeMessage=*/true, deadline);
  if (!connection) co_return connection.error();

  const bool reusable = parser->keepAlive() && !parser->need_eof();
  core::InboundResponse response = parser->takeResponse();

  if (reusable) {
    pool->checkin(keyOf(target), std::move(*connection), ConnectionPool::Clock::now());
  } else {
    (*connection)->close();
  }
  co_return response;
}

// ---------------------------------------------------------------------------------------------

UpstreamClient::UpstreamClient(asio::any_io_executor executor, std::shared_ptr<DnsCache> dns)
    : UpstreamClient(std::move(executor), std::move(dns), UpstreamClientOptions{}) {}

UpstreamClient::UpstreamClient(asio::any_io_executor executor, std::shared_ptr<DnsCache> dns,
                               UpstreamClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(dns), options)) {}

UpstreamClient::~UpstreamClient() = default;

const UpstreamClientStats& UpstreamClient::stats() const { return impl_->stats; }

std::size_t UpstreamClient::idleConnections() const { return impl_->pool->idleCount(); }

void UpstreamClient::sweepIdleConnections() { impl_->pool->sweep(ConnectionPool::Clock::now()); }

asio::awaitable<core::Result<core::InboundResponse>> UpstreamClient::send(
    const UpstreamTarget& target, const core::OutboundRequest& request,
    std::chrono::milliseconds timeout) {
  Impl& impl = *impl_;
  ++impl.stats.requests;
  Watchdog watchdog(impl.executor, timeout);
  Deadline& deadline = watchdog.deadline();
  try {
    auto response = co_await impl.fetch(target, request, deadline);
    if (!deadline.expired) co_return response;
  } catch (const std::exception& e) {
    co_return Error::make(ErrorKind::Internal, std::string("upstream client: ") + e.what());
  }
  ++impl.stats.timeouts;
  co_return timeoutError(target, deadline, timeout);
}

// ---------------------------------------------------------------------------------------------

struct UpstreamStream::State {
  explicit State(const asio::any_io_executor& executor) : watchdog(executor) {}

  std::weak_ptr<ConnectionPool> pool;
  UpstreamTarget target;  // owned copy: the pool key and error messages outlive the call
  std::unique_ptr<UpstreamConnection> connection;  // null once the body ended or failed
  std::optional<StreamParser> parser;
  unsigned status = 0;
  std::vector<core::Header> headers;
  std::vector<char> piece;  // what next() hands out; no storage while waiting (see readSome)
  std::optional<Error> failure;
  StreamWatchdog watchdog;  // bounds each next()

  void finish() {
    auto owner = pool.lock();
    if (owner && parser->get().keep_alive() && !parser->need_eof()) {
      owner->checkin(keyOf(target), std::move(connection), ConnectionPool::Clock::now());
    } else {
      connection->close();
    }
    connection.reset();
  }

  void fail(Error error) {
    watchdog.disarm();
    connection->close();
    connection.reset();
    failure = std::move(error);
  }
};

namespace {

// An SSE event is a few hundred bytes; a longer piece of body just takes another next().
constexpr std::size_t kPieceSize = 4 * 1024;

// Reads the next piece of the body into `piece`. Thousands of streams wait for their next event at
// once, so the piece has storage only while there is something to read: when what was received
// already does not make a piece (often just the CRLF that ends the last chunk), the piece is let
// go and the socket waited on first.
asio::awaitable<void> readSome(UpstreamConnection& connection, StreamParser& parser,
                               std::vector<char>& piece, error_code& ec) {
  auto& body = parser.get().body();
  auto usePiece = [&] {
    piece.resize(kPieceSize);
    body.data = piece.data();
    body.size = piece.size();
    body.more = true;
  };
  usePiece();
  auto& buffer = connection.buffer();
  if (buffer.size() != 0) {
    buffer.consume(parser.put(buffer.cdata(), ec));  // what io::parseSome does first
    if (ec != http::error::need_more) co_return;
    ec = {};
  }
  if (!connection.transportHasPending()) {
    std::vector<char>().swap(piece);
    body.data = nullptr;
    body.size = 0;
    if (connection.isTls()) connection.tls().releaseBuffers();  // OpenSSL keeps its last one
    co_await connection.socket().async_wait(tcp::socket::wait_read, kRedirect(ec));
    if (ec) co_return;
    usePiece();
  }
  if (connection.isTls()) {
    ec = co_await io::parseSome(connection.tls(), buffer, parser, 0);
  } else {
    ec = co_await io::parseSome(connection.plain(), buffer, parser, 0);
  }
}

}  // namespace

asio::awaitable<core::Result<UpstreamStream>> UpstreamClient::openStream(
    const UpstreamTarget& target, const core::OutboundRequest& request,
    std::chrono::milliseconds headTimeout) {
  Impl& impl = *impl_;
  ++impl.stats.requests;
  auto state = std::make_unique<UpstreamStream::State>(impl.executor);
  state->pool = impl.pool;
  state->target = target;
  WireRequest wire;
  if (auto prepared = prepareWireRequest(wire, target, request); !prepared)
    co_return prepared.error();

  Watchdog watchdog(impl.executor, headTimeout);
  Deadline& deadline = watchdog.deadline();
  try {
    auto connection = co_await impl.exchange(state->target, wire, state->parser,
                                             /*wholeMessage=*/false, deadline);
    if (deadline.expired) {
      ++impl.stats.timeouts;
      co_return timeoutError(target, deadline, headTimeout);
    }
    if (!connection) co_return connection.error();
    state->connection = std::move(*connection);
  } catch (const std::exception& e) {
    co_return Error::make(ErrorKind::Internal, std::string("upstream client: ") + e.what());
  }
  const auto& head = state->parser->get();
  state->status = head.result_int();
  state->headers = headersOf(head.base());
  co_return UpstreamStream(std::move(state));
}

UpstreamStream::UpstreamStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
UpstreamStream::UpstreamStream(UpstreamStream&&) noexcept = default;
UpstreamStream& UpstreamStream::operator=(UpstreamStream&&) noexcept = default;

UpstreamStream::~UpstreamStream() {
  if (state_ && state_->connection) state_->connection->close();
}

unsigned UpstreamStream::status() const { return state_->status; }

const std::vector<core::Header>& UpstreamStream::headers() const { return state_->headers; }

void UpstreamStream::cancel() noexcept {
  if (state_ && state_->connection) state_->connection->close();
}

asio::awaitable<core::Result<std::optional<std::string_view>>> UpstreamStream::next(
    std::chrono::milliseconds idleTimeout) {
  State& s = *state_;
  if (s.failure) co_return *s.failure;
  if (!s.connection) co_return std::optional<std::string_view>();

  StreamParser& parser = *s.parser;
  while (!parser.is_done()) {
    s.watchdog.arm(*s.connection, idleTimeout);
    error_code ec;
    try {
      co_await readSome(*s.connection, parser, s.piece, ec);
    } catch (const std::exception& e) {
      s.fail(Error::make(ErrorKind::Internal, std::string("upstream stream: ") + e.what()));
      co_return *s.failure;
    }
    s.watchdog.disarm();
    if (s.watchdog.expired()) {
      s.fail(Error::make(ErrorKind::UpstreamTimeout,
                         "no data from " + endpointText(s.target) + " for " +
                             std::to_string(idleTimeout.count()) + " ms while streaming"));
      co_return *s.failure;
    }
    if (ec == http::error::need_buffer) ec = {};
    if (ec) {
      s.fail(exchangeError(s.target, ec, std::numeric_limits<std::uint64_t>::max()));
      co_return *s.failure;
    }
    const std::size_t received = s.piece.size() - parser.get().body().size;
    if (received > 0)
      co_return std::optional<std::string_view>(std::string_view(s.piece.data(), received));
  }
  s.finish();
  co_return std::optional<std::string_view>();
}

}  // namespace switchyard::net
