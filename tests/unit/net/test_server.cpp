#include "test_server.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

#include <array>
#include <cstdio>

namespace switchyard::net::testing {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {
auto redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

std::string hexSize(std::size_t size) {
  std::array<char, 20> digits;
  const int n = std::snprintf(digits.data(), digits.size(), "%zx", size);
  return std::string(digits.data(), static_cast<std::size_t>(n));
}
}  // namespace

TestServer::TestServer(ServerScript script, std::optional<emulator::PemCertificate> tls)
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

TestServer::~TestServer() {
  ioc_.stop();
  thread_.join();
}

std::vector<std::string> TestServer::sniSeen() const {
  std::lock_guard lock(mutex_);
  return sni_;
}

ServerAction TestServer::echo(const ServerRequest& request, const ServerConnectionInfo&) {
  ServerAction action;
  action.body = "echo:" + request.body();
  return action;
}

asio::awaitable<void> TestServer::acceptLoop() {
  for (int index = 0;; ++index) {
    error_code ec;
    tcp::socket socket = co_await acceptor_->async_accept(redirect(ec));
    if (ec) co_return;
    ++connections_;
    asio::co_spawn(ioc_, session(std::move(socket), index), asio::detached);
  }
}

asio::awaitable<void> TestServer::session(tcp::socket socket, int index) {
  ServerConnectionInfo info;
  info.connection = index;
  if (!tls_) {
    co_await serve(socket, info);
    co_return;
  }
  asio::ssl::stream<tcp::socket> stream(std::move(socket), *tls_);
  error_code ec;
  co_await stream.async_handshake(asio::ssl::stream_base::server, redirect(ec));
  if (const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name)) {
    info.sni = name;
    std::lock_guard lock(mutex_);
    sni_.push_back(name);
  }
  if (ec) {
    ++tlsFailures_;
    co_return;
  }
  co_await serve(stream, info);
}

template <class Stream>
asio::awaitable<void> TestServer::serve(Stream& stream, ServerConnectionInfo info) {
  boost::beast::flat_buffer buffer;
  for (;; ++info.request) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    error_code ec;
    co_await http::async_read(stream, buffer, parser, redirect(ec));
    if (ec) co_return;
    ++requests_;
    const ServerRequest& request = parser.get();
    ServerAction action = script_(request, info);

    switch (action.kind) {
      case ServerAction::Kind::Hang: {
        asio::steady_timer timer(ioc_, std::chrono::hours(1));
        co_await timer.async_wait(redirect(ec));
        co_return;
      }
      case ServerAction::Kind::Close:
        co_return;
      case ServerAction::Kind::CloseMidBody: {
        const std::string partial =
            "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + std::string(100, 'x');
        co_await asio::async_write(stream, asio::buffer(partial), redirect(ec));
        co_return;
      }
      case ServerAction::Kind::Chunked: {
        http::response<http::empty_body> head{static_cast<http::status>(action.status), 11};
        head.set(http::field::content_type, "text/event-stream");
        head.chunked(true);
        head.keep_alive(action.keepAlive);
        http::response_serializer<http::empty_body> serializer(head);
        co_await http::async_write_header(stream, serializer, redirect(ec));
        for (const auto& chunk : action.chunks) {
          if (ec) co_return;
          // One buffer per chunk, so that over TLS a chunk and its framing are one record.
          const std::string framed = hexSize(chunk.size()) + "\r\n" + chunk + "\r\n";
          co_await asio::async_write(stream, asio::buffer(framed), redirect(ec));
        }
        if (ec) co_return;
        if (action.hangAfterChunks) {
          asio::steady_timer timer(ioc_, std::chrono::hours(1));
          co_await timer.async_wait(redirect(ec));
          co_return;
        }
        co_await asio::async_write(stream, http::make_chunk_last(), redirect(ec));
        if (ec || !action.keepAlive) co_return;
        continue;
      }
      case ServerAction::Kind::Respond: {
        http::response<http::string_body> response{static_cast<http::status>(action.status), 11};
        response.set(http::field::content_type, "text/plain");
        response.body() = std::move(action.body);
        response.keep_alive(action.keepAlive);
        response.prepare_payload();
        co_await http::async_write(stream, response, redirect(ec));
        if (ec || !action.keepAlive || action.closeAfter) co_return;
        continue;
      }
    }
  }
}

}  // namespace switchyard::net::testing
