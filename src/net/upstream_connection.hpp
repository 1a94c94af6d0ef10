#pragma once
// One connection to an upstream: TCP, optionally wrapped in TLS, with the buffer its responses are
// parsed from. Lives in a pool between requests.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <chrono>
#include <memory>
#include <optional>

#include "net/tls_socket.hpp"

namespace boost::asio::ssl {
class context;
}

namespace switchyard::net {

class UpstreamConnection {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  using TlsStream = TlsSocket;

  explicit UpstreamConnection(Socket socket);

  // Wraps the connected socket in TLS (the handshake is the caller's); keeps `context` alive.
  // Throws what TlsSocket's constructor throws.
  TlsStream& startTls(std::shared_ptr<boost::asio::ssl::context> context);

  bool isTls() const { return tls_.has_value(); }
  TlsStream& tls() { return *tls_; }
  Socket& plain() { return *plain_; }
  Socket& socket() { return tls_ ? tls_->next_layer() : *plain_; }  // the TCP socket under either
  boost::beast::flat_buffer& buffer() { return buffer_; }
  // Received bytes that TLS holds below buffer(): a read can proceed without the socket.
  bool transportHasPending() const { return tls_ && tls_->hasPending(); }

  // One try now on whichever transport this is (TLS or plain TCP), never waiting: would_block
  // when nothing can be done yet (TlsSocket's readSomeNow/writeSomeNow contract; plain TCP never
  // wants the other direction). HTTP/2 connections use these on TLS (h2) and plain TCP (h2c).
  std::size_t readSomeNow(boost::asio::mutable_buffer buffer, boost::system::error_code& ec,
                          bool& wantsWrite);
  std::size_t writeSomeNow(boost::asio::const_buffer buffer, boost::system::error_code& ec,
                           bool& wantsRead);

  // True when an idle connection must not be reused: it kept bytes of the last response (framing
  // went wrong) or is closed. No syscall.
  bool unusableAtAGlance();
  // The same, or the peer closed it, reset it, or sent bytes nobody asked for (for TLS, most likely
  // a close_notify). One non-blocking peek, no wait.
  bool unusable();

  void close() noexcept;

  std::chrono::steady_clock::time_point idleSince{};

 private:
  std::shared_ptr<boost::asio::ssl::context> context_;  // first: must outlive the TLS stream
  std::optional<Socket> plain_;
  std::optional<TlsStream> tls_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace switchyard::net
