#include "net/upstream_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include <array>
#include <functional>
#include <limits>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include "asio/read_message.hpp"
#include "asio/send_now.hpp"
#include "net/connection_pool.hpp"
#include "net/dns_cache.hpp"
#include "net/h2_connection.hpp"
#include "net/h2_pool.hpp"
#include "net/inbound_response_parser.hpp"
#include "net/request_head.hpp"
#include "net/stream_watchdog.hpp"
#include "net/tls_client_context.hpp"
#include "net/upstream_connection.hpp"
#include "net/wakeup.hpp"
#include "net/watchdog_timer.hpp"

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
  H2Stream* stream = nullptr;            // what UpstreamCancel resets, over HTTP/2
  Phase phase = Phase::Resolve;
  bool expired = false;
  bool cancelled = false;  // by the caller's UpstreamCancel
};

// What UpstreamCancel::cancel() does to the call in flight: ends whatever it waits on at once.
void cancelCall(Deadline& deadline) {
  deadline.cancelled = true;
  if (deadline.active) deadline.active->close();
  if (deadline.stream)
    deadline.stream->cancel(Error::make(ErrorKind::UpstreamReset, "call cancelled by the caller"));
}

// Bounds one exchange in time from the worker's WatchdogTimer: when time runs out it closes the
// active connection, which ends every pending operation on it at once, whichever layer (TCP, TLS,
// Beast) it is in. No timer, coroutine or allocation of its own (an exchange that ends in time, the
// common case, costs the timer nothing), and no awaitable `||` on the request path (a parallel
// group co_spawns both sides: it was a quarter of the gateway's instructions per request). The one
// wait that is not on a connection, a DNS lookup, bounds itself by `until` (see resolveWithin).
class Watchdog final : public WatchdogTimer::Entry {
 public:
  using Clock = WatchdogTimer::Clock;

  // `start`: a reading of `timer`'s clock. `slowHook`, if any, runs when `slowAfter` (< timeout)
  // has passed; the deadline is watched on after it.
  Watchdog(WatchdogTimer& timer, Clock::time_point start, std::chrono::milliseconds timeout,
           std::function<void()>* slowHook = nullptr,
           std::chrono::milliseconds slowAfter = std::chrono::milliseconds(0)) {
    deadline_.until = start + timeout;
    if (slowHook && *slowHook && slowAfter < timeout) {
      slowHook_ = slowHook;
      timer.add(*this, start + slowAfter);
    } else {
      timer.add(*this, deadline_.until);
    }
  }

  Deadline& deadline() { return deadline_; }

 private:
  Clock::time_point onWake(Clock::time_point) override {
    if (auto* hook = std::exchange(slowHook_, nullptr)) {
      const Clock::time_point until = deadline_.until;
      (*hook)();  // may cancel the call, which ends it later, from the executor
      return until;
    }
    deadline_.expired = true;
    if (deadline_.active) deadline_.active->close();
    return Clock::time_point::max();
  }

  Deadline deadline_;
  std::function<void()>* slowHook_ = nullptr;  // the caller's, which outlives the call
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
std::array<asio::const_buffer, 2> requestBuffers(const WireRequest& request) {
  return {asio::buffer(request.head), asio::buffer(request.body)};
}

// What of the request a non-blocking send did not take (`sent` bytes did), or all of it on TLS. A
// deferred operation the exchange awaits in its own frame: no coroutine of its own.
template <class Stream>
auto writeRequestRest(Stream& stream, const WireRequest& request, std::size_t sent) {
  boost::beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(requestBuffers(request));
  rest.consume(sent);
  return asio::async_write(stream, rest, asio::as_tuple(asio::deferred));
}

// Beast starts at 512 bytes, and a pooled connection's buffer keeps that capacity: a typical JSON
// answer took two recvs on every request. Only for whole responses: an open stream holds its
// connection's buffer while it waits.
constexpr std::size_t kWholeResponseRead = 4096;

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
        pool(std::make_shared<ConnectionPool>(o.maxIdlePerKey, o.idleTimeout)),
        h2Settings{o.h2StreamWindow, o.h2ConnectionWindow, o.headerLimit, o.errorBodyLimit},
        watchdogs(executor) {}

