// The upstream client over HTTP/2: against nghttpd (Debian's nghttp2-server, a server that is not
// ours) for what it does on its own, and against a scripted nghttp2 server for the faults nghttpd
// cannot be asked for (refused and reset streams, GOAWAY, hangs, unanswered PINGs). Real sockets,
// real TLS with ALPN.

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator/pki.hpp"
#include "h2_test_server.hpp"
#include "net/dns_cache.hpp"
#include "net/upstream_client.hpp"
#include "nghttpd.hpp"
#include "run_awaitable.hpp"
#include "test_server.hpp"

namespace switchyard::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using core::ErrorKind;
using testing::H2ServerAction;
using testing::H2ServerRequest;
using testing::H2TestServer;
using testing::Nghttpd;
using testing::patternBody;

constexpr const char* kServerName = "upstream.test";

#define REQUIRE_NGHTTPD()                                              \
  if (!Nghttpd::binary())                                              \
  GTEST_SKIP() << "nghttpd is not installed (Debian: nghttp2-server; " \
                  "scripts/setup.sh installs it)"

class UpstreamHttp2Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new emulator::PemCertificate(emulator::makeCertificateAuthority("Switchyard Test CA"));
    serverCert_ = new emulator::PemCertificate(
        emulator::makeServerCertificate(*ca_, kServerName, {kServerName}, {"127.0.0.1"}));
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete serverCert_;
  }

  void SetUp() override { makeClient(); }

  void makeClient(UpstreamClientOptions options = {}) {
    client_ = std::make_unique<UpstreamClient>(ioc_.get_executor(), dns_, options);
  }

  static UpstreamTarget target(std::uint16_t port) {
    return UpstreamTarget{"127.0.0.1", port, TlsSettings{kServerName, ca_->certPem}, ""};
  }
  static core::OutboundRequest get(std::string path) {
    core::OutboundRequest request;
    request.method = "GET";
    request.target = std::move(path);
    return request;
  }
  static core::OutboundRequest post(std::string path, std::string body) {
    core::OutboundRequest request;
    request.target = std::move(path);
    request.headers.push_back({"Content-Type", "text/plain"});
    request.headers.push_back({"X-Request-Id", "r-1"});
    request.body = std::move(body);
    return request;
  }

  core::Result<core::InboundResponse> send(const UpstreamTarget& to,
                                           const core::OutboundRequest& request,
                                           std::chrono::milliseconds timeout = 10s) {
    return testing::runUntilComplete(ioc_, client_->send(to, request, timeout));
  }

  core::Result<UpstreamStream> open(const UpstreamTarget& to, const core::OutboundRequest& request,
                                    std::chrono::milliseconds timeout = 10s) {
    return testing::runUntilComplete(ioc_, client_->openStream(to, request, timeout));
  }

  core::Result<std::optional<std::string_view>> next(UpstreamStream& stream,
                                                     std::chrono::milliseconds idle = 10s) {
    return testing::runUntilComplete(ioc_, stream.next(idle));
  }

  // The rest of the body, or the error that ended it; `pieces` counts the next() calls that gave
  // bytes.
  core::Result<std::string> readAll(UpstreamStream& stream, int* pieces = nullptr) {
    std::string body;
    for (;;) {
      auto piece = next(stream);
      if (!piece) return piece.error();
      if (!*piece) {
        EXPECT_TRUE(stream.atEnd());  // the end was reported: nothing is left to wait for
        return body;
      }
      body += **piece;
      if (pieces) ++*pieces;
    }
  }

  // All at once on the client's thread, as a worker's requests are.
  std::vector<core::Result<core::InboundResponse>> sendAll(
      const UpstreamTarget& to, const std::vector<core::OutboundRequest>& requests,
      std::chrono::milliseconds timeout = 20s) {
    std::vector<std::optional<core::Result<core::InboundResponse>>> results(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      asio::co_spawn(
          ioc_,
          [](UpstreamClient& client, UpstreamTarget to, const core::OutboundRequest& request,
             std::chrono::milliseconds timeout,
             std::optional<core::Result<core::InboundResponse>>& out) -> asio::awaitable<void> {
            out.emplace(co_await client.send(to, request, timeout));
          }(*client_, to, requests[i], timeout, results[i]),
          asio::detached);
    }
    ioc_.restart();
    ioc_.run();
    std::vector<core::Result<core::InboundResponse>> out;
    for (auto& result : results) {
      if (!result) throw std::logic_error("a request did not complete");
      out.push_back(std::move(*result));
    }
    return out;
  }

  // Runs the client's io_context until `done` or `limit`; also when it has nothing to do (the
  // other side is another process or thread).
  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 10s) {
    const auto giveUp = std::chrono::steady_clock::now() + limit;
    ioc_.restart();
    while (!done()) {
      if (std::chrono::steady_clock::now() >= giveUp) return false;
      if (ioc_.run_for(5ms) == 0) std::this_thread::sleep_for(5ms);
      ioc_.restart();
    }
    return true;
  }

  static inline emulator::PemCertificate* ca_ = nullptr;
  static inline emulator::PemCertificate* serverCert_ = nullptr;

  asio::io_context ioc_;
  std::shared_ptr<DnsCache> dns_ = std::make_shared<DnsCache>();
  std::unique_ptr<UpstreamClient> client_;
};

