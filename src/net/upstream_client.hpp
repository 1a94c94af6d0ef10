#pragma once
// Client for upstream calls: per-thread pools, TLS exactly as BackendTLSPolicy says, and failures
// told apart (DNS, connect, TLS, reset, timeout) so the fallback can act on them.
//
// A TLS upstream is offered h2 by ALPN (unless its protocol says HTTP/1.1): when it takes it,
// requests are streams on a few HTTP/2 connections per origin (a new one when the peer's
// SETTINGS_MAX_CONCURRENT_STREAMS are all in use); otherwise, and for plaintext upstreams, they go
// over pooled HTTP/1.1 keep-alive connections. A plaintext upstream marked h2c gets HTTP/2 with
// prior knowledge instead. Callers see the same API, errors and deadlines either way.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.hpp"
#include "core/result.hpp"

namespace switchyard::net {

class DnsCache;

struct TlsSettings {
  std::string serverName;  // SNI and the name the certificate must carry
  std::string caPem;  // trusted CAs; empty = OpenSSL's default store (SSL_CERT_FILE/SSL_CERT_DIR)
};

// Which HTTP a target speaks. Auto: on TLS, h2 when the server takes it by ALPN, else HTTP/1.1
// (UpstreamClientOptions::http2 permitting); on plaintext, HTTP/1.1.
enum class UpstreamProtocol {
  Auto,
  Http1,  // HTTP/1.1 only: on TLS no ALPN is offered
  H2c,    // plaintext HTTP/2 with prior knowledge (on TLS: as Auto)
};

struct UpstreamTarget {
  std::string host;  // DNS name or IP literal
  std::uint16_t port = 0;
  std::optional<TlsSettings>
      tls;  // none = plaintext, as in Envoy Gateway without a BackendTLSPolicy
  // The Host header, "host[:port]" (port only when not the scheme's default); authorityOf() when
  // empty. Set once per configured backend so no request builds it.
  std::string authority;
  UpstreamProtocol protocol = UpstreamProtocol::Auto;  // last: aggregate initializers stay valid
};

// host, [v6 literal], with ":port" unless it is the scheme's default.
std::string authorityOf(const UpstreamTarget& target);

// Connection events, for metrics. Called on the client's thread, so an implementation may record
// into that thread's own counters without a lock.
class UpstreamObserver {
 public:
  virtual ~UpstreamObserver() = default;
  virtual void onConnectionOpened(const UpstreamTarget& target) = 0;  // TCP connected
  virtual void onConnectionReused(const UpstreamTarget& target) = 0;  // taken from the pool
  virtual void onTlsHandshake(const UpstreamTarget& target, bool ok) = 0;
};

struct UpstreamClientOptions {
  std::chrono::milliseconds connectTimeout{5'000};  // per TCP connect, inside the request deadline
  std::chrono::milliseconds idleTimeout{60'000};  // a pooled connection unused this long is closed
  std::size_t maxIdlePerKey = 64;                 // idle connections kept per (host, port, TLS)
  std::uint64_t bodyLimit = std::uint64_t{64} << 20;
  // send(): what is kept of a non-2xx answer's body. Past it the body is cut short and the
  // connection (HTTP/2: the stream) dropped, so an endless error body costs no more than this.
  std::uint64_t errorBodyLimit = 64 * 1024;
  std::uint32_t headerLimit = 64 * 1024;
  UpstreamObserver* observer = nullptr;  // must outlive the client
  // HTTP/2 (TLS upstreams only; false: offer no ALPN, HTTP/1.1 as before).
  bool http2 = true;
  std::uint32_t h2StreamWindow = 1u << 20;  // what one stream may hold unread (its reader's pace)
  std::uint32_t h2ConnectionWindow = 16u << 20;
  // An HTTP/2 connection without streams is pinged after this long, and closed when the PING is
  // not answered within h2PingTimeout (checked by sweepIdleConnections()); idleTimeout closes it
  // in any case.
  std::chrono::milliseconds h2PingAfter{30'000};
  std::chrono::milliseconds h2PingTimeout{5'000};
};

// Per-client (so per-thread) counters; read by the metrics exporter on the owning thread.
struct UpstreamClientStats {
  std::uint64_t requests = 0;         // send() + openStream() calls
  std::uint64_t poolHits = 0;         // an idle keep-alive connection was reused
  std::uint64_t poolMisses = 0;       // a new connection had to be opened
  std::uint64_t connects = 0;         // TCP connections established
  std::uint64_t connectFailures = 0;  // TCP connects that failed (refused, unreachable, timed out)
  std::uint64_t tlsHandshakes = 0;    // successful TLS handshakes
  std::uint64_t tlsFailures = 0;      // failed TLS handshakes (including verification)
  std::uint64_t staleRetries = 0;     // reused connection found closed, request resent on a new one
  std::uint64_t timeouts = 0;         // exchanges ended by their deadline
  // HTTP/2. requests, poolHits and poolMisses count its requests too (a stream on an open
  // connection is a pool hit); connects and tlsHandshakes its connections.
  std::uint64_t h2Connections = 0;   // HTTP/2 connections: h2 chosen by ALPN, or h2c
  std::uint64_t http1Fallbacks = 0;  // TLS connects offering h2 where the server chose http/1.1
  std::uint64_t h2Streams = 0;       // streams opened (a request sent again counts twice)
  std::uint64_t h2Retries = 0;       // requests sent again because the peer had not processed them
  std::uint64_t h2Resets = 0;   // streams reset by the peer or lost with their connection before
                                // their response (openStream: its head) was in
  std::uint64_t h2GoAways = 0;  // connections retired after the peer's GOAWAY
  std::uint64_t h2PingTimeouts = 0;  // idle connections closed for an unanswered PING
};

class UpstreamStream;

// Lets a caller abandon a send() in flight, e.g. when its own client went away: cancel() closes the
// call's connection (HTTP/2: resets its stream) at once, and send() ends with UpstreamReset. Used
// on the client's thread; outlives the send() it is given to. No cost unless cancelled.
class UpstreamCancel {
 public:
  void cancel() noexcept;
  bool cancelled() const { return cancelled_; }

  // `hook` runs once if a send() given this cancel is still in flight `after` it started. It runs
  // from the call's own deadline timer (no timer of its own), so a caller can start watching its
  // client, which costs syscalls, for the calls that last only.
  void whenSlow(std::chrono::milliseconds after, std::function<void()> hook) {
    slowAfter_ = after;
    slowHook_ = std::move(hook);
  }

 private:
  friend class UpstreamClient;
  void* call_ = nullptr;  // the call in flight (its deadline), if any
  bool cancelled_ = false;
  std::chrono::milliseconds slowAfter_{0};
  std::function<void()> slowHook_;
};

// One per worker thread (not thread-safe); all pools and TLS contexts it owns are thread-local.
class UpstreamClient {
 public:
  UpstreamClient(boost::asio::any_io_executor executor, std::shared_ptr<DnsCache> dns);
  UpstreamClient(boost::asio::any_io_executor executor, std::shared_ptr<DnsCache> dns,
                 UpstreamClientOptions options);
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // Sends the request and reads the whole response. A reused keep-alive connection that turns out
  // to be closed is retried once on a fresh one; so is an HTTP/2 stream the peer did not process
  // (after a GOAWAY, up to 8 times: the next connection had not gone away).
  // Errors: UpstreamDns, UpstreamConnect, UpstreamTls, UpstreamReset, UpstreamTimeout (the whole
  // exchange is bounded by `timeout`), UpstreamBadResponse (over bodyLimit, malformed).
  //
  // Over HTTP/2, UpstreamReset says in its message which of these it was, for logs and the
  // fallback alike:
  //   "HTTP/2 stream refused by H (REFUSED_STREAM): request not processed"
  //   "HTTP/2 connection to H going away (GOAWAY C, last stream N): request not processed"
  //   "connection to H lost before the request was sent: ..."
  //   "connection to H closed while idle, before the request was answered: ..."
  //                   (these four are safe to send again, and were already: once, or after a
  //                    GOAWAY up to 8 times)
  //   "HTTP/2 stream reset by H (RST_STREAM C) before a complete response"
  //   "HTTP/2 connection to H ended by GOAWAY (C) before a complete response"
  //   "connection to H closed before a complete response: ..."     (as over HTTP/1.1)
  //
  // A non-2xx answer's body is kept up to options.errorBodyLimit (see there). `cancel`, if given,
  // may end the call early (UpstreamCancel).
  boost::asio::awaitable<core::Result<core::InboundResponse>> send(
      const UpstreamTarget& target, const core::OutboundRequest& request,
      std::chrono::milliseconds timeout, UpstreamCancel* cancel = nullptr);

  // Sends the request and reads only the response head; the body is then read piece by piece from
  // the returned stream (SSE). `headTimeout` bounds everything up to the end of the head. Same
  // errors and same stale-connection retry as send(); `cancel` as there, until the head is in
  // (then UpstreamStream::cancel()).
  boost::asio::awaitable<core::Result<UpstreamStream>> openStream(
      const UpstreamTarget& target, const core::OutboundRequest& request,
      std::chrono::milliseconds headTimeout, UpstreamCancel* cancel = nullptr);

  const UpstreamClientStats& stats() const;
  std::size_t idleConnections() const;   // pooled connections currently kept open, without streams
  std::size_t http2Connections() const;  // HTTP/2 connections open, with streams or not

  // Closes pooled connections idle for longer than options.idleTimeout, and pings idle HTTP/2 ones
  // (h2PingAfter, h2PingTimeout). The pools also tidy up as they are used; a worker that may go
  // quiet calls this from its own periodic tick, so the client never keeps a timer pending (an
  // io_context with only idle connections can still run dry).
  void sweepIdleConnections();

 private:
  struct Impl;
  struct CancelBinding;
  std::unique_ptr<Impl> impl_;
};

// A response whose body is read as it arrives, over HTTP/1.1 or as an HTTP/2 stream. Use on the
// client's thread; if the client is gone when the body ends, an HTTP/1.1 connection is simply
// closed.
class UpstreamStream {
 public:
  UpstreamStream(UpstreamStream&&) noexcept;
  UpstreamStream& operator=(UpstreamStream&&) noexcept;
  ~UpstreamStream();  // an unfinished body closes the connection (HTTP/2: resets the stream)

  unsigned status() const;
  const std::vector<core::Header>& headers() const;
  std::string_view header(std::string_view name) const { return core::findHeader(headers(), name); }
  // Lets go of the response headers, for a caller done with them: an open stream holds them
  // otherwise for its whole life.
  void releaseHeaders() noexcept;

  // The next piece of the body as received (chunked framing removed), or nullopt once the body is
  // complete. The view stays valid until the next call. Each call is bounded by `idleTimeout`
  // (UpstreamTimeout); a connection that ends early gives UpstreamReset. Over HTTP/2 the peer may
  // send more only as pieces are taken: a reader that stops holds at most h2StreamWindow bytes.
  boost::asio::awaitable<core::Result<std::optional<std::string_view>>> next(
      std::chrono::milliseconds idleTimeout);
  // Every piece of the body was handed out and its end is in: next() gives the end at once,
  // without waiting.
  bool atEnd() const;

  // Abandons the response: closes the connection now (HTTP/2: RST_STREAM CANCEL, the connection
  // stays for others), so the upstream stops, and a next() in progress completes with an error.
  // For a client that went away.
  void cancel() noexcept;

  struct State;  // one implementation per protocol
  explicit UpstreamStream(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};

}  // namespace switchyard::net
