// How the client reads responses whose framing is unusual: delimited by the connection's end,
// answered to HEAD, over the header limit, truncated, or arriving a few bytes at a time. The
// upstream here writes exact bytes, which the scripted TestServer (Beast underneath) cannot.

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/dns_cache.hpp"
#include "net/upstream_client.hpp"
#include "run_awaitable.hpp"

namespace switchyard::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using core::ErrorKind;

// Answers each request head on one connection with the next of `replies` (each sent in `pieces`
// writes), then closes the connection if `closeAfter`.
class RawServer {
 public:
  RawServer(std::vector<std::string> replies, std::size_t pieces, bool closeAfter)
      : thread_([this, replies = std::move(replies), pieces, closeAfter] {
          serve(replies, pieces, closeAfter);
        }) {}
  ~RawServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  void serve(const std::vector<std::string>& replies, std::size_t pieces, bool closeAfter) {
    boost::system::error_code ec;
    tcp::socket peer = acceptor_.accept(ec);
    if (ec) return;
    std::string received;
    for (const auto& reply : replies) {
      const std::size_t end =
          asio::read_until(peer, asio::dynamic_buffer(received), "\r\n\r\n", ec);
      if (ec) return;
      received.erase(0, end);
      const std::size_t step = (reply.size() + pieces - 1) / pieces;
      for (std::size_t at = 0; at < reply.size(); at += step)
        asio::write(peer, asio::buffer(reply.substr(at, step)), ec);
    }
    if (closeAfter) {
      peer.shutdown(tcp::socket::shutdown_send, ec);
      peer.close(ec);
    } else {
      asio::read(peer, asio::dynamic_buffer(received), ec);  // until the client goes away
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_, {asio::ip::make_address("127.0.0.1"), 0}};
  std::uint16_t port_ = acceptor_.local_endpoint().port();
  std::thread thread_;
};

struct Outcome {
  core::Result<core::InboundResponse> response;
  std::size_t idle = 0;  // pooled connections afterwards
};

Outcome exchange(const std::string& reply, std::size_t pieces, bool closeAfter,
                 const std::string& method = "GET", UpstreamClientOptions options = {}) {
  RawServer server({reply}, pieces, closeAfter);
  asio::io_context ioc;
  UpstreamClient client(ioc.get_executor(), std::make_shared<DnsCache>(), options);
  core::OutboundRequest request;
  request.method = method;
  request.target = "/";
  auto response = testing::runAwaitable(
      ioc, client.send(UpstreamTarget{"127.0.0.1", server.port(), std::nullopt}, request, 5s));
  return {std::move(response), client.idleConnections()};
}

TEST(UpstreamFramingTest, BodyDelimitedByTheConnectionsEnd) {
  for (const char* reply : {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello world",
                            "HTTP/1.0 200 OK\r\n\r\nhello world"}) {
    for (const std::size_t pieces : {1u, 7u}) {
      auto outcome = exchange(reply, pieces, /*closeAfter=*/true);
      ASSERT_TRUE(outcome.response) << outcome.response.error().message;
      EXPECT_EQ(outcome.response->body, "hello world");
      EXPECT_EQ(outcome.idle, 0u);
    }
  }
}

TEST(UpstreamFramingTest, ResponseInSmallPiecesIsWholeAndTheConnectionKept) {
  const std::string reply =
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-One: 1\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  auto outcome = exchange(reply, reply.size(), /*closeAfter=*/false);
  ASSERT_TRUE(outcome.response) << outcome.response.error().message;
  EXPECT_EQ(outcome.response->status, 201u);
  EXPECT_EQ(outcome.response->body, "hello world");
  EXPECT_EQ(outcome.response->header("x-one"), "1");
  EXPECT_EQ(outcome.idle, 1u);
}

TEST(UpstreamFramingTest, HeadResponseHasNoBodyWhateverItsLength) {
  auto outcome = exchange("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 1, false, "HEAD");
  ASSERT_TRUE(outcome.response) << outcome.response.error().message;
  EXPECT_EQ(outcome.response->body, "");
  EXPECT_EQ(outcome.response->header("content-length"), "10");
  EXPECT_EQ(outcome.idle, 1u);
}

TEST(UpstreamFramingTest, HeadersKeepTheirOrderWithSameNamesTogether) {
  auto outcome =
      exchange("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\na: 3\r\nContent-Length: 0\r\n\r\n", 1, false);
  ASSERT_TRUE(outcome.response) << outcome.response.error().message;
  const auto& headers = outcome.response->headers;
  ASSERT_EQ(headers.size(), 4u);
  EXPECT_EQ(headers[0].name + headers[0].value, "A1");
  EXPECT_EQ(headers[1].name + headers[1].value, "a3");
  EXPECT_EQ(headers[2].name + headers[2].value, "B2");
  EXPECT_EQ(headers[3].name + headers[3].value, "Content-Length0");
}

TEST(UpstreamFramingTest, HeadOverTheLimitIsBadResponse) {
  UpstreamClientOptions options;
  options.headerLimit = 256;
  const std::string reply =
      "HTTP/1.1 200 OK\r\nX-Big: " + std::string(400, 'b') + "\r\nContent-Length: 0\r\n\r\n";
  auto outcome = exchange(reply, 3, false, "GET", options);
  ASSERT_FALSE(outcome.response);
  EXPECT_EQ(outcome.response.error().kind, ErrorKind::UpstreamBadResponse);
  EXPECT_NE(outcome.response.error().message.find("header limit"), std::string::npos)
      << outcome.response.error().message;
}

TEST(UpstreamFramingTest, GarbageIsBadResponse) {
  auto outcome = exchange("SMTP ready\r\n\r\n", 1, true);
  ASSERT_FALSE(outcome.response);
  EXPECT_EQ(outcome.response.error().kind, ErrorKind::UpstreamBadResponse)
      << outcome.response.error().message;
}

TEST(UpstreamFramingTest, EndInsideTheHeadOrALengthDelimitedBodyIsReset) {
  for (const char* reply :
       {"HTTP/1.1 200 OK\r\nContent-Le", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc"}) {
    auto outcome = exchange(reply, 1, /*closeAfter=*/true);
    ASSERT_FALSE(outcome.response) << reply;
    EXPECT_EQ(outcome.response.error().kind, ErrorKind::UpstreamReset)
        << outcome.response.error().message;
    EXPECT_EQ(outcome.idle, 0u);
  }
}

}  // namespace
}  // namespace switchyard::net
