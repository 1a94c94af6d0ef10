#pragma once
// Reading one HTTP message from a stream into a Beast parser, for the server (requests) and the
// upstream client (responses) alike: what http::async_read and async_read_some do, without their
// composed operations (a handler allocation and executor copies around every read) and without the
// post they make when the buffer already holds enough.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace switchyard::io {

inline constexpr std::size_t kMaxRead = 64 * 1024;  // Beast's largest read

// The peer closed its side: that completes a message delimited by the connection's end, and nothing
// else (end_of_stream when no byte of a message had come, partial_message when one was cut short).
template <class Parser>
boost::system::error_code endOfStream(Parser& parser) {
  if (!parser.got_some()) return boost::beast::http::error::end_of_stream;
  boost::system::error_code ec;
  parser.put_eof(ec);
  return ec;
}

inline constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();

// Puts what `buffer` holds into the parser: need_more when a read must come first (the buffer is
// empty, or holds only part of the next step), buffer_overflow when that part is more than
// `maxUnparsed` bytes.
template <class Parser>
boost::system::error_code parseBuffered(boost::beast::flat_buffer& buffer, Parser& parser,
                                        std::size_t maxUnparsed) {
  if (buffer.size() == 0) return boost::beast::http::error::need_more;
  boost::system::error_code ec;
  buffer.consume(parser.put(buffer.cdata(), ec));
  if (ec == boost::beast::http::error::need_more && buffer.size() > maxUnparsed)
    return boost::beast::http::error::buffer_overflow;
  return ec;
}

// Takes in what a read of `n` bytes brought: need_more when parsing goes on, the read's error
// otherwise (the peer's end of stream as endOfStream sees it).
template <class Parser>
boost::system::error_code takeRead(boost::beast::flat_buffer& buffer, Parser& parser,
                                   const boost::system::error_code& readEc, std::size_t n,
                                   std::uint64_t* received) {
  buffer.commit(n);
  if (received) *received += n;
  if (readEc == boost::asio::error::eof) return endOfStream(parser);
  if (readEc) return readEc;
  return boost::beast::http::error::need_more;
}

inline std::size_t readSize(const boost::beast::flat_buffer& buffer, std::size_t minRead) {
  return std::max(boost::beast::read_size(buffer, kMaxRead), minRead);
}

// The reads below are deferred operations awaited in the reading coroutine's own frame
// (use_awaitable would run each through a coroutine frame of its own).

// Parses what `buffer` holds and reads once more whenever the parser needs more, until it takes a
// step. At least `minRead` bytes are asked for in one read; `received`, if given, counts the bytes
// read from the stream. Beast bounds the head by its header_limit, but waits without bound for the
// end of a chunk's size line (its extensions) and of the trailer section: more than `maxUnparsed`
// bytes it cannot yet parse end the read with buffer_overflow instead of growing the buffer.
template <class Stream, class Parser>
boost::asio::awaitable<boost::system::error_code> parseSome(Stream& stream,
                                                            boost::beast::flat_buffer& buffer,
                                                            Parser& parser, std::size_t minRead,
                                                            std::uint64_t* received = nullptr,
                                                            std::size_t maxUnparsed = kUnbounded) {
  for (;;) {
    auto ec = parseBuffered(buffer, parser, maxUnparsed);
    if (ec != boost::beast::http::error::need_more) co_return ec;
    auto [readEc, n] = co_await stream.async_read_some(
        buffer.prepare(readSize(buffer, minRead)), boost::asio::as_tuple(boost::asio::deferred));
    ec = takeRead(buffer, parser, readEc, n, received);
    if (ec != boost::beast::http::error::need_more) co_return ec;
  }
}

// readMessage without its reads: takes the parser as far toward the whole message, or only its
// head (`headOnly`), as `buffer` allows. Success at the goal, need_more when a read is due, else
// the parser's error. A caller whose message is already buffered (most requests, after the read
// that brought their first byte) needs no coroutine for it.
template <class Parser>
boost::system::error_code parseBufferedMessage(boost::beast::flat_buffer& buffer, Parser& parser,
                                               bool headOnly, std::size_t maxUnparsed) {
  while (headOnly ? !parser.is_header_done() : !parser.is_done()) {
    const auto ec = parseBuffered(buffer, parser, maxUnparsed);
    if (ec) return ec;
  }
  return {};
}

// Parses until the parser holds the whole message, or only its head (`headOnly`): parseSome's
// steps in one loop, with no coroutine per step. Same arguments as parseSome.
template <class Stream, class Parser>
boost::asio::awaitable<boost::system::error_code> readMessage(
    Stream& stream, boost::beast::flat_buffer& buffer, Parser& parser, bool headOnly,
    std::size_t minRead, std::uint64_t* received = nullptr, std::size_t maxUnparsed = kUnbounded) {
  for (;;) {
    auto ec = parseBufferedMessage(buffer, parser, headOnly, maxUnparsed);
    if (ec != boost::beast::http::error::need_more) co_return ec;
    auto [readEc, n] = co_await stream.async_read_some(
        buffer.prepare(readSize(buffer, minRead)), boost::asio::as_tuple(boost::asio::deferred));
    ec = takeRead(buffer, parser, readEc, n, received);
    if (ec != boost::beast::http::error::need_more) co_return ec;
  }
}

}  // namespace switchyard::io