// --- nghttpd ---------------------------------------------------------------------------------

TEST_F(UpstreamHttp2Test, ManyConcurrentStreamsShareOneConnection) {
  REQUIRE_NGHTTPD();
  Nghttpd server(*serverCert_, {});
  server.serve("hello.txt", "hello over h2");
  std::vector<core::OutboundRequest> requests;
  for (int i = 0; i < 40; ++i) requests.push_back(post("/echo", "body " + std::to_string(i)));
  for (int i = 0; i < 10; ++i) requests.push_back(get("/hello.txt"));

  auto responses = sendAll(target(server.port()), requests);
  for (std::size_t i = 0; i < responses.size(); ++i) {
    ASSERT_TRUE(responses[i]) << i << ": " << responses[i].error().message;
    EXPECT_EQ(responses[i]->status, 200u);
    EXPECT_EQ(responses[i]->body, i < 40 ? "body " + std::to_string(i) : "hello over h2");
  }
  const auto& stats = client_->stats();
  EXPECT_EQ(stats.tlsHandshakes, 1u);  // one TLS connection carried all fifty
  EXPECT_EQ(stats.h2Connections, 1u);
  EXPECT_EQ(stats.h2Streams, 50u);
  EXPECT_EQ(stats.h2Retries, 0u);
  EXPECT_EQ(stats.http1Fallbacks, 0u);
  EXPECT_EQ(client_->http2Connections(), 1u);
  EXPECT_EQ(client_->idleConnections(), 1u);
  EXPECT_EQ(server.countLines({"recv HEADERS frame"}), 50);
}