  asio::any_io_executor executor;
  std::shared_ptr<DnsCache> dns;
  UpstreamClientOptions options;
  std::shared_ptr<ConnectionPool> pool;  // open streams hold it weakly to give connections back
  TlsContextCache tlsContexts;
  H2Settings h2Settings;
  std::shared_ptr<H2ReadBuffer> h2ReadBuffer = std::make_shared<H2ReadBuffer>();
  H2Pool h2;
  UpstreamClientStats stats;
  // Every call's Watchdog, and the clock reading a call reuses: send() and openStream() read the
  // clock once as they start, the pools take that reading (or a later one) rather than their own.
  WatchdogTimer watchdogs;

  // Where a request goes: `http2`, a stream on that connection; otherwise HTTP/1.1, on `fresh`
  // (a connection just opened whose server chose http/1.1) or from the pool.
  struct Route {
    std::shared_ptr<H2Connection> http2;
    std::unique_ptr<UpstreamConnection> fresh;
  };

  asio::awaitable<core::Result<std::unique_ptr<UpstreamConnection>>> connect(
      const UpstreamTarget& target, Deadline& deadline, bool offerHttp2);
  asio::awaitable<core::Result<void>> handshake(UpstreamConnection& connection,
                                                const UpstreamTarget& target, Deadline& deadline,
                                                bool offerHttp2);

  bool mayUseHttp2(const UpstreamTarget& target) const {
    if (!target.tls) return target.protocol == UpstreamProtocol::H2c;
    return options.http2 && target.protocol != UpstreamProtocol::Http1;
  }
  // The route of a request to a TLS origin when it is known at once: an HTTP/2 connection with
  // room, or HTTP/1.1 for an origin known to speak only that; nullopt when route() must wait or
  // connect. `now`: a clock reading taken since the call last waited.
  std::optional<Route> routeNow(const UpstreamTarget& target, H2Pool::Origin& origin,
                                ConnectionPool::Clock::time_point now);
  // The route, waiting for the room a connect under way will bring, or opening a connection
  // offering h2 itself.
  asio::awaitable<core::Result<Route>> route(const UpstreamTarget& target, H2Pool::Origin& origin,
                                             Deadline& deadline);
  void sweepHttp2(ConnectionPool::Clock::time_point now);

  // Gets a connection (`fresh`, pooled or new), writes the request and reads the response head (or
  // the whole response). A reused connection that fails before any response byte arrived is
  // dropped and the request sent once more on a new one: the peer closed it while it sat idle.
  template <class Parser>
  asio::awaitable<core::Result<std::unique_ptr<UpstreamConnection>>> exchange(
      const UpstreamTarget& target, const WireRequest& request, std::optional<Parser>& parser,
      bool wholeMessage, Deadline& deadline, std::unique_ptr<UpstreamConnection> fresh);

  // Opens `stream` on `connection` and waits for its head (or its whole response).
  asio::awaitable<core::Result<void>> exchangeHttp2(H2Connection& connection, H2Stream& stream,
                                                    const UpstreamTarget& target,
                                                    const core::OutboundRequest& request,
                                                    bool wholeMessage, Deadline& deadline);

  asio::awaitable<core::Result<core::InboundResponse>> fetch(const UpstreamTarget& target,
                                                             const core::OutboundRequest& request,
                                                             Deadline& deadline);
  asio::awaitable<core::Result<core::InboundResponse>> fetchHttp1(
      const UpstreamTarget& target, const core::OutboundRequest& request,
      std::unique_ptr<UpstreamConnection> fresh, Deadline& deadline);
  // The response a whole HTTP/1.1 exchange read into `parser`; `connection` goes back to the pool,
  // or is closed when it may not carry another request.
  core::InboundResponse finishHttp1(const UpstreamTarget& target,
                                    std::unique_ptr<UpstreamConnection> connection,
                                    InboundResponseParser& parser);
};

