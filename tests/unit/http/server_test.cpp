#include "http/server.hpp"

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <cstdio>
#include <future>
#include <thread>

namespace switchyard::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Echoes the body; "/stream" answers with three chunks; "/slow" waits 300 ms first; "/cookie"
// answers the request's cookie field.
std::atomic<int> closesSeen{0};
std::atomic<int> streamsEnded{0};    // "/stream" answers whose every write and end succeeded
std::atomic<int> bigSendsFailed{0};  // "/big" answers the server gave up on
constexpr std::size_t kBigAnswer = 8 << 20;  // more than a socket's send buffer takes at once

class EchoHandler final : public Handler {
 public:
  explicit EchoHandler(asio::io_context& ioc, std::atomic<int>& handled)
      : ioc_(ioc), handled_(handled) {}
  asio::awaitable<void> handle(Request& request, const RequestContext& context,
                               ResponseWriter& writer) override {
    ++handled_;
    const std::string target(request.target());
    if (target == "/stream") {
      bool ok = co_await writer.beginStream(200, "text/event-stream");
      for (int i = 0; i < 3; ++i)
        ok = co_await writer.write("data: " + std::to_string(i) + "\n\n") && ok;
      ok = co_await writer.endStream() && ok;
      if (ok) ++streamsEnded;
      co_return;
    }
    if (target == "/stream-first") {
      co_await writer.beginStream(200, "text/event-stream", {}, "data: first\n\n");
      co_await writer.write("data: second\n\n");
      co_await writer.endStream();
      co_return;
    }
    if (target == "/stream-last") {
      co_await writer.beginStream(200, "text/event-stream", {}, "data: first\n\n");
      co_await writer.endStream("data: last\n\n");
      co_return;
    }
    if (target == "/wait-for-close") {
      asio::steady_timer timer(ioc_, std::chrono::seconds(10));
      writer.onClientClose([&timer] { timer.cancel(); });
      auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted && writer.clientClosed()) ++closesSeen;
      co_return;
    }
    if (target == "/big") {  // under a 300 ms write timeout
      writer.setWriteTimeout(std::chrono::milliseconds(300));
      std::string body(kBigAnswer, 'x');
      body.back() = 'z';
      if (!co_await writer.send(200, "text/plain", std::move(body))) ++bigSendsFailed;
      co_return;
    }
    if (target == "/done-long-ago") {  // says its response was done an hour ago
      co_await writer.send(200, "text/plain", "done");
      writer.doneAt(std::chrono::steady_clock::now() - std::chrono::hours(1));
      co_return;
    }
    if (target == "/cookie") {
      co_await writer.send(200, "text/plain",
                           std::string(request[boost::beast::http::field::cookie]));
      co_return;
    }
    if (target == "/slow") {
      asio::steady_timer timer(ioc_, std::chrono::milliseconds(300));
      co_await timer.async_wait(asio::use_awaitable);
    }
    co_await writer.send(200, "text/plain", "echo:" + request.body());
  }
  void renderProtocolError(unsigned status, std::string_view message, std::string& body,
                           std::string& contentType) override {
    body = "error " + std::to_string(status) + ": " + std::string(message);
    contentType = "text/plain";
  }

 private:
  asio::io_context& ioc_;
  std::atomic<int>& handled_;
};

class ServerTest : public ::testing::Test {
 protected:
  void startServer(ServerOptions options = {}) {
    options.listen = tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
    options.workers = 2;
    server_ = std::make_unique<Server>(options, [this](asio::io_context& ioc) {
      return std::make_unique<EchoHandler>(ioc, handled_);
    });
    server_->start();
  }
  void TearDown() override {
    if (server_) {
      server_->stop();
      server_->join();
    }
  }

