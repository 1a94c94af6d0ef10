#include "net/inbound_response_parser.hpp"

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <vector>

namespace switchyard::net {
namespace {

namespace http = boost::beast::http;

struct Parsed {
  bool ok = false;
  unsigned status = 0;
  std::vector<core::Header> headers;
  std::string body;
  bool keepAlive = false;
  bool needEof = false;
};

// Feeds `bytes` as http::async_read did, `step` bytes more each time, then the end of stream.
template <class Parser>
bool feed(Parser& parser, const std::string& bytes, std::size_t step) {
  parser.eager(true);
  std::string pending;
  boost::system::error_code ec;
  for (std::size_t at = 0; at < bytes.size() && !parser.is_done(); at += step) {
    pending += bytes.substr(at, step);
    while (!pending.empty() && !parser.is_done()) {
      const std::size_t used = parser.put(boost::asio::buffer(pending), ec);
      pending.erase(0, used);
      if (ec == http::error::need_more) break;
      if (ec) return false;
    }
  }
  if (!parser.is_done()) {
    parser.put_eof(ec);
    if (ec) return false;
  }
  return parser.is_done();
}

Parsed ours(const std::string& bytes, std::size_t step) {
  InboundResponseParser parser;
  Parsed out;
  out.ok = feed(parser, bytes, step);
  out.keepAlive = parser.keepAlive();
  out.needEof = parser.need_eof();
  auto response = parser.takeResponse();
  out.status = response.status;
  out.headers = std::move(response.headers);
  out.body = std::move(response.body);
  return out;
}

// What the client made of a response before, with Beast's parser and message.
Parsed beasts(const std::string& bytes, std::size_t step) {
  http::response_parser<http::string_body> parser;
  Parsed out;
  out.ok = feed(parser, bytes, step);
  out.keepAlive = parser.get().keep_alive();
  out.needEof = parser.need_eof();
  out.status = parser.get().result_int();
  for (const auto& field : parser.get().base())
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  out.body = parser.get().body();
  return out;
}

const std::vector<std::string> kResponses = {
    "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=UTF-8\r\nContent-Length: "
    "2\r\n\r\n{}",
    "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 3\r\n\r\nnah",
    "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx",
    "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
    "HTTP/1.1 200 OK\r\n\r\nuntil the end",
    "HTTP/1.1 200 OK\r\nA: 1\r\nB:  2 \t\r\na: 3\r\nb: 4\r\nC:\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X\r\n\r\n"
    "3;ext=1\r\nabc\r\n4\r\ndefg\r\n0\r\nX: y\r\n\r\n",
    "HTTP/1.1 500 Internal\r\nContent-Length: 5\r\nX-Empty: \r\n\r\nabcde",
    "HTTP/1.1 200 OK\r\nconnection: upgrade , CLOSE\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nConnection: ,closed, ,\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.0 200 OK\r\nCONNECTION: close,keep-alive\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.0 200 OK\r\nConnection: keep-alived\r\nContent-Length: 0\r\n\r\n",
};

TEST(InboundResponseParserTest, SameResponseAsBeastsParserAndMessage) {
  for (const auto& bytes : kResponses) {
    for (const std::size_t step : {bytes.size(), std::size_t{1}, std::size_t{7}}) {
      const Parsed a = ours(bytes, step);
      const Parsed b = beasts(bytes, step);
      SCOPED_TRACE(bytes + " in steps of " + std::to_string(step));
      ASSERT_TRUE(a.ok);
      ASSERT_TRUE(b.ok);
      EXPECT_EQ(a.status, b.status);
      ASSERT_EQ(a.headers.size(), b.headers.size());
      for (std::size_t i = 0; i < a.headers.size(); ++i) {
        EXPECT_EQ(a.headers[i].name, b.headers[i].name);
        EXPECT_EQ(a.headers[i].value, b.headers[i].value);
      }
      EXPECT_EQ(a.body, b.body);
      EXPECT_EQ(a.keepAlive, b.keepAlive);
      EXPECT_EQ(a.needEof, b.needEof);
    }
  }
}

TEST(InboundResponseParserTest, KeepAliveFollowsVersionAndFirstConnectionField) {
  EXPECT_TRUE(ours(kResponses[0], 64).keepAlive);
  EXPECT_FALSE(ours(kResponses[1], 64).keepAlive);
  EXPECT_FALSE(ours(kResponses[2], 64).keepAlive);
  EXPECT_TRUE(ours(kResponses[3], 64).keepAlive);  // as Beast's message: the first one counts
  EXPECT_FALSE(ours(kResponses[4], 64).keepAlive);
  EXPECT_TRUE(ours(kResponses[5], 64).keepAlive);
}

TEST(InboundResponseParserTest, BodyLimitAndHeadAreTheParsersOwn) {
  InboundResponseParser limited;
  limited.body_limit(1);
  boost::system::error_code ec;
  limited.put(boost::asio::buffer(kResponses[0]), ec);
  EXPECT_EQ(ec, http::error::body_limit);

  InboundResponseParser head;
  head.skip(true);
  const std::string bytes = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
  head.put(boost::asio::buffer(bytes), ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(head.is_done());
  EXPECT_EQ(head.takeResponse().body, "");
}

}  // namespace
}  // namespace switchyard::net
