#pragma once
// The client side of TLS over a connected, non-blocking TCP socket, without Asio's ssl engine:
// OpenSSL reads and writes the socket itself (through a small BIO of ours) and we only wait for
// readiness between tries. Asio's engine stages every byte through a BIO pair and two 17 KiB
// buffers for the life of the connection; here, with SSL_MODE_RELEASE_BUFFERS, an idle connection
// holds no record buffer at all. Satisfies Beast's AsyncReadStream and AsyncWriteStream.
//
// Errors are Asio's: eof for the peer's close_notify, ssl::error::stream_truncated for a TCP end
// without one, system errors (connection_reset, ...) from the socket, ssl-category codes for TLS
// failures. Cancelling or closing the socket ends a pending operation with operation_aborted; a
// cancelled read leaves the stream usable, a cancelled write or handshake does not.

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/system/error_code.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

struct ssl_st;
struct ssl_ctx_st;

namespace switchyard::net {

class TlsSocket {
 public:
  using Socket = boost::asio::ip::tcp::socket;
  using executor_type = Socket::executor_type;
  using next_layer_type = Socket;

  // Takes the connected socket. `context` must outlive the stream; the server's identity (SNI and
  // the name check) goes on native_handle() before the handshake. Throws std::bad_alloc, or
  // boost::system::system_error for a socket that is not open.
  TlsSocket(Socket socket, ssl_ctx_st* context);
  ~TlsSocket();
  TlsSocket(const TlsSocket&) = delete;
  TlsSocket& operator=(const TlsSocket&) = delete;

  executor_type get_executor() noexcept { return socket_.get_executor(); }
  Socket& next_layer() noexcept { return socket_; }
  ssl_st* native_handle() noexcept { return ssl_; }
  // OpenSSL holds received bytes not yet read: a record or part of one, or its plaintext.
  bool hasPending() const noexcept;
  // Gives back OpenSSL's record buffers unless they hold something; for a stream about to wait.
  void releaseBuffers() noexcept;

  // One try of async_read_some / async_write_some, now, with no wait and no completion to run:
  // for a caller that already knows the socket is ready (an HTTP/2 connection draining what a
  // readiness wait announced). asio::error::would_block in `ec` means: wait for the socket to be
  // readable (or writable, when `wantsWrite` / `wantsRead` says the other way round: TLS needs it
  // first), then try again. A write not finished this way must be retried with the same bytes.
  std::size_t readSomeNow(boost::asio::mutable_buffer buffer, boost::system::error_code& ec,
                          bool& wantsWrite);
  std::size_t writeSomeNow(boost::asio::const_buffer buffer, boost::system::error_code& ec,
                           bool& wantsRead);

  // void(error_code)
  template <class Token>
  auto async_handshake(Token&& token) {
    return start<void(boost::system::error_code)>(HandshakeTry{}, token);
  }
  // void(error_code): sends close_notify; does not wait for the peer's.
  template <class Token>
  auto async_shutdown(Token&& token) {
    return start<void(boost::system::error_code)>(ShutdownTry{}, token);
  }
  // void(error_code, std::size_t): fills the first non-empty buffer with what one record holds.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    ReadTry attempt;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers); ++it) {
      attempt.buffer = *it;
      if (attempt.buffer.size() != 0) break;
    }
    return start<void(boost::system::error_code, std::size_t)>(attempt, token);
  }
  // void(error_code, std::size_t): writes one record, gathered from the leading buffers.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    WriteTry attempt;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && attempt.count < attempt.buffers.size();
         ++it) {
      if (boost::asio::const_buffer(*it).size() != 0) attempt.buffers[attempt.count++] = *it;
    }
    return start<void(boost::system::error_code, std::size_t)>(attempt, token);
  }

 private:
  enum class Want { Nothing, Read, Write };  // what the next try waits for; Nothing: finished

  // One try each: calls OpenSSL once and says whether to wait for the socket and try again.
  Want tryHandshake(boost::system::error_code& ec);
  Want tryShutdown(boost::system::error_code& ec);
  Want tryRead(boost::asio::mutable_buffer buffer, std::size_t& bytes,
               boost::system::error_code& ec);
  Want tryWrite(std::span<const boost::asio::const_buffer> buffers, std::size_t& bytes,
                boost::system::error_code& ec);
  Want failed(boost::system::error_code& ec);  // after a call that did not succeed

  struct HandshakeTry {
    Want operator()(TlsSocket& s, std::size_t&, boost::system::error_code& ec) const {
      return s.tryHandshake(ec);
    }
  };
  struct ShutdownTry {
    Want operator()(TlsSocket& s, std::size_t&, boost::system::error_code& ec) const {
      return s.tryShutdown(ec);
    }
  };
  struct ReadTry {
    boost::asio::mutable_buffer buffer;
    Want operator()(TlsSocket& s, std::size_t& bytes, boost::system::error_code& ec) const {
      return s.tryRead(buffer, bytes, ec);
    }
  };
  struct WriteTry {
    std::array<boost::asio::const_buffer, 8> buffers{};
    std::size_t count = 0;
    Want operator()(TlsSocket& s, std::size_t& bytes, boost::system::error_code& ec) const {
      return s.tryWrite(std::span(buffers.data(), count), bytes, ec);
    }
  };

  // Tries, waits for the readiness OpenSSL asked for, tries again. An operation that finishes on
  // its first try completes through the executor, never inside the initiating call.
  template <class Try, bool kTransfers>
  class Operation {
   public:
    Operation(TlsSocket& stream, Try attempt) : stream_(stream), try_(attempt) {}

    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      if (posted_) return finish(self, result_);
      if (!ec) {
        const Want want = try_(stream_, bytes_, ec);
        if (want != Want::Nothing) {
          waited_ = true;
          stream_.socket_.async_wait(want == Want::Read ? Socket::wait_read : Socket::wait_write,
                                     std::move(self));
          return;
        }
      }
      if (!waited_) {
        posted_ = true;
        result_ = ec;
        boost::asio::post(std::move(self));
        return;
      }
      finish(self, ec);  // after a wait: also operation_aborted when cancelled or closed
    }

   private:
    template <class Self>
    void finish(Self& self, boost::system::error_code ec) {
      if constexpr (kTransfers) {
        self.complete(ec, bytes_);
      } else {
        self.complete(ec);
      }
    }

    TlsSocket& stream_;
    Try try_;
    std::size_t bytes_ = 0;
    boost::system::error_code result_;
    bool waited_ = false;
    bool posted_ = false;
  };

  template <class Signature, class Try, class Token>
  auto start(Try attempt, Token& token) {
    constexpr bool kTransfers = !std::is_same_v<Signature, void(boost::system::error_code)>;
    return boost::asio::async_compose<Token, Signature>(Operation<Try, kTransfers>(*this, attempt),
                                                        token, socket_);
  }

  struct Bio;  // OpenSSL's view of socket_

  Socket socket_;
  ssl_st* ssl_ = nullptr;
  int transportError_ = 0;   // errno of the socket call that failed in the current try
  bool peerClosed_ = false;  // the socket read returned 0
};

}  // namespace switchyard::net
