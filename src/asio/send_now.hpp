#pragma once
// One non-blocking gather write on a TCP socket, before any asynchronous write. A request or an
// answer usually fits the socket's send buffer: then it leaves in one sendmsg with no operation to
// start, no completion to post and no coroutine to suspend, and the asynchronous write is left for
// what the socket did not take.

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstddef>
#include <tuple>

namespace switchyard::io {

// The bytes of `buffers` (a std::array of const_buffer) the socket took; 0 on any error, which the
// write that follows meets again and reports.
template <class Buffers>
std::size_t sendNow(boost::asio::ip::tcp::socket& socket, const Buffers& buffers) {
  std::array<iovec, std::tuple_size_v<Buffers>> parts{};
  std::size_t count = 0;
  for (const auto& buffer : buffers) {
    if (buffer.size() == 0) continue;
    parts[count++] = {const_cast<void*>(buffer.data()), buffer.size()};
  }
  if (count == 0) return 0;
  msghdr message{};
  message.msg_iov = parts.data();
  message.msg_iovlen = count;
  const ssize_t n = ::sendmsg(socket.native_handle(), &message, MSG_DONTWAIT | MSG_NOSIGNAL);
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

}  // namespace switchyard::io