asio::awaitable<core::Result<std::unique_ptr<UpstreamConnection>>> UpstreamClient::Impl::connect(
    const UpstreamTarget& target, Deadline& deadline, bool offerHttp2) {
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
      auto handshaken = co_await handshake(*connection, target, deadline, offerHttp2);
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
                                                                    Deadline& deadline,
                                                                    bool offerHttp2) {
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
  if (offerHttp2 && !net::offerHttp2(stream.native_handle())) {
    ++stats.tlsFailures;
    co_return Error::make(ErrorKind::UpstreamTls,
                          "TLS to " + endpointText(target) + ": ALPN list refused");
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

namespace {

// A server that chose http/1.1 is asked again, by the next new connection, after this long: it
// may have learnt h2 since.
constexpr auto kHttp1Memory = std::chrono::minutes(5);

}  // namespace

std::optional<UpstreamClient::Impl::Route> UpstreamClient::Impl::routeNow(
    const UpstreamTarget& target, H2Pool::Origin& origin, ConnectionPool::Clock::time_point now) {
  H2Pool::SweepCounts counts;
  auto connection = h2.withRoom(origin, now, counts);
  stats.h2GoAways += counts.goAways;
  if (connection) {
    ++stats.poolHits;
    if (options.observer) options.observer->onConnectionReused(target);
    return Route{std::move(connection), nullptr};
  }
  if (origin.protocol == H2Pool::Protocol::Http1) {
    if (now < origin.http1Until) return Route{};
    origin.protocol = H2Pool::Protocol::Unknown;
  }
  return std::nullopt;
}

asio::awaitable<core::Result<UpstreamClient::Impl::Route>> UpstreamClient::Impl::route(
    const UpstreamTarget& target, H2Pool::Origin& origin, Deadline& deadline) {
  using Protocol = H2Pool::Protocol;
  for (;;) {
    // The reading is the call's own, or the one taken after the wait below.
    if (auto known = routeNow(target, origin, watchdogs.recent())) co_return std::move(*known);
    if (H2Pool::roomExpected(origin)) {
      // Another request is opening a connection here, or a new one has not told its stream limit
      // yet: its room is worth waiting for, one more connection per request is not.
      deadline.phase = Phase::Connect;
      const std::uint64_t failures = origin.connectFailures;
      const std::shared_ptr<WaitList> waiters = origin.waiters;
      Wakeup wakeup(executor);
      {
        WaitList::Registration registered(*waiters, wakeup);
        co_await wakeup.waitUntil(deadline.until);
      }
      if (watchdogs.now() >= deadline.until) {
        deadline.expired = true;
        co_return Error::make(ErrorKind::UpstreamTimeout, "waiting for a connection");
      }
      if (origin.connectFailures != failures && origin.lastFailure) co_return *origin.lastFailure;
      continue;
    }

    ++stats.poolMisses;
    ++origin.connecting;
    auto opened = co_await connect(target, deadline, /*offerHttp2=*/true);
    --origin.connecting;
    if (!opened) {
      ++origin.connectFailures;
      origin.lastFailure = opened.error();
      origin.waiters->notifyAll();
      co_return opened.error();
    }
    if ((*opened)->isTls() && !choseHttp2((*opened)->tls().native_handle())) {
      ++stats.http1Fallbacks;
      origin.protocol = Protocol::Http1;
      origin.http1Until = ConnectionPool::Clock::now() + kHttp1Memory;
      origin.waiters->notifyAll();  // they go the HTTP/1.1 way too
      co_return Route{nullptr, std::move(*opened)};
    }
    ++stats.h2Connections;
    origin.protocol = Protocol::Http2;
    auto connection = H2Connection::start(std::move(*opened), endpointText(target), h2Settings,
                                          origin.waiters, h2ReadBuffer);
    origin.connections.push_back(connection);
    origin.waiters->notifyAll();  // they wait on for its SETTINGS: its first stream is ours
    co_return Route{std::move(connection), nullptr};
  }
}

void UpstreamClient::Impl::sweepHttp2(ConnectionPool::Clock::time_point now) {
  H2Pool::SweepCounts counts;
  h2.sweep(now, {options.idleTimeout, options.h2PingAfter, options.h2PingTimeout}, counts);
  stats.h2GoAways += counts.goAways;
  stats.h2PingTimeouts += counts.pingTimeouts;
}

template <class Parser>
asio::awaitable<core::Result<std::unique_ptr<UpstreamConnection>>> UpstreamClient::Impl::exchange(
    const UpstreamTarget& target, const WireRequest& request, std::optional<Parser>& parser,
    bool wholeMessage, Deadline& deadline, std::unique_ptr<UpstreamConnection> fresh) {
  const PoolKeyView key = keyOf(target);
  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<UpstreamConnection> connection;
    bool reused = false;
    if (attempt == 0 && fresh) {
      connection = std::move(fresh);  // counted as a miss where it was opened
    } else if (attempt == 0) {
      connection = pool->checkout(key, watchdogs.recent());  // the call's latest reading
      reused = connection != nullptr;
    }
    if (reused) {
      ++stats.poolHits;
      if (options.observer) options.observer->onConnectionReused(target);
    } else if (!connection) {
      ++stats.poolMisses;
      auto opened = co_await connect(target, deadline, /*offerHttp2=*/false);
      if (!opened) co_return opened.error();
      connection = std::move(*opened);
    }

    deadline.active = connection.get();
    deadline.phase = Phase::Exchange;
    parser.emplace();
    prepareParser(*parser, request, options.headerLimit,
                  wholeMessage ? options.bodyLimit : std::numeric_limits<std::uint64_t>::max(),
                  wholeMessage);
    if constexpr (std::is_same_v<Parser, InboundResponseParser>)
      parser->limitErrorBody(options.errorBodyLimit);
    // Written and read here rather than in a coroutine per step: each would be a frame per request.
    auto& buffer = connection->buffer();
    const std::size_t minRead = wholeMessage ? kWholeResponseRead : 0;
    error_code ec;
    if (connection->isTls()) {
      std::tie(ec, std::ignore) = co_await writeRequestRest(connection->tls(), request, 0);
      if (!ec)
        ec = co_await io::readMessage(connection->tls(), buffer, *parser, !wholeMessage, minRead);
    } else {
      // The request usually fits the socket's buffer: one sendmsg, nothing to await.
      const std::size_t sent = io::sendNow(connection->plain(), requestBuffers(request));
      if (sent < request.head.size() + request.body.size())
        std::tie(ec, std::ignore) = co_await writeRequestRest(connection->plain(), request, sent);
      if (!ec)
        ec = co_await io::readMessage(connection->plain(), buffer, *parser, !wholeMessage, minRead);
    }
    deadline.active = nullptr;
    if (!ec) co_return connection;
    if constexpr (std::is_same_v<Parser, InboundResponseParser>) {
      if (parser->errorBodyCut()) co_return connection;  // the caller closes it
    }

    connection->close();
    const bool nothingReceived = !parser->got_some() && connection->buffer().size() == 0;
    if (reused && nothingReceived && attempt == 0 && !deadline.expired && !deadline.cancelled) {
      ++stats.staleRetries;
      continue;
    }
    co_return exchangeError(target, ec, options.bodyLimit);
  }
}

asio::awaitable<core::Result<void>> UpstreamClient::Impl::exchangeHttp2(
    H2Connection& connection, H2Stream& stream, const UpstreamTarget& target,
    const core::OutboundRequest& request, bool wholeMessage, Deadline& deadline) {
  deadline.phase = Phase::Exchange;
  const std::uint64_t bodyLimit =
      wholeMessage ? options.bodyLimit : std::numeric_limits<std::uint64_t>::max();
  auto submitted =
      target.authority.empty()
          ? connection.submit(stream, request, authorityOf(target), wholeMessage, bodyLimit)
          : connection.submit(stream, request, target.authority, wholeMessage, bodyLimit);
  if (!submitted) co_return submitted.error();
  ++stats.h2Streams;
  // A stream's head is enough for openStream(): what came after it, an error too, is next()'s.
  const auto answered = [&] {
    return stream.complete() || (!wholeMessage && stream.headReceived());
  };
  deadline.stream = &stream;
  bool waited = false;
  while (!stream.failed() && !answered()) {
    // Before the first wait, the reading taken as the call started (or since) will do: it is
    // never later than the clock, and a deadline it misses ends the wait at once.
    if ((waited ? watchdogs.now() : watchdogs.recent()) >= deadline.until) {
      deadline.expired = true;
      stream.cancel(Error::make(ErrorKind::UpstreamTimeout, "deadline"));
      break;
    }
    co_await stream.waitUntil(deadline.until);
    waited = true;
  }
  deadline.stream = nullptr;
  if (answered()) co_return core::Result<void>();
  if (!stream.notProcessed() && stream.failure().kind == ErrorKind::UpstreamReset) ++stats.h2Resets;
  co_return stream.failure();
}

namespace {

// How often a request the peer did not process goes again. After a GOAWAY, the next connection
// has not gone away and will likely take it, but a peer that sends GOAWAY every few streams
// (a deploy draining its servers) can turn away a whole burst more than once; the request's
// deadline bounds the retries as well. After REFUSED_STREAM, or a connection lost before the
// request was sent, once: a peer that refuses again is left to the caller's fallback. Counted
// apart: a request turned away by a GOAWAY and then refused still has its one refusal retry.
constexpr int kGoneAwayRetries = 8;

struct Retries {
  int goneAway = 0;
  int refused = 0;  // or lost before it was sent
  bool any() const { return goneAway + refused != 0; }
};

// Counts the retry in `retries` when it may go again.
bool mayGoAgain(const H2Stream& stream, Retries& retries, const Deadline& deadline) {
  if (!stream.notProcessed() || deadline.expired || deadline.cancelled) return false;
  if (stream.goneAway()) return ++retries.goneAway <= kGoneAwayRetries;
  return ++retries.refused <= 1;
}

}  // namespace

asio::awaitable<core::Result<core::InboundResponse>> UpstreamClient::Impl::fetch(
    const UpstreamTarget& target, const core::OutboundRequest& request, Deadline& deadline) {
  H2Pool::Origin& origin = h2.origin(keyOf(target));
  for (Retries retries;;) {
    // The first time, send() has just read the clock.
    auto known = routeNow(target, origin, retries.any() ? watchdogs.now() : watchdogs.recent());
    core::Result<Route> routed = Error();
    if (known) {
      routed = std::move(*known);
    } else {
      routed = co_await route(target, origin, deadline);
    }
    if (!routed) co_return routed.error();
    if (!routed->http2)
      co_return co_await fetchHttp1(target, request, std::move(routed->fresh), deadline);
    H2Stream stream(executor);
    auto exchanged =
        co_await exchangeHttp2(*routed->http2, stream, target, request, true, deadline);
    if (exchanged) {
      co_return core::InboundResponse{stream.status(), std::move(stream.headers()),
                                      std::move(stream.body())};
    }
    if (mayGoAgain(stream, retries, deadline)) {
      ++stats.h2Retries;
      continue;
    }
    co_return exchanged.error();
  }
}

asio::awaitable<core::Result<core::InboundResponse>> UpstreamClient::Impl::fetchHttp1(
    const UpstreamTarget& target, const core::OutboundRequest& request,
    std::unique_ptr<UpstreamConnection> fresh, Deadline& deadline) {
  WireRequest wire;
  if (auto prepared = prepareWireRequest(wire, target, request); !prepared)
    co_return prepared.error();
  std::optional<InboundResponseParser> parser;
  auto connection =
      co_await exchange(target, wire, parser, /*wholeMessage=*/true, deadline, std::move(fresh));
  if (!connection) co_return connection.error();
  co_return finishHttp1(target, std::move(*connection), *parser);
}

core::InboundResponse UpstreamClient::Impl::finishHttp1(
    const UpstreamTarget& target, std::unique_ptr<UpstreamConnection> connection,
    InboundResponseParser& parser) {
  const bool reusable = parser.keepAlive() && !parser.need_eof() && !parser.errorBodyCut();
  core::InboundResponse response = parser.takeResponse();
  if (reusable) {
    // The call's Watchdog is still added, so the reading is at most about a second old: the
    // connection looks idle for that much longer, which only makes the pool more careful.
    pool->checkin(keyOf(target), std::move(connection), watchdogs.recent());
  } else {
    connection->close();
  }
  return response;
}

// ---------------------------------------------------------------------------------------------

UpstreamClient::UpstreamClient(asio::any_io_executor executor, std::shared_ptr<DnsCache> dns)
    : UpstreamClient(std::move(executor), std::move(dns), UpstreamClientOptions{}) {}

UpstreamClient::UpstreamClient(asio::any_io_executor executor, std::shared_ptr<DnsCache> dns,
                               UpstreamClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(dns), options)) {}

