#include "net/tls_socket.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "emulator/pki.hpp"
#include "net/tls_client_context.hpp"
#include "run_awaitable.hpp"

namespace switchyard::net {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using boost::system::error_code;
using tcp = asio::ip::tcp;

constexpr const char* kServerName = "upstream.test";

auto redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// Hands a value from one thread to the other; the wait is bounded only so that a failing test
// ends instead of hanging (no assertion depends on it).
class Signal {
 public:
  void raise(int value = 1) {
    std::lock_guard lock(mutex_);
    value_ += value;
    changed_.notify_all();
  }
  bool waitFor(int value) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(20), [&] { return value_ >= value; });
  }
  int value() {
    std::lock_guard lock(mutex_);
    return value_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int value_ = 0;
};

// A TLS server for one connection on its own thread, written with plain blocking OpenSSL calls, so
// the stream under test meets OpenSSL itself rather than more of our code. After the handshake
// the test's script runs with the server's SSL.
class TlsPeer {
 public:
  using Script = std::function<void(SSL* ssl, TlsPeer& peer)>;

  TlsPeer(const emulator::PemCertificate& identity, Script script,
          const std::function<void(SSL_CTX*)>& configure = {}) {
    context_.use_certificate_chain(asio::buffer(identity.certPem));
    context_.use_private_key(asio::buffer(identity.keyPem), asio::ssl::context::pem);
    if (configure) configure(context_.native_handle());
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::listen(listener_, 1) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("test peer cannot listen");
    }
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, script = std::move(script)] { serve(script); });
  }

  ~TlsPeer() {
    if (thread_.joinable()) {
      ::shutdown(listener_, SHUT_RDWR);  // ends a pending accept
      {
        std::lock_guard lock(mutex_);
        if (connection_ >= 0) ::shutdown(connection_, SHUT_RDWR);  // ends a blocked SSL call
      }
      thread_.join();
    }
    if (connection_ >= 0) ::close(connection_);
    ::close(listener_);
  }

  // Waits for the script to end on its own.
  void join() { thread_.join(); }

  std::uint16_t port() const { return port_; }

  // Sends `bytes` straight to the socket, under TLS.
  void writeRaw(std::string_view bytes) {
    std::lock_guard lock(mutex_);
    (void)::send(connection_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  }
  // Ends TCP without close_notify: a FIN.
  void finish() {
    std::lock_guard lock(mutex_);
    ::shutdown(connection_, SHUT_WR);
  }
  // Ends TCP with a reset.
  void reset() {
    std::lock_guard lock(mutex_);
    const linger abortive{1, 0};
    ::setsockopt(connection_, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    ::close(connection_);
    connection_ = -1;
  }

 private:
  void serve(const Script& script) {
    // OpenSSL's own socket BIO writes with write(): a client that has already closed would raise
    // SIGPIPE here. Blocked for this thread only; the stream under test must never raise it.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    const int fd = ::accept(listener_, nullptr, nullptr);
    if (fd < 0) return;
    {
      std::lock_guard lock(mutex_);
      connection_ = fd;
    }
    SSL* ssl = SSL_new(context_.native_handle());
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) script(ssl, *this);  // a failed handshake is the client's to report
    SSL_free(ssl);
  }

  asio::ssl::context context_{asio::ssl::context::tls_server};
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::mutex mutex_;
  int connection_ = -1;
  std::thread thread_;
};

bool peerWrite(SSL* ssl, std::string_view data) {
  std::size_t n = 0;
  return data.empty() || SSL_write_ex(ssl, data.data(), data.size(), &n) == 1;
}

std::string pattern(std::size_t size, int seed) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 31 + seed) % 251);
  return s;
}

struct ReadResult {
  error_code ec;
  std::string data;
};

asio::awaitable<error_code> handshake(TlsSocket& stream) {
  error_code ec;
  co_await stream.async_handshake(redirect(ec));
  co_return ec;
}

asio::awaitable<ReadResult> readSome(TlsSocket& stream, std::size_t size = 4096) {
  std::string buffer(size, '\0');
  const auto space = asio::buffer(buffer);
  error_code ec;
  const std::size_t n = co_await stream.async_read_some(space, redirect(ec));
  buffer.resize(n);
  co_return ReadResult{ec, std::move(buffer)};
}

class TlsSocketTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ca_ = new emulator::PemCertificate(emulator::makeCertificateAuthority("TlsSocket Test CA"));
    serverCert_ = new emulator::PemCertificate(
        emulator::makeServerCertificate(*ca_, kServerName, {kServerName}, {"127.0.0.1"}));
  }
  static void TearDownTestSuite() {
    delete ca_;
    delete serverCert_;
  }

  SSL_CTX* clientContext() {
    auto context = contexts_.contextFor(ca_->certPem);
    if (!context) throw std::runtime_error(context.error().message);
    return (*context)->native_handle();
  }

  // A TCP connection to the peer wrapped in a TlsSocket that expects `serverName`.
  std::unique_ptr<TlsSocket> open(const TlsPeer& peer,
                                  const std::string& serverName = kServerName) {
    tcp::socket socket(ioc_);
    socket.connect({asio::ip::make_address("127.0.0.1"), peer.port()});
    auto stream = std::make_unique<TlsSocket>(std::move(socket), clientContext());
    if (!configureServerIdentity(stream->native_handle(), serverName))
      throw std::runtime_error("server name refused");
    return stream;
  }

  std::unique_ptr<TlsSocket> connected(const TlsPeer& peer) {
    auto stream = open(peer);
    const error_code ec = testing::runAwaitable(ioc_, handshake(*stream));
    if (ec) throw std::runtime_error("handshake: " + ec.message());
    return stream;
  }

  static inline emulator::PemCertificate* ca_ = nullptr;
  static inline emulator::PemCertificate* serverCert_ = nullptr;

  asio::io_context ioc_;
  TlsContextCache contexts_;
};

TEST_F(TlsSocketTest, HandshakeSendsSniAndEchoesLargePayloadsBothWays) {
  constexpr std::size_t kSize = 3 * 1024 * 1024 + 17;  // many records, not a multiple of one
  std::string sni;
  TlsPeer peer(*serverCert_, [&](SSL* ssl, TlsPeer&) {
    if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) sni = name;
    std::array<char, 16384> buffer;
    for (std::size_t echoed = 0; echoed < kSize;) {
      std::size_t n = 0;
      if (SSL_read_ex(ssl, buffer.data(), buffer.size(), &n) != 1) return;
      if (!peerWrite(ssl, std::string_view(buffer.data(), n))) return;
      echoed += n;
    }
  });
  auto stream = connected(peer);
  const std::string sent = pattern(kSize, 7);

  // Partial writes: one write_some of megabytes writes one record and says so.
  std::size_t first = 0;
  std::string received;
  auto exchange = [&]() -> asio::awaitable<void> {
    const auto whole = asio::buffer(sent);
    first = co_await stream->async_write_some(whole, asio::use_awaitable);
    const auto rest = whole + first;
    auto write = [&]() -> asio::awaitable<void> {
      co_await asio::async_write(*stream, rest, asio::use_awaitable);
    };
    // Reads in small pieces: most of them are served from a record OpenSSL already holds.
    auto read = [&]() -> asio::awaitable<void> {
      std::array<char, 1000> piece;
      const auto space = asio::buffer(piece);
      while (received.size() < kSize) {
        const std::size_t n = co_await stream->async_read_some(space, asio::use_awaitable);
        received.append(piece.data(), n);
      }
    };
    co_await (write() && read());
  };
  testing::runAwaitable(ioc_, [&]() -> asio::awaitable<bool> {
    co_await exchange();
    co_return true;
  }());

  EXPECT_GT(first, 0u);
  EXPECT_LE(first, 16384u);
  EXPECT_EQ(sni, kServerName);
  ASSERT_EQ(received.size(), sent.size());
  EXPECT_TRUE(received == sent);
}

