#pragma once
// Reads a request as the upstream client reads responses (io::readMessage), and tells the
// connection's timeout apart from other read errors.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>

#include "asio/read_message.hpp"
#include "http/connection_deadline.hpp"

namespace switchyard::http {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// A request's head fits in one read in nearly every case; a body too when it is small.
inline constexpr std::size_t kMinimumRead = 4096;

// Feeds `parser` until its head is done (`headOnly`) or the whole message is; `received` counts the
// bytes read from the socket. Errors are Beast's (end_of_stream when the peer closed between
// requests) or beast::error::timeout when the deadline ran out (its expiry ends every read).
template <class Stream>
boost::asio::awaitable<boost::system::error_code> readRequest(Stream& stream,
                                                              boost::beast::flat_buffer& buffer,
                                                              RequestParser& parser, bool headOnly,
                                                              const ConnectionDeadline& deadline,
                                                              std::uint64_t& received) {
  const auto ec =
      co_await io::readMessage(stream, buffer, parser, headOnly, kMinimumRead, &received);
  if (ec && deadline.expired()) co_return boost::beast::error::timeout;
  co_return ec;
}

}  // namespace switchyard::http