UpstreamClient::~UpstreamClient() = default;

const UpstreamClientStats& UpstreamClient::stats() const { return impl_->stats; }

std::size_t UpstreamClient::idleConnections() const {
  return impl_->pool->idleCount() + impl_->h2.idleCount();
}

std::size_t UpstreamClient::http2Connections() const { return impl_->h2.openCount(); }

void UpstreamClient::sweepIdleConnections() {
  const auto now = ConnectionPool::Clock::now();
  impl_->pool->sweep(now);
  impl_->sweepHttp2(now);
}

// The cancel reaches a call's deadline only while the call runs.
struct UpstreamClient::CancelBinding {
  CancelBinding(UpstreamCancel* cancel, void* call) : cancel(cancel) {
    if (cancel) cancel->call_ = call;
  }
  ~CancelBinding() {
    if (cancel) cancel->call_ = nullptr;
  }
  CancelBinding(const CancelBinding&) = delete;
  CancelBinding& operator=(const CancelBinding&) = delete;
  UpstreamCancel* cancel;
};

namespace {

Error cancelledError() {
  return Error::make(ErrorKind::UpstreamReset, "call cancelled by the caller");
}

}  // namespace

void UpstreamCancel::cancel() noexcept {
  if (cancelled_) return;
  cancelled_ = true;
  if (call_) cancelCall(*static_cast<Deadline*>(call_));
}