TEST_F(UpstreamHttp2Test, MaxConcurrentStreamsReachedOpensMoreConnections) {
  REQUIRE_NGHTTPD();
  Nghttpd server(*serverCert_, {.maxConcurrentStreams = 2});
  const std::string big = patternBody(4 << 20);  // more than a stream window: streams stay open
  server.serve("big.bin", big);
  server.serve("small.bin", patternBody(100'000));

  // Six open streams, two per connection as the server allows: three connections.
  std::vector<UpstreamStream> streams;
  for (int i = 0; i < 6; ++i) {
    auto stream = open(target(server.port()), get("/big.bin"));
    ASSERT_TRUE(stream) << i << ": " << stream.error().message;
    EXPECT_EQ(stream->status(), 200u);
    streams.push_back(std::move(*stream));
  }
  EXPECT_EQ(client_->http2Connections(), 3u);
  EXPECT_EQ(client_->stats().h2Connections, 3u);
  for (auto& stream : streams) {
    auto body = readAll(stream);
    ASSERT_TRUE(body) << body.error().message;
    EXPECT_TRUE(*body == big);
  }
  streams.clear();

  // Thirty at once on connections that take two each: all answered, none refused (the client
  // never asks a connection for more than it allows).
  std::vector<core::OutboundRequest> requests(30, get("/small.bin"));
  auto responses = sendAll(target(server.port()), requests);
  for (auto& response : responses) {
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body.size(), 100'000u);
  }
  EXPECT_EQ(client_->stats().h2Retries, 0u);
  EXPECT_EQ(client_->stats().h2Resets, 0u);
  EXPECT_GE(client_->http2Connections(), 3u);
}

TEST_F(UpstreamHttp2Test, StreamedBodyIsReadPieceByPiece) {
  REQUIRE_NGHTTPD();
  Nghttpd server(*serverCert_, {});
  const std::string body = patternBody(3 << 20);
  server.serve("stream.bin", body);
  auto stream = open(target(server.port()), get("/stream.bin"));
  ASSERT_TRUE(stream) << stream.error().message;
  EXPECT_EQ(stream->status(), 200u);
  EXPECT_EQ(stream->header("content-length"), std::to_string(body.size()));
  int pieces = 0;
  auto received = readAll(*stream, &pieces);
  ASSERT_TRUE(received) << received.error().message;
  EXPECT_TRUE(*received == body);
  EXPECT_GT(pieces, 3);  // never more than a stream window at once
  // The connection stays for the next request.
  auto again = send(target(server.port()), get("/stream.bin"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(again->body == body);
  EXPECT_EQ(client_->stats().tlsHandshakes, 1u);
}

TEST_F(UpstreamHttp2Test, LargeUploadIsSentUnderFlowControl) {
  REQUIRE_NGHTTPD();
  Nghttpd server(*serverCert_, {});
  const std::string body = patternBody(1 << 20);  // sixteen times nghttpd's initial window
  auto response = send(target(server.port()), post("/upload", body));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_TRUE(response->body == body);
}

TEST_F(UpstreamHttp2Test, CancelResetsTheStreamAndKeepsTheConnection) {
  REQUIRE_NGHTTPD();
  Nghttpd server(*serverCert_, {});
  server.serve("long.bin", patternBody(8 << 20));
  server.serve("hello.txt", "still here");
  auto stream = open(target(server.port()), get("/long.bin"));
  ASSERT_TRUE(stream) << stream.error().message;
  auto first = next(*stream);
  ASSERT_TRUE(first && *first) << (first ? "end" : first.error().message);

  EXPECT_FALSE(stream->atEnd());  // 8 MiB: more to come
  stream->cancel();               // the client went away
  EXPECT_FALSE(stream->atEnd());  // cut short: an error, not an end
  auto after = next(*stream);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().kind, ErrorKind::UpstreamReset);
  ASSERT_TRUE(runUntil([&] { return server.countLines({"recv RST_STREAM frame"}) == 1; }))
      << server.log();
  EXPECT_NE(server.log().find("error_code=CANCEL"), std::string::npos);

  // Dropping a stream unread resets it too.
  {
    auto dropped = open(target(server.port()), get("/long.bin"));
    ASSERT_TRUE(dropped) << dropped.error().message;
  }
  ASSERT_TRUE(runUntil([&] { return server.countLines({"recv RST_STREAM frame"}) == 2; }));

  auto response = send(target(server.port()), get("/hello.txt"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "still here");
  EXPECT_EQ(client_->stats().tlsHandshakes, 1u);  // the connection outlived its streams
}

TEST_F(UpstreamHttp2Test, ReaderThatStopsHoldsAtMostOneStreamWindow) {
  REQUIRE_NGHTTPD();
  UpstreamClientOptions options;
  options.h2StreamWindow = 256 * 1024;
  makeClient(options);
  Nghttpd server(*serverCert_, {});
  const std::string body = patternBody(8 << 20);
  server.serve("flood.bin", body);
  auto stream = open(target(server.port()), get("/flood.bin"));
  ASSERT_TRUE(stream) << stream.error().message;

  // Nobody reads: the server sends what the window allows, then waits.
  std::uint64_t sent = 0;
  auto steadySince = std::chrono::steady_clock::now();
  ASSERT_TRUE(runUntil([&] {
    const std::uint64_t now = server.dataSent(1);
    if (now != sent) {
      sent = now;
      steadySince = std::chrono::steady_clock::now();
    }
    return sent > 0 && std::chrono::steady_clock::now() - steadySince > 300ms;
  }));
  EXPECT_LE(sent, options.h2StreamWindow);
  EXPECT_GE(sent, options.h2StreamWindow / 2);

  // Reading lets it go on, to the last byte.
  auto received = readAll(*stream);
  ASSERT_TRUE(received) << received.error().message;
  EXPECT_TRUE(*received == body);
  EXPECT_EQ(server.dataSent(1), body.size());
}

// --- a server offering only HTTP/1.1 ---------------------------------------------------------

TEST_F(UpstreamHttp2Test, ServerWithoutH2GetsHttp1) {
  testing::TestServer server(
      [](const testing::ServerRequest& request, const testing::ServerConnectionInfo& info) {
        if (request.target() != "/sse") return testing::TestServer::echo(request, info);
        auto action = testing::ServerAction::of(testing::ServerAction::Kind::Chunked);
        action.chunks = {"data: 1\n\n", "data: 2\n\n"};
        return action;
      },
      *serverCert_);
  for (int i = 0; i < 3; ++i) {
    auto response = send(target(server.port()), post("/echo", "one " + std::to_string(i)));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body, "echo:one " + std::to_string(i));
  }
  auto stream = open(target(server.port()), get("/sse"));
  ASSERT_TRUE(stream) << stream.error().message;
  auto body = readAll(*stream);
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, "data: 1\n\ndata: 2\n\n");
  const auto& stats = client_->stats();
  EXPECT_EQ(stats.http1Fallbacks, 1u);
  EXPECT_EQ(stats.h2Connections, 0u);
  EXPECT_EQ(stats.h2Streams, 0u);
  EXPECT_EQ(server.connections(), 1);  // an HTTP/1.1 keep-alive connection, pooled as before
  EXPECT_EQ(client_->http2Connections(), 0u);
}

// --- scripted faults -------------------------------------------------------------------------

TEST_F(UpstreamHttp2Test, GoAwayMidLoadLosesNoRequest) {
  // The first connection processes five requests, then says GOAWAY: every later stream on it was
  // not processed, and goes again on a new connection.
  H2TestServer server(
      [](const H2ServerRequest& request) {
        auto action = H2TestServer::echo(request);
        action.goAwayAfter = request.connection == 0 && request.index == 4;
        return action;
      },
      *serverCert_);
  std::vector<core::OutboundRequest> requests;
  for (int i = 0; i < 30; ++i) requests.push_back(post("/load", std::to_string(i)));
  auto responses = sendAll(target(server.port()), requests);
  for (std::size_t i = 0; i < responses.size(); ++i) {
    ASSERT_TRUE(responses[i]) << i << ": " << responses[i].error().message;
    EXPECT_EQ(responses[i]->body, "echo:POST /load " + std::to_string(i));
  }
  EXPECT_EQ(server.requests(), 30);  // each processed exactly once
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(client_->stats().h2Retries, 25u);
  EXPECT_EQ(client_->stats().h2GoAways, 1u);
}

TEST_F(UpstreamHttp2Test, RefusedStreamIsSentAgainOnce) {
  H2TestServer server(
      [](const H2ServerRequest& request) {
        if (request.connection == 0 && request.index == 0)
          return H2ServerAction::of(H2ServerAction::Kind::Refuse);
        return H2TestServer::echo(request);
      },
      *serverCert_);
  auto response = send(target(server.port()), post("/x", "again"));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->body, "echo:POST /x again");
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(client_->stats().h2Retries, 1u);
}

TEST_F(UpstreamHttp2Test, EachWayAStreamEndsHasItsOwnMessage) {
  auto failure = [&](H2ServerAction::Kind kind, int expectedRequests) {
    H2TestServer server([kind](const H2ServerRequest&) { return H2ServerAction::of(kind); },
                        *serverCert_);
    makeClient();
    auto response = send(target(server.port()), post("/x", "body"));
    EXPECT_EQ(server.requests(), expectedRequests);
    return response ? core::Error() : response.error();
  };
  const auto refused = failure(H2ServerAction::Kind::Refuse, 2);  // sent twice: safe
  EXPECT_EQ(refused.kind, ErrorKind::UpstreamReset);
  EXPECT_NE(refused.message.find("HTTP/2 stream refused by 127.0.0.1:"), std::string::npos)
      << refused.message;
  EXPECT_NE(refused.message.find("(REFUSED_STREAM): request not processed"), std::string::npos);
  EXPECT_TRUE(refused.refusedStream);  // what the refused-stream retry trigger selects

  // A GOAWAY on every connection: sent again as long as the next connection may take it (8 more).
  const auto goneAway = failure(H2ServerAction::Kind::GoAway, 9);
  EXPECT_EQ(goneAway.kind, ErrorKind::UpstreamReset);
  EXPECT_NE(goneAway.message.find("going away (GOAWAY NO_ERROR, last stream 0): request not "
                                  "processed"),
            std::string::npos)
      << goneAway.message;
  EXPECT_EQ(client_->stats().h2Retries, 8u);
  // nghttp2 closes a stream above the GOAWAY's last one with REFUSED_STREAM, as Envoy sees it too.
  EXPECT_TRUE(goneAway.refusedStream);

  const auto reset = failure(H2ServerAction::Kind::Reset, 1);  // processed maybe: not sent again
  EXPECT_EQ(reset.kind, ErrorKind::UpstreamReset);
  EXPECT_NE(reset.message.find("HTTP/2 stream reset by 127.0.0.1:"), std::string::npos)
      << reset.message;
  EXPECT_NE(reset.message.find("(RST_STREAM INTERNAL_ERROR) before a complete response"),
            std::string::npos);
  EXPECT_EQ(client_->stats().h2Retries, 0u);
  EXPECT_EQ(client_->stats().h2Resets, 1u);
  EXPECT_FALSE(reset.refusedStream);
}

TEST_F(UpstreamHttp2Test, GoAwayWithErrorMidBodyIsReset) {
  H2TestServer server(
      [](const H2ServerRequest&) {
        H2ServerAction action = H2ServerAction::respond("data: first\n\n");
        action.goAwayErrorMidBody = true;
        return action;
      },
      *serverCert_);
  auto stream = open(target(server.port()), get("/sse"));
  ASSERT_TRUE(stream) << stream.error().message;
  auto first = next(*stream);
  ASSERT_TRUE(first && *first) << (first ? "end" : first.error().message);
  EXPECT_EQ(**first, "data: first\n\n");
  auto second = next(*stream);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind, ErrorKind::UpstreamReset);
  EXPECT_NE(second.error().message.find("ended by GOAWAY (INTERNAL_ERROR) before a complete "
                                        "response"),
            std::string::npos)
      << second.error().message;
}

