#pragma once
// A small scripted HTTP/1.1 upstream for the client tests: real sockets on 127.0.0.1, optional real
// TLS, its own thread. Each request is answered as the test's script says (respond, hang, close).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

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

using ServerRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct ServerAction {
  enum class Kind {
    Respond,       // a normal response
    Hang,          // read the request, never answer
    Close,         // close the connection without answering
    CloseMidBody,  // announce a body, send part of it, close
    Chunked,  // chunked response made of `chunks`, then (unless hangAfterChunks) the last chunk
  };
  Kind kind = Kind::Respond;
  unsigned status = 200;
  std::string body;
  bool keepAlive = true;    // false: "Connection: close" and close
  bool closeAfter = false;  // close after answering without saying so (an idle timeout)
  std::vector<std::string> chunks;
  bool hangAfterChunks = false;

  static ServerAction of(Kind kind) {
    ServerAction action;
    action.kind = kind;
    return action;
  }
};

struct ServerConnectionInfo {
  int connection = 0;  // 0-based index of the TCP connection
  int request = 0;     // 0-based index of the request on that connection
  std::string sni;     // server name the client sent (TLS only)
};

using ServerScript = std::function<ServerAction(const ServerRequest&, const ServerConnectionInfo&)>;

class TestServer {
 public:
  // `tls`: serve HTTPS with this certificate and key.
  explicit TestServer(ServerScript script,
                      std::optional<emulator::PemCertificate> tls = std::nullopt);
  ~TestServer();

  std::uint16_t port() const { return port_; }
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  int tlsFailures() const { return tlsFailures_.load(); }
  std::vector<std::string> sniSeen() const;

  // Answers every request with 200 and "echo:" + the request body.
  static ServerAction echo(const ServerRequest& request, const ServerConnectionInfo&);

 private:
  boost::asio::awaitable<void> acceptLoop();
  template <class Stream>
  boost::asio::awaitable<void> serve(Stream& stream, ServerConnectionInfo info);
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket, int index);

  ServerScript script_;
  boost::asio::io_context ioc_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> tlsFailures_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> sni_;
  std::thread thread_;
};

}  // namespace switchyard::net::testing