asio::awaitable<core::Result<core::InboundResponse>> UpstreamClient::send(
    const UpstreamTarget& target, const core::OutboundRequest& request,
    std::chrono::milliseconds timeout, UpstreamCancel* cancel) {
  Impl& impl = *impl_;
  ++impl.stats.requests;
  if (cancel && cancel->cancelled()) co_return cancelledError();
  Watchdog watchdog(impl.watchdogs, impl.watchdogs.now(), timeout,
                    cancel ? &cancel->slowHook_ : nullptr,
                    cancel ? cancel->slowAfter_ : std::chrono::milliseconds(0));
  Deadline& deadline = watchdog.deadline();
  CancelBinding bound(cancel, &deadline);
  try {
    // (No co_await inside a conditional expression: GCC 12 mishandles its temporaries.)
    core::Result<core::InboundResponse> response = Error();
    if (impl.mayUseHttp2(target)) {
      response = co_await impl.fetch(target, request, deadline);
    } else {
      // What fetchHttp1() does, in this frame: one coroutine frame less on every HTTP/1.1 call.
      WireRequest wire;
      std::optional<InboundResponseParser> parser;
      if (auto prepared = prepareWireRequest(wire, target, request); !prepared)
        co_return prepared.error();  // before any wait: not yet timed out nor cancelled
      auto connection = co_await impl.exchange(target, wire, parser, /*wholeMessage=*/true,
                                               deadline, /*fresh=*/nullptr);
      if (connection) {
        response = impl.finishHttp1(target, std::move(*connection), *parser);
      } else {
        response = connection.error();
      }
    }
    if (deadline.cancelled) co_return cancelledError();
    if (!deadline.expired) co_return response;
  } catch (const std::exception& e) {
    co_return Error::make(ErrorKind::Internal, std::string("upstream client: ") + e.what());
  }
  ++impl.stats.timeouts;
  co_return timeoutError(target, deadline, timeout);
}

