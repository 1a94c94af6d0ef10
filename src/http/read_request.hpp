#pragma once
// Reads a request into a Beast parser with plain read_some calls: the parser is fed what the buffer
// holds and the socket read only when it needs more. This is what http::async_read does, without a
// composed operation (and its handler allocations and executor copies) around every read.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <cstdint>

#include "http/connection_deadline.hpp"

namespace switchyard::http {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// A request's head fits in one read in nearly every case; a body too when it is small.
inline constexpr std::size_t kMinimumRead = 4096;
inline constexpr std::size_t kMaximumRead = 64 * 1024;

// Feeds `parser` until its head is done (`headOnly`) or the whole message is; `received` counts the
// bytes read from the socket. Errors are Beast's (end_of_stream when the peer closed between
// requests) or beast::error::timeout when the deadline ran out.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> readRequest(Stream& stream, boost::beast::flat_buffer& buffer,
                                                              RequestParser& parser, bool headOnly,
                                                              const ConnectionDeadline& deadline,
                                                              std::uint64_t& received) {
  namespace bhttp = boost::beast::http;
  boost::system::error_code ec;
  const auto done = [&] { return headOnly ? parser.is_header_done() : parser.is_done(); };
  if (done()) co_return ec;
  for (;;) {
    if (buffer.size() != 0) {
      buffer.consume(parser.put(buffer.data(), ec));
      if (ec != bhttp::error::need_more) {
        if (ec || done()) co_return ec;
        continue;  // the head is done and the body starts in what is buffered
      }
      ec = {};
    }
    if (deadline.expired()) co_return boost::beast::error::timeout;
    const std::size_t room = std::clamp(buffer.capacity() - buffer.size(), kMinimumRead, kMaximumRead);
    auto [readEc, n] = co_await stream.async_read_some(buffer.prepare(room),
                                                       boost::asio::as_tuple(boost::asio::use_awaitable));
    buffer.commit(n);
    received += n;
    if (deadline.expired()) co_return boost::beast::error::timeout;
    if (readEc == boost::asio::error::eof) {
      if (!parser.got_some()) co_return bhttp::error::end_of_stream;
      parser.put_eof(ec);  // partial_message: the request was cut short
      co_return ec;
    }
    if (readEc) co_return readEc;
  }
}

}  // namespace switchyard::http
