#include "http/request_checks.hpp"

#include <gtest/gtest.h>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>

namespace switchyard::http {
namespace {

namespace bhttp = boost::beast::http;

// Parses `head` as the server does (head only) and checks it.
struct Checked {
  Refusal refusal;
  Request request;
};
Checked check(const std::string& head) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.eager(false);
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(head), ec);
  EXPECT_FALSE(ec) << ec.message() << " in " << head;
  EXPECT_TRUE(parser.is_header_done());
  Checked out;
  out.refusal = checkRequestHead(parser.get(), parser.chunked());
  out.request = parser.release();
  return out;
}

TEST(RequestChecks, AnOrdinaryRequestPasses) {
  const auto c =
      check("POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n");
  EXPECT_FALSE(c.refusal);
  EXPECT_EQ(c.request.target(), "/v1/chat/completions");
}

TEST(RequestChecks, TransferEncodingMustEndInChunked) {
  EXPECT_FALSE(
      check("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").refusal);
  for (const char* coding : {"gzip", "chunked, gzip", "identity"}) {
    const auto c = check(std::string("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ") + coding +
                         "\r\n\r\n");
    EXPECT_EQ(c.refusal.status, 400u) << coding;
  }
}

TEST(RequestChecks, Http11NeedsExactlyOneHost) {
  EXPECT_EQ(check("GET / HTTP/1.1\r\n\r\n").refusal.status, 400u);
  EXPECT_EQ(check("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").refusal.status, 400u);
  EXPECT_FALSE(check("GET / HTTP/1.0\r\n\r\n").refusal);  // HTTP/1.0 has no such rule
}

TEST(RequestChecks, AbsoluteFormBecomesOriginFormAndItsAuthorityTheHost) {
  const auto c =
      check("POST http://gw.example:8080/v1/chat/completions?x=1 HTTP/1.1\r\nHost: other\r\n\r\n");
  EXPECT_FALSE(c.refusal);
  EXPECT_EQ(c.request.target(), "/v1/chat/completions?x=1");
  EXPECT_EQ(c.request[bhttp::field::host], "gw.example:8080");
  // Without a Host field too: the target names the host (the client still should send one).
  EXPECT_EQ(check("GET HTTPS://gw/ HTTP/1.1\r\nHost: gw\r\n\r\n").request.target(), "/");
  EXPECT_EQ(check("GET http:// HTTP/1.1\r\nHost: gw\r\n\r\n").refusal.status, 400u);
}

TEST(RequestChecks, SplitAbsoluteForm) {
  EXPECT_FALSE(splitAbsoluteForm("/v1/models"));
  EXPECT_FALSE(splitAbsoluteForm("*"));
  auto form = splitAbsoluteForm("http://user:pw@h:1");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->authority, "h:1");
  EXPECT_EQ(form->origin, "/");
  form = splitAbsoluteForm("http://h?q=1");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->origin, "/?q=1");
}

TEST(RequestChecks, MoreThan100FieldsGet431) {
  std::string fields;
  for (int i = 0; i < 99; ++i) fields += "x-" + std::to_string(i) + ": v\r\n";
  EXPECT_FALSE(check("GET / HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n").refusal);  // 100
  EXPECT_EQ(check("GET / HTTP/1.1\r\nHost: a\r\nx-more: v\r\n" + fields + "\r\n").refusal.status,
            431u);
}

TEST(RequestChecks, OnlyTheContinueExpectation) {
  const auto cont = check("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n\r\n");
  EXPECT_FALSE(cont.refusal);
  EXPECT_TRUE(expectsContinue(cont.request));
  EXPECT_EQ(check("POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n").refusal.status, 417u);
  // RFC 9110 §10.1.1: an HTTP/1.0 client gets no interim answer.
  EXPECT_FALSE(expectsContinue(check("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").request));
}

}  // namespace
}  // namespace switchyard::http