// ---------------------------------------------------------------------------------------------

struct UpstreamStream::State {
  virtual ~State() = default;
  virtual asio::awaitable<core::Result<std::optional<std::string_view>>> next(
      std::chrono::milliseconds idleTimeout) = 0;
  virtual void cancel() noexcept = 0;
  virtual bool atEnd() const = 0;

  unsigned status = 0;
  std::vector<core::Header> headers;
};

namespace {

// An SSE event is a few hundred bytes; a longer piece of body just takes another next().
constexpr std::size_t kPieceSize = 4 * 1024;

// Reads the next piece of the body into `piece`. Thousands of streams wait for their next event at
// once, so the piece has storage only while there is something to read: when what was received
// already does not make a piece (often just the CRLF that ends the last chunk), the piece is let
// go and the socket waited on first. `piece` holds kPieceSize bytes when it has storage, not
// zero-filled: the parser writes what it hands out.
asio::awaitable<void> readSome(UpstreamConnection& connection, StreamParser& parser,
                               std::unique_ptr<char[]>& piece, error_code& ec) {
  auto& body = parser.get().body();
  auto usePiece = [&] {
    if (!piece) piece = std::make_unique_for_overwrite<char[]>(kPieceSize);
    body.data = piece.get();
    body.size = kPieceSize;
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
    piece.reset();
    body.data = nullptr;
    body.size = 0;
    // The read buffer too, down to what it holds (most often that CRLF): grown again per read.
    buffer.shrink_to_fit();
    if (connection.isTls()) connection.tls().releaseBuffers();  // OpenSSL keeps its last one
    // Deferred: awaited in this frame, with no coroutine of its own held while the stream idles.
    std::tie(ec) = co_await connection.socket().async_wait(tcp::socket::wait_read,
                                                           asio::as_tuple(asio::deferred));
    if (ec) co_return;
    usePiece();
  }
  if (connection.isTls()) {
    ec = co_await io::parseSome(connection.tls(), buffer, parser, 0);
  } else {
    ec = co_await io::parseSome(connection.plain(), buffer, parser, 0);
  }
}

// The body of an HTTP/1.1 response, read straight from its connection.
struct Http1Stream final : UpstreamStream::State {
  explicit Http1Stream(const asio::any_io_executor& executor) : watchdog(executor) {}
  ~Http1Stream() override {
    if (connection) connection->close();
  }