TEST_F(UpstreamHttp2Test, PiecesComeAsTheUpstreamSentThemThenTheReset) {
  // Three events and a RST_STREAM, all in one read: the reader still gets the events one by one
  // (a translator relays the good ones before it meets the failure), then the reset.
  H2TestServer server(
      [](const H2ServerRequest&) {
        H2ServerAction action;
        action.chunks = {"data: 1\n\n", "data: 2\n\n", "data: 3\n\n"};
        action.resetAfterChunks = true;
        return action;
      },
      *serverCert_);
  auto stream = open(target(server.port()), get("/sse"));
  ASSERT_TRUE(stream) << stream.error().message;
  for (const char* expected : {"data: 1\n\n", "data: 2\n\n", "data: 3\n\n"}) {
    auto piece = next(*stream);
    ASSERT_TRUE(piece && *piece) << (piece ? "end" : piece.error().message);
    EXPECT_EQ(**piece, expected);
  }
  auto end = next(*stream);
  ASSERT_FALSE(end);
  EXPECT_EQ(end.error().kind, ErrorKind::UpstreamReset);
  EXPECT_NE(end.error().message.find("RST_STREAM INTERNAL_ERROR"), std::string::npos)
      << end.error().message;
}

TEST_F(UpstreamHttp2Test, DeadlineResetsOnlyItsStream) {
  H2TestServer server(
      [](const H2ServerRequest& request) {
        if (request.path == "/hang") return H2ServerAction::of(H2ServerAction::Kind::Hang);
        if (request.path == "/sse") {
          H2ServerAction action = H2ServerAction::respond("data: 1\n\n");
          action.hangAfterChunks = true;
          return action;
        }
        return H2TestServer::echo(request);
      },
      *serverCert_);
  auto hung = send(target(server.port()), get("/hang"), 200ms);
  ASSERT_FALSE(hung);
  EXPECT_EQ(hung.error().kind, ErrorKind::UpstreamTimeout) << hung.error().message;
  EXPECT_EQ(client_->stats().timeouts, 1u);

  auto stream = open(target(server.port()), get("/sse"));
  ASSERT_TRUE(stream) << stream.error().message;
  auto first = next(*stream);
  ASSERT_TRUE(first && *first);
  auto idle = next(*stream, 200ms);
  ASSERT_FALSE(idle);
  EXPECT_EQ(idle.error().kind, ErrorKind::UpstreamTimeout) << idle.error().message;

  auto fine = send(target(server.port()), get("/ok"));
  ASSERT_TRUE(fine) << fine.error().message;
  EXPECT_EQ(fine->body, "echo:GET /ok ");
  EXPECT_EQ(server.connections(), 1);  // the timeouts cost their streams, not the connection
  EXPECT_EQ(server.resets(), (std::vector<std::uint32_t>{NGHTTP2_CANCEL, NGHTTP2_CANCEL}));
}