  // Sends raw bytes on one connection and reads until the server closes or `until` appears.
  std::string exchange(tcp::socket& socket, const std::string& bytes,
                       const std::string& until = "") {
    asio::write(socket, asio::buffer(bytes));
    std::string out;
    char buf[4096];
    for (;;) {
      boost::system::error_code ec;
      const auto n = socket.read_some(asio::buffer(buf), ec);
      out.append(buf, n);
      if (ec || (!until.empty() && out.find(until) != std::string::npos)) break;
    }
    return out;
  }
  // Whether the server closes `socket` (a read fails) within `limit`, with nothing sent to it.
  static bool closedByServerWithin(tcp::socket& socket, std::chrono::milliseconds limit) {
    const auto started = std::chrono::steady_clock::now();
    char c;
    boost::system::error_code ec;
    socket.read_some(asio::buffer(&c, 1), ec);
    return ec && std::chrono::steady_clock::now() - started < limit;
  }
  tcp::socket connect() {
    tcp::socket socket(client_);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()));
    return socket;
  }

  asio::io_context client_;
  std::atomic<int> handled_{0};
  std::unique_ptr<Server> server_;
};

TEST(PathOf, DropsTheQuery) {
  EXPECT_EQ(pathOf("/v1/chat/completions?x=1?y"), "/v1/chat/completions");
  EXPECT_EQ(pathOf("/healthz"), "/healthz");
  EXPECT_EQ(pathOf("?q"), "");
  EXPECT_EQ(pathOf(""), "");
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  startServer();
  auto socket = connect();
  for (int i = 0; i < 3; ++i) {
    const auto reply =
        exchange(socket, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi", "echo:hi");
    EXPECT_NE(reply.find("HTTP/1.1 200 OK"), std::string::npos);
    EXPECT_NE(reply.find("echo:hi"), std::string::npos);
  }
  EXPECT_EQ(handled_.load(), 3);
}

TEST_F(ServerTest, BodyOverLimitGets413WithoutReachingTheHandler) {
  ServerOptions options;
  options.limits->setBodyLimit(std::uint64_t{10});
  startServer(options);
  auto socket = connect();
  const auto reply =
      exchange(socket, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world");
  EXPECT_NE(reply.find("HTTP/1.1 413"), std::string::npos) << reply;
  EXPECT_NE(reply.find("error 413"), std::string::npos);
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(ServerTest, HeadersOverLimitGet431) {
  ServerOptions options;
  options.headerLimit = 1024;
  startServer(options);
  auto socket = connect();
  const auto reply = exchange(
      socket, "GET /x HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n");
  EXPECT_NE(reply.find("HTTP/1.1 431"), std::string::npos) << reply;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(ServerTest, MalformedRequestGets400) {
  startServer();
  auto socket = connect();
  const auto reply = exchange(socket, "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_NE(reply.find("HTTP/1.1 400"), std::string::npos) << reply;
}

TEST_F(ServerTest, ExpectContinueIsAnswered) {
  startServer();
  auto socket = connect();
  const auto interim = exchange(
      socket, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n",
      "100 Continue\r\n\r\n");
  EXPECT_NE(interim.find("HTTP/1.1 100 Continue"), std::string::npos);
  const auto reply = exchange(socket, "abc", "echo:abc");
  EXPECT_NE(reply.find("echo:abc"), std::string::npos);
}

TEST_F(ServerTest, StreamIsChunkedAndTheConnectionIsReusable) {
  startServer();
  auto socket = connect();
  const auto reply = exchange(socket, "GET /stream HTTP/1.1\r\nHost: a\r\n\r\n", "0\r\n\r\n");
  EXPECT_NE(reply.find("Transfer-Encoding: chunked"), std::string::npos) << reply;
  EXPECT_NE(reply.find("data: 2\n\n"), std::string::npos);
  const auto again =
      exchange(socket, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nz", "echo:z");
  EXPECT_NE(again.find("echo:z"), std::string::npos);
}

TEST_F(ServerTest, StreamHeadCarriesTheFirstChunk) {
  startServer();
  auto socket = connect();
  const auto reply = exchange(socket, "GET /stream-first HTTP/1.1\r\nHost: a\r\n\r\n", "0\r\n\r\n");
  const auto body = reply.substr(reply.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "d\r\ndata: first\n\n\r\ne\r\ndata: second\n\n\r\n0\r\n\r\n") << reply;
}

TEST_F(ServerTest, StreamEndCarriesTheLastChunk) {
  startServer();
  auto socket = connect();
  const auto reply = exchange(socket, "GET /stream-last HTTP/1.1\r\nHost: a\r\n\r\n", "0\r\n\r\n");
  const auto body = reply.substr(reply.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "d\r\ndata: first\n\n\r\nc\r\ndata: last\n\n\r\n0\r\n\r\n") << reply;
  const auto again =
      exchange(socket, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nz", "echo:z");
  EXPECT_NE(again.find("echo:z"), std::string::npos);
}

TEST_F(ServerTest, IdleConnectionIsClosedAfterTheIdleTimeout) {
  ServerOptions options;
  options.limits->setTimeouts(ClientTimeouts{.idle = std::chrono::milliseconds(100)});
  startServer(options);
  auto socket = connect();
  EXPECT_TRUE(closedByServerWithin(socket, std::chrono::seconds(5)));
}

TEST_F(ServerTest, RequestNotCompletedInTimeGets408) {
  ServerOptions options;
  options.limits->setTimeouts(ClientTimeouts{.requestReceived = std::chrono::milliseconds(150)});
  startServer(options);
  auto socket = connect();
  const auto started = std::chrono::steady_clock::now();
  const auto reply =
      exchange(socket, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhalf");
  EXPECT_NE(reply.find("HTTP/1.1 408"), std::string::npos) << reply;
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(140));
  EXPECT_EQ(handled_.load(), 0);
}

// The connection's one timer follows its deadline as it moves: requests spaced closer than the
// idle timeout keep the connection open for far longer than the timeout itself.
TEST_F(ServerTest, KeepAliveOutlivesTheIdleTimeoutWhileRequestsKeepComing) {
  ServerOptions options;
  options.limits->setTimeouts(ClientTimeouts{.idle = std::chrono::milliseconds(200)});
  startServer(options);
  auto socket = connect();
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
    const auto reply =
        exchange(socket, "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi", "echo:hi");
    ASSERT_NE(reply.find("echo:hi"), std::string::npos) << "request " << i << ": " << reply;
  }
  EXPECT_TRUE(closedByServerWithin(
      socket, std::chrono::seconds(2)));  // then idle: closed after the timeout
}

// The idle wait for the next request counts from when the handler said its response was done.
TEST_F(ServerTest, IdleTimeCountsFromTheHandlersDoneTime) {
  ServerOptions options;
  options.limits->setTimeouts(ClientTimeouts{.idle = std::chrono::seconds(30)});
  startServer(options);
  auto socket = connect();
  const auto reply = exchange(socket, "GET /done-long-ago HTTP/1.1\r\nHost: a\r\n\r\n", "done");
  ASSERT_NE(reply.find("done"), std::string::npos) << reply;
  EXPECT_TRUE(closedByServerWithin(socket, std::chrono::seconds(5)));
}

// An answer larger than the socket takes at once goes out whole, part at once and the rest as
// the client reads.
TEST_F(ServerTest, AnswerLargerThanTheSocketBufferArrivesWhole) {
  startServer();
  auto socket = connect();
  asio::write(socket, asio::buffer(std::string("GET /big HTTP/1.1\r\nHost: a\r\n\r\n")));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the socket fill up
  std::string out;
  std::vector<char> buf(1 << 16);
  std::size_t headEnd = std::string::npos;
  while (headEnd == std::string::npos || out.size() < headEnd + 4 + kBigAnswer) {
    boost::system::error_code ec;
    const auto n = socket.read_some(asio::buffer(buf), ec);
    out.append(buf.data(), n);
    if (headEnd == std::string::npos) headEnd = out.find("\r\n\r\n");
    if (ec) break;
  }
  ASSERT_NE(headEnd, std::string::npos);
  EXPECT_NE(out.find("Content-Length: " + std::to_string(kBigAnswer)), std::string::npos);
  ASSERT_EQ(out.size(), headEnd + 4 + kBigAnswer);
  EXPECT_EQ(out.back(), 'z');
  EXPECT_EQ(out.find_first_not_of('x', headEnd + 4), out.size() - 1);
  EXPECT_EQ(bigSendsFailed.load(), 0);
}

// A client that does not read its answer holds the connection no longer than the write timeout.
TEST_F(ServerTest, ClientThatDoesNotReadIsDroppedAfterTheWriteTimeout) {
  startServer();
  auto socket = connect();
  const int failedBefore = bigSendsFailed.load();
  asio::write(socket, asio::buffer(std::string("GET /big HTTP/1.1\r\nHost: a\r\n\r\n")));
  const auto started = std::chrono::steady_clock::now();
  while (bigSendsFailed.load() == failedBefore &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(5))
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(bigSendsFailed.load(), failedBefore + 1);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(250));
}

TEST_F(ServerTest, ResponseHeadIsHttp10AwareAndFramedByTheServer) {
  startServer();
  auto socket = connect();
  const auto reply =
      exchange(socket, "POST /x HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nhi",
               "echo:hi");
  EXPECT_EQ(reply.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("\r\nContent-Length: 7\r\n\r\necho:hi"), std::string::npos) << reply;
  const auto last = exchange(
      socket, "POST /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 1\r\n\r\nz");
  EXPECT_NE(last.find("\r\nConnection: close\r\n"), std::string::npos) << last;
}

TEST_F(ServerTest, StopLetsARequestInFlightFinish) {
  startServer();
  auto socket = connect();
  asio::write(
      socket,
      asio::buffer(std::string("POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nq")));
  while (handled_.load() == 0) std::this_thread::yield();  // the request is in the handler
  server_->stop(std::chrono::seconds(5));
  std::string reply;
  char buf[1024];
  for (;;) {
    boost::system::error_code ec;
    const auto n = socket.read_some(asio::buffer(buf), ec);
    reply.append(buf, n);
    if (ec) break;
  }
  server_->join();
  EXPECT_NE(reply.find("echo:q"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Connection: close"), std::string::npos) << reply;
}

TEST_F(ServerTest, HandlerLearnsAtOnceThatTheClientClosed) {
  startServer();
  const int before = closesSeen.load();
  {
    auto socket = connect();
    asio::write(socket,
                asio::buffer(std::string("GET /wait-for-close HTTP/1.1\r\nHost: a\r\n\r\n")));
    while (handled_.load() == 0) std::this_thread::yield();
  }  // the client closes its socket here
  const auto started = std::chrono::steady_clock::now();
  while (closesSeen.load() == before &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(5))
    std::this_thread::yield();
  EXPECT_EQ(closesSeen.load(), before + 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
}

TEST_F(ServerTest, WorkersShareOnePort) {
  startServer();
  for (int i = 0; i < 8; ++i) {
    auto socket = connect();
    const auto reply = exchange(
        socket, "POST /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 1\r\n\r\nk");
    EXPECT_NE(reply.find("echo:k"), std::string::npos);
  }
}

// What a shell command writes to stdout (and stderr, if it redirects it there).
std::string outputOf(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buf[4096];
    while (const auto n = std::fread(buf, 1, sizeof buf, pipe)) out.append(buf, n);
    ::pclose(pipe);
  }
  return out;
}

// HTTP/2 with prior knowledge, through curl (a client that is not ours). Returns curl's output:
// the body, then a last line "<http_version> <status>". `input`: a shell command piped to curl.
std::string curlHttp2(const std::string& args, const std::string& input = "") {
  return outputOf((input.empty() ? "" : input + " | ") +
                  "curl -sS --max-time 10 --http2-prior-knowledge -w '\\n%{http_version} "
                  "%{http_code}' " +
                  args + " 2>&1");
}

TEST_F(ServerTest, Http2PriorKnowledgeServesRequestsAndStreams) {
  startServer();
  const std::string base = "http://127.0.0.1:" + std::to_string(server_->port());
  EXPECT_EQ(curlHttp2("--data hi " + base + "/x"), "echo:hi\n2 200");
  EXPECT_EQ(curlHttp2(base + "/stream"), "data: 0\n\ndata: 1\n\ndata: 2\n\n\n2 200");
  EXPECT_EQ(curlHttp2(base + "/stream-first"), "data: first\n\ndata: second\n\n\n2 200");
  EXPECT_EQ(curlHttp2(base + "/stream-last"), "data: first\n\ndata: last\n\n\n2 200");
}

TEST_F(ServerTest, Http2LimitsMatchHttp11) {
  ServerOptions options;
  options.headerLimit = 1024;
  options.limits->setBodyLimit(std::uint64_t{16});
  startServer(options);
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/x";
  EXPECT_EQ(curlHttp2("--data 0123456789abcdefXYZ " + url),
            "error 413: request body exceeds the limit of 16 bytes\n2 413");
  EXPECT_EQ(curlHttp2("-H 'x-big: " + std::string(2000, 'b') + "' " + url),
            "error 431: request headers exceed the limit of 1024 bytes\n2 431");
  EXPECT_EQ(curlHttp2("--data ok " + url), "echo:ok\n2 200");
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(ServerTest, Http2StreamWhoseBodyNeverEndsGets408) {
  ServerOptions options;
  options.limits->setTimeouts(ClientTimeouts{.requestReceived = std::chrono::milliseconds(200)});
  startServer(options);
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/x";
  // An upload from a pipe that stays open for a second.
  const auto out = curlHttp2("-T - " + url, "sleep 1");
  EXPECT_NE(out.find("error 408: request not received in time\n2 408"), std::string::npos) << out;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(ServerTest, Http2StopLetsAStreamInFlightFinish) {
  startServer();
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/slow";
  auto reply = std::async(std::launch::async, [&] { return curlHttp2("--data q " + url); });
  while (handled_.load() == 0) std::this_thread::yield();  // the request is in the handler
  server_->stop(std::chrono::seconds(5));
  EXPECT_EQ(reply.get(), "echo:q\n2 200");
  server_->join();
}

TEST_F(ServerTest, Http2HandlerLearnsThatTheClientWentAway) {
  startServer();
  const int before = closesSeen.load();
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/wait-for-close";
  curlHttp2("--max-time 0.3 " + url);  // gives up: closes the connection
  const auto started = std::chrono::steady_clock::now();
  while (closesSeen.load() == before &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(5))
    std::this_thread::yield();
  EXPECT_EQ(closesSeen.load(), before + 1);
}

// Beast waits for the end of a chunk's size line and of the trailer section without bound; the
// server refuses either once it is longer than a head may be.
TEST_F(ServerTest, ChunkExtensionLongerThanTheHeaderLimitIsRefused) {
  ServerOptions options;
  options.headerLimit = 1024;
  startServer(options);
  auto socket = connect();
  const auto reply = exchange(socket,
                              "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "2;" +
                                  std::string(4096, 'e'));
  EXPECT_EQ(reply.rfind("HTTP/1.1 400 ", 0), 0u) << reply;
  EXPECT_NE(reply.find("chunk extension or the trailer section exceeds the limit of 1024 bytes"),
            std::string::npos)
      << reply;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(ServerTest, TrailerSectionLongerThanTheHeaderLimitIsRefused) {
  ServerOptions options;
  options.headerLimit = 1024;
  startServer(options);
  auto socket = connect();
  std::string trailers;
  for (int i = 0; i < 100; ++i)
    trailers += "x-t" + std::to_string(i) + ": " + std::string(30, 't') + "\r\n";
  const auto reply = exchange(
      socket, "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n" +
                  trailers);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400 ", 0), 0u) << reply;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(ServerTest, ChunkExtensionsCountTowardTheBodyLimit) {
  ServerOptions options;
  options.limits->setBodyLimit(std::uint64_t{100});
  startServer(options);
  auto socket = connect();
  std::string chunks;
  for (int i = 0; i < 10; ++i) chunks += "1;" + std::string(20, 'e') + "\r\nx\r\n";
  const auto reply = exchange(
      socket, "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks);
  EXPECT_EQ(reply.rfind("HTTP/1.1 413 ", 0), 0u) << reply;
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(ServerTest, TrailersCountTowardTheHeaderCount) {
  startServer();
  auto socket = connect();
  std::string trailers;
  for (int i = 0; i < 60; ++i) trailers += "x-t" + std::to_string(i) + ": v\r\n";
  std::string fields;
  for (int i = 0; i < 50; ++i) fields += "x-h" + std::to_string(i) + ": v\r\n";
  const auto reply =
      exchange(socket, "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n" + fields +
                           "\r\n2\r\nhi\r\n0\r\n" + trailers + "\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 431 ", 0), 0u) << reply;
  EXPECT_EQ(handled_.load(), 0);
}

// A client that sends its head a byte at a time is cut off by the header timeout, not the (long)
// idle or request timeouts.
TEST_F(ServerTest, SlowHeadGets408AfterTheHeaderTimeout) {
  ServerOptions options;
  options.headerTimeout = std::chrono::milliseconds(300);
  startServer(options);
  auto socket = connect();
  const auto started = std::chrono::steady_clock::now();
  const std::string head = "GET /x HTTP/1.1\r\nHost: a\r\n";
  for (char c : head) {
    boost::system::error_code ec;
    asio::write(socket, asio::buffer(&c, 1), ec);
    if (ec) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (socket.available() > 0) break;  // answered: a write now would draw a reset
  }
  std::string reply;
  char buf[4096];
  boost::system::error_code ec;
  while (!ec) reply.append(buf, socket.read_some(asio::buffer(buf), ec));
  EXPECT_EQ(reply.rfind("HTTP/1.1 408 ", 0), 0u) << reply;
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, std::chrono::milliseconds(290));
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

TEST_F(ServerTest, HeadAnswerHasNoBodyAndKeepsTheConnectionInStep) {
  startServer();
  auto socket = connect();
  const auto reply = exchange(socket,
                              "HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n"
                              "HEAD /stream HTTP/1.1\r\nHost: a\r\n\r\n"
                              "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi",
                              "echo:hi");
  EXPECT_EQ(reply.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << reply;
  EXPECT_NE(reply.find("Content-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\n"), std::string::npos) << reply;
  EXPECT_NE(reply.find("Transfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\n"), std::string::npos)
      << reply;
  EXPECT_EQ(reply.substr(reply.size() - 11), "\r\n\r\necho:hi") << reply;
}

TEST_F(ServerTest, StreamToAnHttp10ClientEndsWithTheConnection) {
  startServer();
  auto socket = connect();
  const auto reply = exchange(socket, "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  const auto body = reply.substr(reply.find("\r\n\r\n") + 4);
  EXPECT_EQ(body, "data: 0\n\ndata: 1\n\ndata: 2\n\n") << reply;
  EXPECT_EQ(reply.find("Transfer-Encoding"), std::string::npos) << reply;
  auto other = connect();
  const auto last = exchange(other, "GET /stream-last HTTP/1.0\r\n\r\n");
  EXPECT_EQ(last.substr(last.find("\r\n\r\n") + 4), "data: first\n\ndata: last\n\n") << last;
  EXPECT_EQ(reply.find("Content-Length"), std::string::npos) << reply;
  EXPECT_EQ(reply.find("keep-alive"), std::string::npos) << reply;
}

TEST_F(ServerTest, RefusalsFromTheHeadRules) {
  startServer();
  const std::pair<std::string, std::string> cases[] = {
      {"GET /x HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "},
      {"POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nGET /x HTTP/1.1\r\nHost: "
       "a\r\n\r\n",
       "HTTP/1.1 400 "},
      {"POST /x HTTP/1.1\r\nHost: a\r\nExpect: nothing\r\nContent-Length: 1\r\n\r\n",
       "HTTP/1.1 417 "},
  };
  for (const auto& [request, status] : cases) {
    auto socket = connect();
    const auto reply = exchange(socket, request);
    EXPECT_EQ(reply.rfind(status, 0), 0u) << reply;
    EXPECT_EQ(reply.find("\nHTTP/1.1"), std::string::npos) << "one answer only: " << reply;
  }
  auto socket = connect();
  const auto reply = exchange(
      socket, "POST http://h/x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi", "echo:hi");
  EXPECT_NE(reply.find("echo:hi"), std::string::npos) << reply;
  EXPECT_EQ(handled_.load(), 1);
}

TEST_F(ServerTest, Http2MoreThan100HeaderFieldsGet431) {
  startServer();
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/x";
  std::string flags;
  for (int i = 0; i < 101; ++i) flags += "-H 'x-h" + std::to_string(i) + ": v' ";
  EXPECT_EQ(curlHttp2(flags + url), "error 431: request has more than 100 header fields\n2 431");
  EXPECT_EQ(handled_.load(), 0);
}

TEST_F(ServerTest, Http2HeadAnswerHasNoData) {
  startServer();
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/x";
  const auto out = curlHttp2("-I " + url);
  EXPECT_NE(out.find("content-length: 5\r\n"), std::string::npos) << out;
  EXPECT_EQ(out.substr(out.size() - 6), "\n2 200") << out;
  EXPECT_EQ(out.find("error"), std::string::npos) << out;
}

// nghttp (nghttp2's client) prints the frames it receives with -v (and the body, without -n).
std::string nghttp(const std::string& args) {
  return outputOf("nghttp -v -t 10 " + args + " 2>&1");
}

// As over HTTP/1.1, a streamed answer to HEAD is its head alone: HEADERS with END_STREAM, no
// DATA, and the handler's writes and end succeed (dropped), so it finishes as for GET.
TEST_F(ServerTest, Http2HeadOnAStreamIsTheHeadAlone) {
  startServer();
  const int before = streamsEnded.load();
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/stream";
  const auto out = nghttp("-n -H ':method: HEAD' " + url);
  const auto head = out.find("recv HEADERS frame <");
  ASSERT_NE(head, std::string::npos) << out;
  EXPECT_EQ(out.substr(out.find("flags=", head), 10), "flags=0x05") << "END_STREAM | END_HEADERS";
  EXPECT_NE(out.find("content-type: text/event-stream"), std::string::npos) << out;
  EXPECT_EQ(out.find("recv DATA frame"), std::string::npos) << out;
  EXPECT_EQ(out.find("RST_STREAM"), std::string::npos) << out;
  // The handler ends just after its last frame went out, maybe after the client is gone.
  const auto started = std::chrono::steady_clock::now();
  while (streamsEnded.load() == before &&
         std::chrono::steady_clock::now() - started < std::chrono::seconds(5))
    std::this_thread::yield();
  EXPECT_EQ(streamsEnded.load(), before + 1);
}

// RFC 9113 §8.2.3: cookie may come as several fields; the handler sees them joined with "; ".
TEST_F(ServerTest, Http2CookieFieldsAreJoined) {
  startServer();
  const std::string url = "http://127.0.0.1:" + std::to_string(server_->port()) + "/cookie";
  const auto out = nghttp("-H 'cookie: a=1' -H 'x-other: y' -H 'cookie: b=2; c=3' " + url);
  EXPECT_NE(out.find("\na=1; b=2; c=3"), std::string::npos) << out;
}

}  // namespace
}  // namespace switchyard::http