  std::weak_ptr<ConnectionPool> pool;
  UpstreamTarget target;  // owned copy: the pool key and error messages outlive the call
  std::unique_ptr<UpstreamConnection> connection;  // null once the body ended or failed
  std::optional<StreamParser> parser;
  std::unique_ptr<char[]> piece;  // what next() hands out; no storage while waiting (see readSome)
  std::optional<Error> failure;

  bool atEnd() const override { return !failure && (!connection || parser->is_done()); }
  StreamWatchdog watchdog;  // bounds each next()

  void finish() {
    auto owner = pool.lock();
    if (owner && parser->keep_alive() && !parser->need_eof()) {
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

  void cancel() noexcept override {
    if (connection) connection->close();
  }

  asio::awaitable<core::Result<std::optional<std::string_view>>> next(
      std::chrono::milliseconds idleTimeout) override {
    if (failure) co_return *failure;
    if (!connection) co_return std::optional<std::string_view>();

    StreamParser& p = *parser;
    while (!p.is_done()) {
      watchdog.arm(*connection, idleTimeout);
      error_code ec;
      try {
        co_await readSome(*connection, p, piece, ec);
      } catch (const std::exception& e) {
        fail(Error::make(ErrorKind::Internal, std::string("upstream stream: ") + e.what()));
        co_return *failure;
      }
      watchdog.disarm();
      if (watchdog.expired()) {
        fail(Error::make(ErrorKind::UpstreamTimeout,
                         "no data from " + endpointText(target) + " for " +
                             std::to_string(idleTimeout.count()) + " ms while streaming"));
        co_return *failure;
      }
      if (ec == http::error::need_buffer) ec = {};
      if (ec) {
        fail(exchangeError(target, ec, std::numeric_limits<std::uint64_t>::max()));
        co_return *failure;
      }
      const std::size_t received = piece ? kPieceSize - p.get().body().size : 0;
      if (received > 0)
        co_return std::optional<std::string_view>(std::string_view(piece.get(), received));
    }
    finish();
    co_return std::optional<std::string_view>();
  }
};

// The body of an HTTP/2 response: what the connection gathered for the stream, handed out piece by
// piece as it came. The stream's window is given back only when the reader asks for more, so the
// peer sends no faster than the reader reads.
struct Http2Stream final : UpstreamStream::State {
  Http2Stream(const asio::any_io_executor& executor, std::string peer)
      : stream(executor), peer(std::move(peer)) {}

  H2Stream stream;
  std::string peer;   // for error messages
  std::string piece;  // what next() handed out last; empty (no storage) while waiting
  std::optional<Error> failure;

  bool atEnd() const override { return !failure && stream.complete() && !stream.hasPiece(); }

  void cancel() noexcept override {
    if (!failure)
      failure = Error::make(ErrorKind::UpstreamReset, "stream to " + peer + " cancelled");
    stream.cancel(*failure);  // nothing more is handed out, what is buffered neither
  }

  asio::awaitable<core::Result<std::optional<std::string_view>>> next(
      std::chrono::milliseconds idleTimeout) override {
    if (failure) co_return *failure;
    stream.consumed(piece.size());  // the reader is done with it: the peer may send as much again
    const auto until = ConnectionPool::Clock::now() + idleTimeout;
    for (;;) {
      if (failure) co_return *failure;  // cancelled while waiting
      if (stream.takePiece(piece)) co_return std::optional<std::string_view>(piece);
      std::string().swap(piece);
      stream.releaseBody();
      if (stream.complete()) co_return std::optional<std::string_view>();
      if (stream.failed()) {
        failure = stream.failure();
        co_return *failure;
      }
      if (ConnectionPool::Clock::now() >= until) {
        failure = Error::make(ErrorKind::UpstreamTimeout, "no data from " + peer + " for " +
                                                              std::to_string(idleTimeout.count()) +
                                                              " ms while streaming");
        stream.cancel(*failure);
        co_return *failure;
      }
      co_await stream.waitUntil(until);
    }
  }
};

}  // namespace

asio::awaitable<core::Result<UpstreamStream>> UpstreamClient::openStream(
    const UpstreamTarget& target, const core::OutboundRequest& request,
    std::chrono::milliseconds headTimeout, UpstreamCancel* cancel) {
  Impl& impl = *impl_;
  ++impl.stats.requests;
  if (cancel && cancel->cancelled()) co_return cancelledError();
  Watchdog watchdog(impl.watchdogs, impl.watchdogs.now(), headTimeout);
  Deadline& deadline = watchdog.deadline();
  CancelBinding bound(cancel, &deadline);
  try {
    H2Pool::Origin* origin = impl.mayUseHttp2(target) ? &impl.h2.origin(keyOf(target)) : nullptr;
    for (Retries retries;;) {
      std::optional<Impl::Route> known;
      if (!origin) {
        known = Impl::Route{};
      } else {
        known = impl.routeNow(target, *origin,
                              retries.any() ? impl.watchdogs.now() : impl.watchdogs.recent());
      }
      core::Result<Impl::Route> routed = Error();
      if (known) {
        routed = std::move(*known);
      } else {
        routed = co_await impl.route(target, *origin, deadline);
      }
      if (deadline.cancelled) co_return cancelledError();
      if (deadline.expired) break;
      if (!routed) co_return routed.error();

      if (!routed->http2) {
        auto state = std::make_unique<Http1Stream>(impl.executor);
        state->pool = impl.pool;
        state->target = target;
        WireRequest wire;
        if (auto prepared = prepareWireRequest(wire, target, request); !prepared)
          co_return prepared.error();
        auto connection =
            co_await impl.exchange(state->target, wire, state->parser,
                                   /*wholeMessage=*/false, deadline, std::move(routed->fresh));
        if (deadline.cancelled) co_return cancelledError();
        if (deadline.expired) break;
        if (!connection) co_return connection.error();
        state->connection = std::move(*connection);
        const auto& head = state->parser->get();
        state->status = head.result_int();
        state->headers = headersOf(head.base());
        // The copy is what the caller reads: the parser's own fields would sit with every open
        // stream (the connection's fate comes from the parser's flags, see finish()).
        state->parser->get().clear();
        co_return UpstreamStream(std::move(state));
      }

      auto state = std::make_unique<Http2Stream>(impl.executor, endpointText(target));
      auto exchanged = co_await impl.exchangeHttp2(*routed->http2, state->stream, target, request,
                                                   /*wholeMessage=*/false, deadline);
      if (deadline.cancelled) co_return cancelledError();
      if (deadline.expired) break;
      if (!exchanged) {
        if (mayGoAgain(state->stream, retries, deadline)) {
          ++impl.stats.h2Retries;
          continue;
        }
        co_return exchanged.error();
      }
      state->stream.keepRequestBody();  // the caller may drop its request now
      state->status = state->stream.status();
      state->headers = std::move(state->stream.headers());
      co_return UpstreamStream(std::move(state));
    }
  } catch (const std::exception& e) {
    co_return Error::make(ErrorKind::Internal, std::string("upstream client: ") + e.what());
  }
  ++impl.stats.timeouts;
  co_return timeoutError(target, deadline, headTimeout);
}

UpstreamStream::UpstreamStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
UpstreamStream::UpstreamStream(UpstreamStream&&) noexcept = default;
UpstreamStream& UpstreamStream::operator=(UpstreamStream&&) noexcept = default;
UpstreamStream::~UpstreamStream() = default;

unsigned UpstreamStream::status() const { return state_->status; }

const std::vector<core::Header>& UpstreamStream::headers() const { return state_->headers; }

void UpstreamStream::releaseHeaders() noexcept {
  std::vector<core::Header>().swap(state_->headers);
}

void UpstreamStream::cancel() noexcept {
  if (state_) state_->cancel();
}

bool UpstreamStream::atEnd() const { return state_->atEnd(); }

asio::awaitable<core::Result<std::optional<std::string_view>>> UpstreamStream::next(
    std::chrono::milliseconds idleTimeout) {
  return state_->next(idleTimeout);
}

}  // namespace switchyard::net