TEST_F(TlsSocketTest, TriesNowSayWouldBlockUntilTheSocketIsReady) {
  Signal echoed;
  TlsPeer peer(*serverCert_, [&](SSL* ssl, TlsPeer&) {
    std::array<char, 64> buffer;
    std::size_t n = 0;
    if (SSL_read_ex(ssl, buffer.data(), buffer.size(), &n) == 1)
      peerWrite(ssl, "echo:" + std::string(buffer.data(), n));
    echoed.waitFor(1);
  });
  auto stream = connected(peer);
  std::array<char, 64> buffer;
  error_code ec;
  bool otherWay = true;
  EXPECT_EQ(stream->readSomeNow(asio::buffer(buffer), ec, otherWay), 0u);
  EXPECT_EQ(ec, asio::error::would_block);  // nothing came: no wait, no completion
  EXPECT_FALSE(otherWay);

  EXPECT_EQ(stream->writeSomeNow(asio::buffer(std::string_view("ping")), ec, otherWay), 4u);
  EXPECT_FALSE(ec) << ec.message();
  // Readable may mean a session ticket, which a try consumes and reports as would_block.
  std::size_t n = 0;
  for (int wake = 0; wake < 10 && n == 0; ++wake) {
    testing::runAwaitable(ioc_, [&]() -> asio::awaitable<bool> {
      co_await stream->next_layer().async_wait(tcp::socket::wait_read, asio::use_awaitable);
      co_return true;
    }());
    n = stream->readSomeNow(asio::buffer(buffer), ec, otherWay);
    if (ec == asio::error::would_block) continue;
    EXPECT_FALSE(ec) << ec.message();
  }
  EXPECT_EQ(std::string_view(buffer.data(), n), "echo:ping");
  echoed.raise();
}