TEST_F(UpstreamHttp2Test, ErrorBodyOverItsLimitIsCutAndOnlyItsStreamReset) {
  UpstreamClientOptions options;
  options.errorBodyLimit = 1024;
  makeClient(options);
  H2TestServer server(
      [](const H2ServerRequest& request) {
        if (request.path != "/fail") return H2TestServer::echo(request);
        H2ServerAction action = H2ServerAction::respond(std::string(4096, 'x'), 503);
        action.chunks.push_back(std::string(4096, 'y'));
        action.hangAfterChunks = true;  // an error body that does not end
        return action;
      },
      *serverCert_);
  auto failed = send(target(server.port()), get("/fail"), 2s);
  ASSERT_TRUE(failed) << failed.error().message;
  EXPECT_EQ(failed->status, 503u);
  EXPECT_EQ(failed->body, std::string(1024, 'x'));
  auto fine = send(target(server.port()), get("/ok"));
  ASSERT_TRUE(fine) << fine.error().message;
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(server.resets(), (std::vector<std::uint32_t>{NGHTTP2_CANCEL}));
}

// A unary body is reserved from the Content-Length announced, but only up to what the call keeps:
// an announced length far beyond the limits allocates nothing of it.
TEST_F(UpstreamHttp2Test, AnnouncedLengthIsKeptOnlyUpToTheLimits) {
  UpstreamClientOptions options;
  options.bodyLimit = 4096;
  options.errorBodyLimit = 1024;
  makeClient(options);
  H2TestServer server(
      [](const H2ServerRequest& request) {
        H2ServerAction action;
        if (request.path == "/whole") {
          action.chunks = {std::string(3000, 'a'), std::string(2000, 'b')};
          action.contentLength = "5000";
          action.status = 503;  // an error body: cut at its own limit
          return action;
        }
        if (request.path == "/exact") {
          action.chunks = {std::string(1000, 'a'), std::string(2000, 'b')};
          action.contentLength = "3000";
          return action;
        }
        // Announces a petabyte, sends more than the body limit, and never ends.
        action.chunks = {std::string(3000, 'c'), std::string(3000, 'd')};
        action.contentLength = "1000000000000000";
        action.hangAfterChunks = true;
        return action;
      },
      *serverCert_);
  auto exact = send(target(server.port()), get("/exact"));
  ASSERT_TRUE(exact) << exact.error().message;
  EXPECT_EQ(exact->body, std::string(1000, 'a') + std::string(2000, 'b'));

  auto huge = send(target(server.port()), get("/huge"), 5s);
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().kind, ErrorKind::UpstreamBadResponse) << huge.error().message;
  EXPECT_NE(huge.error().message.find("exceeds 4096 bytes"), std::string::npos)
      << huge.error().message;

  auto cut = send(target(server.port()), get("/whole"));
  ASSERT_TRUE(cut) << cut.error().message;
  EXPECT_EQ(cut->status, 503u);
  EXPECT_EQ(cut->body, std::string(1024, 'a'));
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(UpstreamHttp2Test, CancelResetsAUnaryStreamInFlight) {
  H2TestServer server(
      [](const H2ServerRequest& request) {
        if (request.path == "/hang") return H2ServerAction::of(H2ServerAction::Kind::Hang);
        return H2TestServer::echo(request);
      },
      *serverCert_);
  UpstreamCancel cancel;
  asio::steady_timer later(ioc_, 200ms);
  later.async_wait([&](const boost::system::error_code&) { cancel.cancel(); });
  auto hung = testing::runUntilComplete(
      ioc_, client_->send(target(server.port()), get("/hang"), 30s, &cancel));
  ASSERT_FALSE(hung);
  EXPECT_EQ(hung.error().kind, ErrorKind::UpstreamReset) << hung.error().message;
  auto fine = send(target(server.port()), get("/ok"));
  ASSERT_TRUE(fine) << fine.error().message;
  EXPECT_EQ(server.connections(), 1);  // the cancel cost its stream, not the connection
  EXPECT_EQ(server.resets(), (std::vector<std::uint32_t>{NGHTTP2_CANCEL}));
}

