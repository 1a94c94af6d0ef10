#include "fake_collector.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace switchyard::telemetry::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {
auto redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }
}  // namespace

FakeCollector::FakeCollector(Script script, std::optional<TlsIdentity> tls)
    : script_(std::move(script)) {
  if (tls) {
    tls_ = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    tls_->use_certificate_chain(asio::buffer(tls->certPem));
    tls_->use_private_key(asio::buffer(tls->keyPem), asio::ssl::context::pem);
  }
  acceptor_ =
      std::make_unique<tcp::acceptor>(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  port_ = acceptor_->local_endpoint().port();
  asio::co_spawn(ioc_, acceptLoop(), asio::detached);
  thread_ = std::thread([this] { ioc_.run(); });
}

FakeCollector::~FakeCollector() {
  ioc_.stop();
  thread_.join();
}

std::vector<ReceivedRequest> FakeCollector::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

int FakeCollector::tlsFailures() const {
  std::lock_guard lock(mutex_);
  return tlsFailures_;
}

bool FakeCollector::waitForRequests(std::size_t count, std::chrono::milliseconds limit) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, limit, [&] { return requests_.size() >= count; });
}

asio::awaitable<void> FakeCollector::acceptLoop() {
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await acceptor_->async_accept(redirect(ec));
    if (ec) co_return;
    asio::co_spawn(ioc_, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> FakeCollector::session(tcp::socket socket) {
  if (!tls_) {
    co_await serve(socket);
    co_return;
  }
  asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
  error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::server, redirect(ec));
  if (ec) {
    std::lock_guard lock(mutex_);
    ++tlsFailures_;
    co_return;
  }
  co_await serve(stream);
}

template <class Stream>
asio::awaitable<void> FakeCollector::serve(Stream& stream) {
  boost::beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    error_code ec;
    co_await http::async_read(stream, buffer, parser, redirect(ec));
    if (ec) co_return;
    const auto& message = parser.get();
    ReceivedRequest received;
    received.method = std::string(message.method_string());
    received.target = std::string(message.target());
    for (const auto& field : message)
      received.headers[boost::algorithm::to_lower_copy(std::string(field.name_string()))] =
          std::string(field.value());
    received.body = message.body();

    int index = 0;
    {
      std::lock_guard lock(mutex_);
      index = static_cast<int>(requests_.size());
      requests_.push_back(received);
    }
    CollectorReply reply = script_ ? script_(received, index) : CollectorReply{};
    arrived_.notify_all();

    if (reply.hang) {
      asio::steady_timer timer(ioc_, std::chrono::hours(1));
      co_await timer.async_wait(redirect(ec));
      co_return;
    }
    http::response<http::string_body> response{static_cast<http::status>(reply.status), 11};
    response.set(http::field::content_type, "application/x-protobuf");
    for (const auto& [name, value] : reply.headers) response.set(name, value);
    response.body() = std::move(reply.body);
    response.keep_alive(message.keep_alive());
    response.prepare_payload();
    co_await http::async_write(stream, response, redirect(ec));
    if (ec || !response.keep_alive()) co_return;
  }
}

}  // namespace switchyard::telemetry::testing