TEST_F(TlsSocketTest, LargeReadBufferTakesAtMostARecordAndReadsItAll) {
  const std::string data = pattern(200'000, 3);
  TlsPeer peer(*serverCert_, [&](SSL* ssl, TlsPeer&) { peerWrite(ssl, data); });
  auto stream = connected(peer);
  std::string received;
  while (received.size() < data.size()) {
    auto result = testing::runAwaitable(ioc_, readSome(*stream, 64 * 1024));
    ASSERT_FALSE(result.ec) << result.ec.message();
    ASSERT_GT(result.data.size(), 0u);
    EXPECT_LE(result.data.size(), 16384u);  // one record's plaintext at most
    received += result.data;
  }
  EXPECT_TRUE(received == data);
}

TEST_F(TlsSocketTest, HasPendingWhileARecordIsPartlyRead) {
  Signal readAll;
  TlsPeer peer(*serverCert_, [&](SSL* ssl, TlsPeer&) {
    peerWrite(ssl, std::string(10'000, 'p'));  // one record
    readAll.waitFor(1);
  });
  auto stream = connected(peer);
  std::size_t received = testing::runAwaitable(ioc_, readSome(*stream, 100)).data.size();
  EXPECT_EQ(received, 100u);
  EXPECT_TRUE(stream->hasPending());  // the rest of the record: the socket itself is quiet now
  while (received < 10'000) {
    auto result = testing::runAwaitable(ioc_, readSome(*stream, 4096));
    ASSERT_FALSE(result.ec) << result.ec.message();
    received += result.data.size();
  }
  EXPECT_FALSE(stream->hasPending());
  readAll.raise();
}

TEST_F(TlsSocketTest, SmallBuffersOfOneWriteGoOutAsOneRecord) {
  std::string firstRead;
  TlsPeer peer(*serverCert_, [&](SSL* ssl, TlsPeer&) {
    std::array<char, 16384> buffer;
    std::size_t n = 0;
    if (SSL_read_ex(ssl, buffer.data(), buffer.size(), &n) == 1) firstRead.assign(buffer.data(), n);
  });
  auto stream = connected(peer);
  const std::array<asio::const_buffer, 4> pieces{asio::buffer("POST /v1 HTTP/1.1\r\n", 19),
                                                 asio::buffer("", 0), asio::buffer("a: b\r\n", 6),
                                                 asio::buffer("\r\n{}", 4)};
  const std::size_t n = testing::runAwaitable(ioc_, [&]() -> asio::awaitable<std::size_t> {
    co_return co_await stream->async_write_some(pieces, asio::use_awaitable);
  }());
  EXPECT_EQ(n, 29u);
  peer.join();
  EXPECT_EQ(firstRead, "POST /v1 HTTP/1.1\r\na: b\r\n\r\n{}");  // one SSL_read: one record
}

TEST_F(TlsSocketTest, PeerCloseNotifyIsEof) {
  TlsPeer peer(*serverCert_, [](SSL* ssl, TlsPeer&) {
    peerWrite(ssl, "bye");
    SSL_shutdown(ssl);
  });
  auto stream = connected(peer);
  auto first = testing::runAwaitable(ioc_, readSome(*stream));
  ASSERT_FALSE(first.ec) << first.ec.message();
  EXPECT_EQ(first.data, "bye");
  auto second = testing::runAwaitable(ioc_, readSome(*stream));
  EXPECT_EQ(second.ec, asio::error::eof) << second.ec.message();
  EXPECT_EQ(second.data, "");
}

TEST_F(TlsSocketTest, TcpEndWithoutCloseNotifyIsStreamTruncated) {
  TlsPeer peer(*serverCert_, [](SSL* ssl, TlsPeer& self) {
    peerWrite(ssl, "partial answer");
    self.finish();
  });
  auto stream = connected(peer);
  auto first = testing::runAwaitable(ioc_, readSome(*stream));
  ASSERT_FALSE(first.ec) << first.ec.message();
  EXPECT_EQ(first.data, "partial answer");
  auto second = testing::runAwaitable(ioc_, readSome(*stream));
  EXPECT_EQ(second.ec, asio::ssl::error::stream_truncated) << second.ec.message();
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST_F(TlsSocketTest, PeerResetInsideARecordIsConnectionReset) {
  TlsPeer peer(*serverCert_, [](SSL* ssl, TlsPeer& self) {
    // One record made into memory, then only its first half sent before the reset.
    BIO* memory = BIO_new(BIO_s_mem());
    SSL_set0_wbio(ssl, memory);  // the socket BIO stays the read side
    peerWrite(ssl, std::string(4000, 'r'));
    char* bytes = nullptr;
    const long size = BIO_get_mem_data(memory, &bytes);
    self.writeRaw(std::string_view(bytes, static_cast<std::size_t>(size / 2)));
    self.reset();
  });
  auto stream = connected(peer);
  auto result = testing::runAwaitable(ioc_, readSome(*stream));
  EXPECT_EQ(result.ec, asio::error::connection_reset) << result.ec.message();
  EXPECT_EQ(result.data, "");
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST_F(TlsSocketTest, WriteToAResetPeerFailsWithoutSigpipe) {
  TlsPeer peer(*serverCert_, [](SSL*, TlsPeer& self) { self.reset(); });
  auto stream = connected(peer);
  peer.join();
  auto read = testing::runAwaitable(ioc_, readSome(*stream));
  EXPECT_EQ(read.ec, asio::error::connection_reset) << read.ec.message();
  // This binary does not ignore SIGPIPE: a plain write() to the dead socket would end it here.
  const error_code ec = testing::runAwaitable(ioc_, [&]() -> asio::awaitable<error_code> {
    const std::string data(1000, 'w');
    const auto bytes = asio::buffer(data);
    error_code result;
    co_await stream->async_write_some(bytes, redirect(result));
    co_return result;
  }());
  EXPECT_TRUE(ec == asio::error::broken_pipe || ec == asio::error::connection_reset)
      << ec.message();
}

TEST_F(TlsSocketTest, CertificateForAnotherNameIsRejectedAndLeavesNoErrorBehind) {
  TlsPeer peer(*serverCert_, [](SSL*, TlsPeer&) {});
  auto stream = open(peer, "other.test");
  const error_code ec = testing::runAwaitable(ioc_, handshake(*stream));
  ASSERT_TRUE(ec);
  EXPECT_EQ(&ec.category(), &asio::error::get_ssl_category());
  EXPECT_NE(ec.message().find("certificate verify failed"), std::string::npos) << ec.message();
  EXPECT_EQ(SSL_get_verify_result(stream->native_handle()), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(ERR_peek_error(), 0u);  // nothing left for the next connection on this thread

  // The next connection on this thread succeeds and reads normally.
  TlsPeer good(*serverCert_, [](SSL* ssl, TlsPeer&) { peerWrite(ssl, "fine"); });
  auto next = connected(good);
  auto read = testing::runAwaitable(ioc_, readSome(*next));
  ASSERT_FALSE(read.ec) << read.ec.message();
  EXPECT_EQ(read.data, "fine");
}

// Other code on the thread (a JWT signature, say) may leave errors in OpenSSL's queue; a try must
// not take them for its own (SSL_get_error would report SSL_ERROR_SSL for a mere would-block).
TEST_F(TlsSocketTest, ErrorsLeftOnTheThreadAreNotTakenForTheConnections) {
  Signal echoed;
  TlsPeer peer(*serverCert_, [&](SSL* ssl, TlsPeer&) {
    std::array<char, 64> buffer;
    std::size_t n = 0;
    if (SSL_read_ex(ssl, buffer.data(), buffer.size(), &n) == 1)
      peerWrite(ssl, "echo:" + std::string(buffer.data(), n));
    echoed.waitFor(1);
  });
  auto stream = connected(peer);
  const auto leaveAnError = [] {
    ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
    ASSERT_NE(ERR_peek_error(), 0u);
  };
  std::array<char, 64> buffer;
  error_code ec;
  bool otherWay = true;
  leaveAnError();
  EXPECT_EQ(stream->readSomeNow(asio::buffer(buffer), ec, otherWay), 0u);
  EXPECT_EQ(ec, asio::error::would_block) << ec.message();
  EXPECT_EQ(ERR_peek_error(), 0u);

  leaveAnError();
  EXPECT_EQ(stream->writeSomeNow(asio::buffer(std::string_view("ping")), ec, otherWay), 4u);
  EXPECT_FALSE(ec) << ec.message();
  std::size_t n = 0;
  for (int wake = 0; wake < 10 && n == 0; ++wake) {
    testing::runAwaitable(ioc_, [&]() -> asio::awaitable<bool> {
      co_await stream->next_layer().async_wait(tcp::socket::wait_read, asio::use_awaitable);
      co_return true;
    }());
    leaveAnError();
    n = stream->readSomeNow(asio::buffer(buffer), ec, otherWay);
    if (ec == asio::error::would_block) continue;
    EXPECT_FALSE(ec) << ec.message();
  }
  EXPECT_EQ(std::string_view(buffer.data(), n), "echo:ping");
  ERR_clear_error();
  echoed.raise();
}

TEST_F(TlsSocketTest, UntrustedCertificateIsRejected) {
  const auto otherCa = emulator::makeCertificateAuthority("Unknown CA");
  const auto stranger = emulator::makeServerCertificate(otherCa, kServerName, {kServerName}, {});
  TlsPeer peer(stranger, [](SSL*, TlsPeer&) {});
  auto stream = open(peer);
  const error_code ec = testing::runAwaitable(ioc_, handshake(*stream));
  ASSERT_TRUE(ec);
  EXPECT_NE(ec.message().find("certificate verify failed"), std::string::npos) << ec.message();
  EXPECT_EQ(SSL_get_verify_result(stream->native_handle()),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(TlsSocketTest, CancelledReadCompletesAbortedAndTheStreamStaysUsable) {
  Signal cancelled;
  TlsPeer peer(*serverCert_, [&](SSL* ssl, TlsPeer&) {
    if (cancelled.waitFor(1)) peerWrite(ssl, "after the cancel");
  });
  auto stream = connected(peer);

  asio::cancellation_signal cancel;
  std::string buffer(64, '\0');
  std::optional<error_code> outcome;
  stream->async_read_some(asio::buffer(buffer),
                          asio::bind_cancellation_slot(
                              cancel.slot(), [&](error_code ec, std::size_t) { outcome = ec; }));
  ioc_.restart();
  ioc_.poll();  // the read tries, finds nothing and waits
  ASSERT_FALSE(outcome);
  cancel.emit(asio::cancellation_type::terminal);
  ioc_.restart();
  ioc_.run();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, asio::error::operation_aborted);

  cancelled.raise();
  auto after = testing::runAwaitable(ioc_, readSome(*stream));
  ASSERT_FALSE(after.ec) << after.ec.message();
  EXPECT_EQ(after.data, "after the cancel");
}

TEST_F(TlsSocketTest, ClosingTheSocketEndsAPendingReadAndLaterOnesFail) {
  Signal done;
  TlsPeer peer(*serverCert_, [&](SSL*, TlsPeer&) { done.waitFor(1); });
  auto stream = connected(peer);
  std::optional<error_code> outcome;
  std::string buffer(64, '\0');
  stream->async_read_some(asio::buffer(buffer), [&](error_code ec, std::size_t) { outcome = ec; });
  ioc_.restart();
  ioc_.poll();
  ASSERT_FALSE(outcome);
  error_code ignored;
  stream->next_layer().close(ignored);
  ioc_.restart();
  ioc_.run();
  ASSERT_TRUE(outcome);
  EXPECT_EQ(*outcome, asio::error::operation_aborted);

  // A closed stream never touches a descriptor number the process may have reused since.
  auto later = testing::runAwaitable(ioc_, readSome(*stream));
  EXPECT_EQ(later.ec, asio::error::bad_descriptor) << later.ec.message();
  done.raise();
}

TEST_F(TlsSocketTest, SessionTicketsBetweenReadsAreConsumedWhileWaiting) {
  constexpr int kRounds = 25;
  Signal ticketsSeen;
  TlsPeer peer(
      *serverCert_,
      [&](SSL* ssl, TlsPeer&) {
        for (int i = 0; i < kRounds; ++i) {
          // A ticket alone, no application data behind it: the client's pending read consumes it
          // and must go back to waiting. Data follows only once the client has seen the ticket.
          if (SSL_new_session_ticket(ssl) != 1 || SSL_do_handshake(ssl) != 1) return;
          if (!ticketsSeen.waitFor(i + 1)) return;
          if (!peerWrite(ssl, "event " + std::to_string(i) + "\n")) return;
        }
      },
      [](SSL_CTX* context) { SSL_CTX_set_num_tickets(context, 0); });

  // The client counts tickets through OpenSSL's new-session callback, on this thread.
  SSL_CTX* context = clientContext();
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
  SSL_CTX_sess_set_new_cb(context, [](SSL* ssl, SSL_SESSION*) {
    static_cast<Signal*>(SSL_get_app_data(ssl))->raise();
    return 0;  // not kept
  });
  auto stream = open(peer);
  SSL_set_app_data(stream->native_handle(), &ticketsSeen);
  ASSERT_FALSE(testing::runAwaitable(ioc_, handshake(*stream)));
  EXPECT_EQ(SSL_version(stream->native_handle()), TLS1_3_VERSION);

  std::string received;
  std::string expected;
  for (int i = 0; i < kRounds; ++i) {
    expected += "event " + std::to_string(i) + "\n";
    while (received.size() < expected.size()) {
      auto result = testing::runAwaitable(ioc_, readSome(*stream));
      ASSERT_FALSE(result.ec) << result.ec.message();
      received += result.data;
    }
  }
  EXPECT_EQ(received, expected);
  EXPECT_EQ(ticketsSeen.value(), kRounds);
}

TEST_F(TlsSocketTest, ShutdownSendsCloseNotify) {
  std::atomic<int> peerSaw{-1};
  TlsPeer peer(*serverCert_, [&](SSL* ssl, TlsPeer&) {
    std::array<char, 16> buffer;
    std::size_t n = 0;
    SSL_read_ex(ssl, buffer.data(), buffer.size(), &n);
    peerSaw = SSL_get_error(ssl, 0);
  });
  auto stream = connected(peer);
  const error_code ec = testing::runAwaitable(ioc_, [&]() -> asio::awaitable<error_code> {
    error_code result;
    co_await stream->async_shutdown(redirect(result));
    co_return result;
  }());
  EXPECT_FALSE(ec) << ec.message();
  peer.join();
  EXPECT_EQ(peerSaw.load(), SSL_ERROR_ZERO_RETURN);
}

}  // namespace
}  // namespace switchyard::net
