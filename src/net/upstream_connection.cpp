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
