#pragma once
// A scripted OTLP/HTTP collector for the exporter tests: real sockets on 127.0.0.1 (port 0),
// optional real TLS, its own thread. Records every request and answers as the test's script says.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace boost::asio::ssl {
class context;
}

namespace switchyard::telemetry::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body = {};
};

struct CollectorReply {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers = {};
  std::string body = {};
  bool hang = false;  // read the request, never answer
};

struct TlsIdentity {
  std::string certPem;
  std::string keyPem;
};

class FakeCollector {
 public:
  // `index` counts requests from 0. No script: 200 with an empty body for everything.
  using Script = std::function<CollectorReply(const ReceivedRequest&, int index)>;

  explicit FakeCollector(Script script = {}, std::optional<TlsIdentity> tls = std::nullopt);
  ~FakeCollector();

  std::uint16_t port() const { return port_; }
  std::vector<ReceivedRequest> requests() const;
  int tlsFailures() const;
  // Waits until `count` requests have arrived; false if they did not within `limit` (a guard
  // against a hanging test, not a measurement).
  bool waitForRequests(std::size_t count,
                       std::chrono::milliseconds limit = std::chrono::seconds(20)) const;

 private:
  boost::asio::awaitable<void> acceptLoop();
  boost::asio::awaitable<void> session(boost::asio::ip::tcp::socket socket);
  template <class Stream>
  boost::asio::awaitable<void> serve(Stream& stream);

  Script script_;
  boost::asio::io_context ioc_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<ReceivedRequest> requests_;
  int tlsFailures_ = 0;
  std::thread thread_;
};

}  // namespace switchyard::telemetry::testing