TEST_F(UpstreamHttp2Test, ConnectionClosedWhileIdleIsTransparent) {
  // The server closes each connection once its one request is answered, without GOAWAY: the
  // client finds out only by using it.
  H2TestServer server(
      [](const H2ServerRequest& request) {
        auto action = H2TestServer::echo(request);
        action.closeAfter = true;
        return action;
      },
      *serverCert_);
  for (int i = 0; i < 3; ++i) {
    auto response = send(target(server.port()), post("/idle", std::to_string(i)));
    ASSERT_TRUE(response) << i << ": " << response.error().message;
    EXPECT_EQ(response->body, "echo:POST /idle " + std::to_string(i));
  }
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(server.connections(), 3);
  EXPECT_EQ(client_->stats().h2Retries, 2u);  // each found its connection closed, and went again
}

TEST_F(UpstreamHttp2Test, GoAwayWhileIdleRetiresTheConnection) {
  H2TestServer server(
      [](const H2ServerRequest& request) {
        auto action = H2TestServer::echo(request);
        action.goAwayAfter = true;  // one request per connection, said politely
        return action;
      },
      *serverCert_);
  for (int i = 0; i < 3; ++i) {
    auto response = send(target(server.port()), post("/polite", std::to_string(i)));
    ASSERT_TRUE(response) << i << ": " << response.error().message;
  }
  EXPECT_EQ(server.connections(), 3);
  EXPECT_EQ(client_->stats().h2Retries, 0u);
  EXPECT_EQ(client_->stats().h2GoAways, 2u);  // the third is retired when next looked at
}

