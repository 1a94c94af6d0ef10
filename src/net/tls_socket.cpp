#include "net/tls_socket.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <new>

#include <sys/socket.h>
#include <sys/types.h>

namespace switchyard::net {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// Gathering small leading buffers (an HTTP head, a chunk header) into one record saves a record
// and a packet per piece; what does not fit goes in the next write_some.
constexpr std::size_t kGatherLimit = 4096;

// SSL_get_error needs the thread's error queue empty before the call it explains. Emptying it
// with ERR_clear_error costs some 1,700 instructions even when it is empty (it resets every slot,
// freeing each one's file and function names), more than a small record's encryption; looking
// first costs a few dozen. Nothing here leaves the queue non-empty (failed() empties it), so the
// clearing is for what other code on the thread left behind.
void clearErrors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

}  // namespace

// OpenSSL's transport: the socket itself, read only as far as OpenSSL asks (no read-ahead), so
// whatever OpenSSL has not consumed is still in the kernel and the socket's readiness tells the
// truth. send() with MSG_NOSIGNAL: a write to a reset peer must not raise SIGPIPE.
struct TlsSocket::Bio {
  static TlsSocket& owner(BIO* bio) { return *static_cast<TlsSocket*>(BIO_get_data(bio)); }

  static int write(BIO* bio, const char* data, int size) {
    BIO_clear_retry_flags(bio);
    TlsSocket& s = owner(bio);
    const ssize_t n =
        ::send(s.socket_.native_handle(), data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      BIO_set_retry_write(bio);
    } else {
      s.transportError_ = errno;
    }
    return -1;
  }

  static int read(BIO* bio, char* data, int size) {
    BIO_clear_retry_flags(bio);
    TlsSocket& s = owner(bio);
    const ssize_t n = ::recv(s.socket_.native_handle(), data, static_cast<std::size_t>(size), 0);
    if (n > 0) return static_cast<int>(n);
    if (n == 0) {
      s.peerClosed_ = true;
      return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      BIO_set_retry_read(bio);
    } else {
      s.transportError_ = errno;
    }
    return -1;
  }

  static long control(BIO* bio, int command, long, void*) {
    switch (command) {
      case BIO_CTRL_FLUSH:
        return 1;  // nothing is buffered here
      case BIO_CTRL_EOF:
        return owner(bio).peerClosed_ ? 1 : 0;
      default:
        return 0;
    }
  }

  static int create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
  }

  // Built once; an immutable function table, like a vtable.
  static const BIO_METHOD* method() {
    static const BIO_METHOD* const table = [] {
      BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "switchyard socket");
      if (!m) throw std::bad_alloc();
      BIO_meth_set_write(m, &Bio::write);
      BIO_meth_set_read(m, &Bio::read);
      BIO_meth_set_ctrl(m, &Bio::control);
      BIO_meth_set_create(m, &Bio::create);
      return m;
    }();
    return table;
  }
};

