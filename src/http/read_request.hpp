#pragma once
// Reads a request as the upstream client reads responses (io::readMessage), and tells the
// connection's timeout apart from other read errors.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cstdint>
#include <string_view>

#include "asio/read_message.hpp"
#include "http/connection_deadline.hpp"

namespace switchyard::http {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// A request's head fits in one read in nearly every case; a body too when it is small.
inline constexpr std::size_t kMinimumRead = 4096;

// Feeds `parser` until its head is done (`headOnly`) or the whole message is; `received` counts the
// bytes read from the socket. Errors are Beast's (end_of_stream when the peer closed between
// requests) or beast::error::timeout when the deadline ran out (its expiry ends every read).
// A chunk's size line (with its extensions) or the trailer section longer than `maxUnparsed` bytes
// ends the read with http::error::buffer_overflow.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> readRequest(
    Stream& stream, boost::beast::flat_buffer& buffer, RequestParser& parser, bool headOnly,
    const ConnectionDeadline& deadline, std::uint64_t& received,
    std::size_t maxUnparsed = io::kUnbounded) {
  const auto ec = co_await io::readMessage(stream, buffer, parser, headOnly, kMinimumRead,
                                           &received, maxUnparsed);
  if (ec && deadline.expired()) co_return boost::beast::error::timeout;
  co_return ec;
}

// Waits for the first bytes of the next request into `buffer` (one read), so the server can tell
// an idle connection from a request on its way. Errors as readRequest's.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> readFirstBytes(Stream& stream,
                                                                 boost::beast::flat_buffer& buffer,
                                                                 const ConnectionDeadline& deadline,
                                                                 std::uint64_t& received) {
  const auto space =
      buffer.prepare(std::max(boost::beast::read_size(buffer, io::kMaxRead), kMinimumRead));
  // Deferred: awaited in this frame (use_awaitable would run the read through a frame of its own).
  auto [ec, n] =
      co_await stream.async_read_some(space, boost::asio::as_tuple(boost::asio::deferred));
  buffer.commit(n);
  received += n;
  if (n != 0) co_return boost::system::error_code();
  if (deadline.expired()) co_return boost::beast::error::timeout;
  if (!ec || ec == boost::asio::error::eof) co_return boost::beast::http::error::end_of_stream;
  co_return ec;
}

// Counts a chunked body's extensions toward its body limit: Beast counts only the chunks' data,
// so a stream of empty chunks with long extensions would otherwise never end.
class ChunkExtensionBudget {
 public:
  explicit ChunkExtensionBudget(std::uint64_t bodyLimit) : left_(bodyLimit) {}
  void operator()(std::uint64_t size, std::string_view extensions, boost::system::error_code& ec) {
    const std::uint64_t cost = size + extensions.size();
    if (cost > left_) {
      ec = boost::beast::http::error::body_limit;
      return;
    }
    left_ -= cost;
  }

 private:
  std::uint64_t left_;
};

}  // namespace switchyard::http