TEST_F(UpstreamHttp2Test, IdleConnectionIsPingedAndClosedWhenThePingGoesUnanswered) {
  UpstreamClientOptions options;
  options.h2PingAfter = 50ms;
  options.h2PingTimeout = 100ms;
  for (const bool answered : {true, false}) {
    makeClient(options);
    H2TestServer server(H2TestServer::echo, *serverCert_, {.answerPings = answered});
    ASSERT_TRUE(send(target(server.port()), get("/before")));
    auto sweepUntil = [&](const std::function<bool()>& done, std::chrono::milliseconds limit) {
      return runUntil(
          [&] {
            client_->sweepIdleConnections();
            return done();
          },
          limit);
    };
    if (answered) {
      ASSERT_TRUE(sweepUntil([&] { return server.pings() >= 3; }, 10s));
      EXPECT_EQ(client_->http2Connections(), 1u);
      EXPECT_EQ(client_->stats().h2PingTimeouts, 0u);
      auto after = send(target(server.port()), get("/after"));
      ASSERT_TRUE(after) << after.error().message;
      EXPECT_EQ(server.connections(), 1);
    } else {
      ASSERT_TRUE(sweepUntil([&] { return client_->http2Connections() == 0; }, 10s));
      EXPECT_EQ(client_->stats().h2PingTimeouts, 1u);
      EXPECT_GE(server.pings(), 1);
    }
  }
}

}  // namespace
}  // namespace switchyard::net
