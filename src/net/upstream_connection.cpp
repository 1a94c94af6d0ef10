#include "net/upstream_connection.hpp"

#include <boost/asio/ssl/context.hpp>

#include <sys/socket.h>
#include <sys/types.h>
#include <cerrno>

namespace switchyard::net {

UpstreamConnection::UpstreamConnection(Socket socket) : plain_(std::move(socket)) {}

UpstreamConnection::TlsStream& UpstreamConnection::startTls(
    std::shared_ptr<boost::asio::ssl::context> context) {
  context_ = std::move(context);
  tls_.emplace(std::move(*plain_), context_->native_handle());
  plain_.reset();
  return *tls_;
}

std::size_t UpstreamConnection::readSomeNow(boost::asio::mutable_buffer buffer,
                                            boost::system::error_code& ec, bool& wantsWrite) {
  if (tls_) return tls_->readSomeNow(buffer, ec, wantsWrite);
  wantsWrite = false;
  const ssize_t n = ::recv(plain_->native_handle(), buffer.data(), buffer.size(), MSG_DONTWAIT);
  if (n > 0) return static_cast<std::size_t>(n);
  if (n == 0) {
    ec = boost::asio::error::eof;
  } else {
    ec = errno == EAGAIN || errno == EWOULDBLOCK
             ? boost::system::error_code(boost::asio::error::would_block)
             : boost::system::error_code(errno, boost::system::system_category());
  }
  return 0;
}

std::size_t UpstreamConnection::writeSomeNow(boost::asio::const_buffer buffer,
                                             boost::system::error_code& ec, bool& wantsRead) {
  if (tls_) return tls_->writeSomeNow(buffer, ec, wantsRead);
  wantsRead = false;
  const ssize_t n =
      ::send(plain_->native_handle(), buffer.data(), buffer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n >= 0) return static_cast<std::size_t>(n);
  ec = errno == EAGAIN || errno == EWOULDBLOCK
           ? boost::system::error_code(boost::asio::error::would_block)
           : boost::system::error_code(errno, boost::system::system_category());
  return 0;
}

bool UpstreamConnection::unusableAtAGlance() { return buffer_.size() != 0 || !socket().is_open(); }

bool UpstreamConnection::unusable() {
  if (unusableAtAGlance()) return true;
  auto& s = socket();
  char byte;
  const ssize_t n = ::recv(s.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return true;  // 0: orderly close; >0: unsolicited bytes
  return !(errno == EAGAIN || errno == EWOULDBLOCK);
}

void UpstreamConnection::close() noexcept {
  boost::system::error_code ec;
  socket().shutdown(Socket::shutdown_both, ec);
  socket().close(ec);
}

}  // namespace switchyard::net
