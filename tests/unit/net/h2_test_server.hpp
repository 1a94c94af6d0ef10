#pragma once
// A scripted HTTP/2 upstream for what nghttpd cannot be told to do: refuse or reset a stream, send
// GOAWAY in the middle of a load, hang, leave a PING unanswered. Real sockets on 127.0.0.1, real
// TLS with ALPN h2, nghttp2's server session for the framing; its own thread. Each request is
// answered as the test's script says.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator/pki.hpp"

namespace boost::asio::ssl {
class context;
}

namespace switchyard::net::testing {

struct H2ServerRequest {
  std::string method;
  std::string path;
  std::string authority;
  std::string body;
  int connection = 0;  // 0-based index of the TCP connection
  int index = 0;       // 0-based index of the request on that connection
  std::int32_t streamId = 0;
};

struct H2ServerAction {
  enum class Kind {
    Respond,  // status, then `chunks` as DATA frames (one each), then the end (unless hang)
    Refuse,   // RST_STREAM REFUSED_STREAM
    Reset,    // RST_STREAM INTERNAL_ERROR
    Hang,     // nothing at all
    GoAway,   // GOAWAY (NO_ERROR) naming the stream before this one the last processed: not this
  };
  Kind kind = Kind::Respond;
  unsigned status = 200;
  std::vector<std::string> chunks;
  bool hangAfterChunks = false;  // the stream stays open after the chunks
  // Before answering: GOAWAY (NO_ERROR) naming this stream the last one processed; later streams
  // of the connection get no answer (the client learns from the GOAWAY they were not processed).
  bool goAwayAfter = false;
  // After the first chunk went out: GOAWAY with INTERNAL_ERROR and the connection closed.
  bool goAwayErrorMidBody = false;
  // After the last chunk went out: RST_STREAM INTERNAL_ERROR (a stream cut mid-way).
  bool resetAfterChunks = false;
  // Once the response is out and no other stream is open: the TCP connection closed, no GOAWAY
  // (a peer's idle timeout, as the client sees it).
  bool closeAfter = false;
  // A Content-Length field with the head, as given (not checked against the chunks).
  std::optional<std::string> contentLength;

  static H2ServerAction respond(std::string body, unsigned status = 200) {
    H2ServerAction action;
    action.status = status;
    action.chunks.push_back(std::move(body));
    return action;
  }
  static H2ServerAction of(Kind kind) {
    H2ServerAction action;
    action.kind = kind;
    return action;
  }
};

using H2ServerScript = std::function<H2ServerAction(const H2ServerRequest&)>;

struct H2ServerOptions {
  std::uint32_t maxConcurrentStreams = 100;
  bool answerPings = true;
};

class H2TestServer {
 public:
  H2TestServer(H2ServerScript script, const emulator::PemCertificate& certificate,
               H2ServerOptions options = {});
  ~H2TestServer();

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  int pings() const { return pings_.load(); }
  // RST_STREAM error codes received from the client, in order.
  std::vector<std::uint32_t> resets() const;

  // Answers with 200 and "echo:" + method + " " + path + " " + body.
  static H2ServerAction echo(const H2ServerRequest& request);

  struct Session;  // one connection

 private:
  boost::asio::awaitable<void> acceptLoop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket, int index);

  friend struct Session;
  H2ServerScript script_;
  H2ServerOptions options_;
  boost::asio::io_context ioc_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> pings_{0};
  mutable std::mutex mutex_;
  std::vector<std::uint32_t> resets_;
  std::thread thread_;
};

}  // namespace switchyard::net::testing