TlsSocket::TlsSocket(Socket socket, SSL_CTX* context) : socket_(std::move(socket)) {
  socket_.non_blocking(true);  // OpenSSL calls recv/send itself: they must never block the thread
  ssl_ = SSL_new(context);
  BIO* bio = ssl_ ? BIO_new(Bio::method()) : nullptr;
  if (!bio) {
    SSL_free(ssl_);
    ERR_clear_error();
    throw std::bad_alloc();
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio);  // one reference, owned by ssl_
  // RELEASE_BUFFERS: drop the 17 KiB read and write buffers whenever they are empty, i.e. while
  // the connection is idle. PARTIAL_WRITE: write_some may write less than asked (a record).
  // ACCEPT_MOVING_WRITE_BUFFER: a retried write gathers its bytes afresh.
  SSL_set_mode(ssl_, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                         SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_set_connect_state(ssl_);
}

TlsSocket::~TlsSocket() { SSL_free(ssl_); }  // frees the BIO; the socket closes itself

bool TlsSocket::hasPending() const noexcept { return SSL_has_pending(ssl_) == 1; }

void TlsSocket::releaseBuffers() noexcept { SSL_free_buffers(ssl_); }  // 0: in use, kept

std::size_t TlsSocket::readSomeNow(asio::mutable_buffer buffer, error_code& ec, bool& wantsWrite) {
  std::size_t bytes = 0;
  ec = {};
  const Want want = tryRead(buffer, bytes, ec);
  wantsWrite = want == Want::Write;
  if (want != Want::Nothing) ec = asio::error::would_block;
  return bytes;
}

std::size_t TlsSocket::writeSomeNow(asio::const_buffer buffer, error_code& ec, bool& wantsRead) {
  std::size_t bytes = 0;
  ec = {};
  const Want want = tryWrite(std::span(&buffer, 1), bytes, ec);
  wantsRead = want == Want::Read;
  if (want != Want::Nothing) ec = asio::error::would_block;
  return bytes;
}

TlsSocket::Want TlsSocket::tryHandshake(error_code& ec) {
  clearErrors();
  transportError_ = 0;
  if (SSL_do_handshake(ssl_) == 1) return Want::Nothing;
  return failed(ec);
}

TlsSocket::Want TlsSocket::tryShutdown(error_code& ec) {
  clearErrors();
  transportError_ = 0;
  if (SSL_shutdown(ssl_) >= 0) return Want::Nothing;  // 0: ours sent, the peer's not awaited
  return failed(ec);
}

TlsSocket::Want TlsSocket::tryRead(asio::mutable_buffer buffer, std::size_t& bytes,
                                   error_code& ec) {
  bytes = 0;
  if (buffer.size() == 0) return Want::Nothing;
  clearErrors();
  transportError_ = 0;
  // A TLS 1.3 session ticket or key update read here is consumed and, without application data
  // behind it, reported as WANT_READ: the caller waits and tries again.
  if (SSL_read_ex(ssl_, buffer.data(), buffer.size(), &bytes) == 1) return Want::Nothing;
  const Want want = failed(ec);
  // RELEASE_BUFFERS frees the read buffer once a record is consumed, but a read that found the
  // socket empty leaves a fresh one behind: an idle stream would hold 17 KiB while it waits.
  // Freed only when no partial record is in it.
  if (want == Want::Read) releaseBuffers();
  return want;
}

TlsSocket::Want TlsSocket::tryWrite(std::span<const asio::const_buffer> buffers, std::size_t& bytes,
                                    error_code& ec) {
  bytes = 0;
  if (buffers.empty()) return Want::Nothing;
  const void* data = buffers[0].data();
  std::size_t size = buffers[0].size();
  std::array<char, kGatherLimit> gathered;
  if (buffers.size() > 1 && size < kGatherLimit) {
    // The same bytes every try: the same buffers are gathered the same way.
    size = 0;
    for (const auto& buffer : buffers) {
      const std::size_t n = std::min(buffer.size(), gathered.size() - size);
      std::copy_n(static_cast<const char*>(buffer.data()), n, gathered.data() + size);
      size += n;
      if (size == gathered.size()) break;
    }
    data = gathered.data();
  }
  clearErrors();
  transportError_ = 0;
  if (SSL_write_ex(ssl_, data, size, &bytes) == 1) return Want::Nothing;
  return failed(ec);
}

TlsSocket::Want TlsSocket::failed(error_code& ec) {
  const int reason = SSL_get_error(ssl_, 0);
  const unsigned long queued = ERR_get_error();
  clearErrors();  // nothing of this connection is left for the next one on this thread
  switch (reason) {
    case SSL_ERROR_WANT_READ:
      return Want::Read;
    case SSL_ERROR_WANT_WRITE:
      return Want::Write;
    case SSL_ERROR_ZERO_RETURN:
      ec = asio::error::eof;  // close_notify
      return Want::Nothing;
    case SSL_ERROR_SYSCALL:
      if (transportError_ != 0) {
        ec = error_code(transportError_, boost::system::system_category());
      } else if (queued != 0) {
        ec = error_code(static_cast<int>(queued), asio::error::get_ssl_category());
      } else {
        ec = asio::ssl::error::stream_truncated;  // the peer closed without close_notify
      }
      return Want::Nothing;
    case SSL_ERROR_SSL:
      if (ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ec = asio::ssl::error::stream_truncated;
      } else if (transportError_ != 0 && queued == 0) {
        ec = error_code(transportError_, boost::system::system_category());
      } else {
        ec = error_code(static_cast<int>(queued), asio::error::get_ssl_category());
      }
      return Want::Nothing;
    default:
      ec = asio::ssl::error::unexpected_result;
      return Want::Nothing;
  }
}

}  // namespace switchyard::net
