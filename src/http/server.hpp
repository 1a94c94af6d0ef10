#pragma once
// The HTTP/1.1 and HTTP/2 server under both the gateway and the emulator: N worker threads, each
// with its own io_context and its own SO_REUSEPORT listener, keep-alive, limits and timeouts. A
// Handler is made per worker thread, so per-thread state (upstream pools) needs no lock.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "http/accept_backoff.hpp"
#include "http/connection_admission.hpp"

namespace boost::asio::ssl {
class context;
}

namespace switchyard::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

// A response's own headers (name, value), as a handler gives them to the ResponseWriter.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The path of a request target: the target without its query.
inline std::string_view pathOf(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// Writes one response. Either send() once, or beginStream() + write()... + endStream().
class ResponseWriter {
 public:
  virtual ~ResponseWriter() = default;
  virtual boost::asio::awaitable<bool> send(unsigned status, std::string_view contentType,
                                            std::string body, HeaderList headers = {}) = 0;
  // Chunked response; every write() is flushed to the socket before it completes. `firstChunk`, if
  // any, goes out with the head in one write: a stream's head and first event in one segment, so
  // the client sees both at once (the first token is what the client waits for).
  virtual boost::asio::awaitable<bool> beginStream(unsigned status, std::string_view contentType,
                                                   HeaderList headers = {},
                                                   std::string_view firstChunk = {}) = 0;
  virtual boost::asio::awaitable<bool> write(std::string_view data) = 0;
  // `lastChunk`, if any, goes out with the end of the stream in one write (a stream's closing
  // events and its terminator: one send and one wake-up of the client instead of two).
  virtual boost::asio::awaitable<bool> endStream(std::string_view lastChunk = {}) = 0;
  // Drop the connection with a TCP reset, without a proper end (a failure the client must notice).
  // HTTP/2: RST_STREAM (INTERNAL_ERROR) on this request's stream only.
  virtual void abort() = 0;
  // Turn the request away unprocessed, so the client may retry it anywhere: HTTP/2 RST_STREAM
  // REFUSED_STREAM. HTTP/1.1 has no such signal: the same as abort(). (The emulator's fault.)
  virtual void refuse() { abort(); }
  virtual bool started() const = 0;  // any byte of the response went out
  // The longest one send()/write() may wait for a client that does not read (60 s until set): the
  // handler sets what its route allows. Past it the connection (HTTP/2: the stream) is dropped and
  // the write returns false.
  virtual void setWriteTimeout(std::chrono::milliseconds limit) = 0;
  // `callback` runs (on the worker's thread, at most once) if the client closes its connection
  // while the handler still runs, so upstream work can stop at once instead of at the next write.
  virtual void onClientClose(std::function<void()> callback) = 0;
  virtual bool clientClosed() const = 0;
  virtual std::uint64_t bytesSent() const = 0;
  // The handler read the clock once its response was done (for its log): the connection's wait for
  // its next request is timed from then, without another read. Optional.
  virtual void doneAt(std::chrono::steady_clock::time_point) {}
};

// What a request hands the handler besides the message itself.
struct RequestContext {
  std::string remoteAddress;
  std::uint64_t bytesReceived = 0;
  std::chrono::steady_clock::time_point received;  // when its last byte came in
  std::uint64_t requestIndex = 1;  // 1 for a connection's first request, 2 for the next, ...
};

class Handler {
 public:
  virtual ~Handler() = default;
  virtual boost::asio::awaitable<void> handle(Request& request, const RequestContext& context,
                                              ResponseWriter& writer) = 0;
  // An error the server found before a request existed (413, 431, 408, bad framing). The handler
  // renders it, so every error body has the same shape.
  virtual void renderProtocolError(unsigned status, std::string_view message, std::string& body,
                                   std::string& contentType) = 0;
  // Shutdown's drain time is over and requests are still running: end them now, each with the
  // error its client understands (a stream's error event), before the server stops. Runs on the
  // worker's thread; the server then waits a short grace for them to finish.
  virtual void onDrainDeadline() {}
};

// ClientTrafficPolicy spec.timeout.http, as Envoy Gateway defines them.
struct ClientTimeouts {
  std::chrono::milliseconds requestReceived{60'000};  // a request's first byte to its last
  std::chrono::milliseconds idle{300'000};            // a connection with no request in flight
};

// What a reload may change of how the server reads its clients' requests, read by every worker at
// each request (HTTP/2: when a connection opens) with neither a lock nor a call: the owner stores
// the new values after a reload. Each value stands alone, so relaxed atomics do.
class ClientLimits {
 public:
  ClientTimeouts timeouts() const {
    return {.requestReceived =
                std::chrono::milliseconds(requestReceivedMs_.load(std::memory_order_relaxed)),
            .idle = std::chrono::milliseconds(idleMs_.load(std::memory_order_relaxed))};
  }
  std::uint64_t bodyLimit() const { return bodyLimit_.load(std::memory_order_relaxed); }

  void setTimeouts(ClientTimeouts timeouts) {
    requestReceivedMs_.store(timeouts.requestReceived.count(), std::memory_order_relaxed);
    idleMs_.store(timeouts.idle.count(), std::memory_order_relaxed);
  }
  void setBodyLimit(std::uint64_t bytes) { bodyLimit_.store(bytes, std::memory_order_relaxed); }

 private:
  std::atomic<std::chrono::milliseconds::rep> requestReceivedMs_{
      ClientTimeouts{}.requestReceived.count()};
  std::atomic<std::chrono::milliseconds::rep> idleMs_{ClientTimeouts{}.idle.count()};
  std::atomic<std::uint64_t> bodyLimit_{std::uint64_t{50} << 20};
};

// One JSON log line (no newline) to stderr with a single write(2): no iostream and no stdio lock.
void writeLogLine(std::string_view line);

struct ServerOptions {
  boost::asio::ip::tcp::endpoint listen;
  int workers = 1;
  std::shared_ptr<boost::asio::ssl::context> tls;  // null = plaintext
  // When set, asked for each accepted connection instead of `tls`: its TLS context, or null for
  // plaintext. The configuration decides, so a reload turns TLS on or off or rotates the
  // certificate for new connections while open ones keep theirs. The context answers ALPN itself.
  std::function<std::shared_ptr<boost::asio::ssl::context>()> currentTls;
  // The body limit, read per request, and the timeouts, read when a connection waits for its next
  // request (HTTP/2: when it opens): a change applies to the next one. Shared with whoever changes
  // them (the gateway, at reload).
  std::shared_ptr<ClientLimits> limits = std::make_shared<ClientLimits>();
  std::uint32_t headerLimit = 64 * 1024;
  // A request's head must have come this soon after its first byte (and within requestReceived):
  // a client that sends its headers a byte at a time (slowloris) holds a connection no longer.
  std::chrono::milliseconds headerTimeout{10'000};
  // HTTP/2 for clients: h2 offered by ALPN on TLS, h2c with prior knowledge on plaintext.
  bool http2 = true;
  std::uint32_t http2MaxConcurrentStreams = 100;  // SETTINGS_MAX_CONCURRENT_STREAMS, per connection
  // Test knob (the emulator's): GOAWAY once a connection has opened this many streams; 0 = never.
  std::uint32_t http2GoawayAfterStreams = 0;
  // A line for the operator (one JSON object, no newline), from a worker thread: must not block.
  std::function<void(std::string_view)> log = writeLogLine;
  // Client connections open at once over every worker, read at each accept; 0 = no limit. A
  // connection past it is closed as soon as it is accepted.
  std::function<std::uint64_t()> connectionLimit = [] { return std::uint64_t{0}; };
  // While it says true, no worker accepts: new connections wait in the backlog (memory pressure).
  // Read before each accept. Null: never paused.
  std::function<bool()> acceptPaused;
};

class Server {
 public:
  using HandlerFactory = std::function<std::unique_ptr<Handler>(boost::asio::io_context&)>;

  Server(ServerOptions options, HandlerFactory factory);
  ~Server();

  // Binds every worker's listener (throws on failure), then starts the worker threads.
  void start();
  // The bound port (useful with port 0).
  std::uint16_t port() const { return port_; }
  // Stops accepting; lets requests in flight finish up to `drain`, then stops the threads.
  void stop(std::chrono::milliseconds drain = std::chrono::milliseconds{0});
  void join();
  // After join(): false when the drain time ran out with requests still running.
  bool drainedCleanly() const;
  // Failed accepts of every worker (out of file descriptors, ...); any thread may read it.
  std::uint64_t acceptErrors() const;
  // Client connections open now, and those closed at once for the connection limit.
  const ConnectionAdmission& connections() const { return connections_; }

  struct Worker;  // one thread's io_context, listener and sessions (defined in server.cpp)

 private:
  ServerOptions options_;
  HandlerFactory factory_;
  ConnectionAdmission connections_;  // outlives the workers' sessions, which hold places in it
  AcceptOutage acceptOutage_;        // shared by the workers' accept loops
  std::vector<std::unique_ptr<Worker>> workers_;
  std::uint16_t port_ = 0;
};

}  // namespace switchyard::http
