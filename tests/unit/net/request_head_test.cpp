#include "net/request_head.hpp"

#include <gtest/gtest.h>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/span_body.hpp>

#include <string>
#include <vector>

#include "core/ascii.hpp"

namespace switchyard::net {
namespace {

namespace http = boost::beast::http;

struct Case {
  const char* name;
  core::OutboundRequest request;
  const char* head;
};

core::OutboundRequest make(std::string method, std::string target,
                           std::vector<core::Header> headers, std::string body = "") {
  return {std::move(method), std::move(target), std::move(headers), std::move(body)};
}

const std::vector<Case>& cases() {
  static const std::vector<Case> table = {
      {"get_has_no_length", make("GET", "/v1/models", {}),
       "GET /v1/models HTTP/1.1\r\nHost: api.test\r\nConnection: keep-alive\r\n\r\n"},
      {"empty_target_is_root", make("GET", "", {}),
       "GET / HTTP/1.1\r\nHost: api.test\r\nConnection: keep-alive\r\n\r\n"},
      {"post_without_body_says_zero", make("POST", "/x", {}),
       "POST /x HTTP/1.1\r\nHost: api.test\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"},
      {"get_with_body_has_length", make("GET", "/x", {}, "abc"),
       "GET /x HTTP/1.1\r\nHost: api.test\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\n"},
      {"delete_and_options_without_body", make("DELETE", "/x", {}),
       "DELETE /x HTTP/1.1\r\nHost: api.test\r\nConnection: keep-alive\r\n\r\n"},
      {"lowercase_method_is_not_a_known_verb", make("get", "/x", {}),
       "get /x HTTP/1.1\r\nHost: api.test\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"},
      {"framing_headers_are_ours",
       make("POST", "/x",
            {{"HOST", "evil"},
             {"content-length", "99"},
             {"Transfer-Encoding", "chunked"},
             {"Connection", "close"},
             {"Keep-Alive", "timeout=5"},
             {"Content-Type", "a/b"}},
            "{}"),
       "POST /x HTTP/1.1\r\nContent-Type: a/b\r\nHost: api.test\r\nConnection: keep-alive\r\n"
       "Content-Length: 2\r\n\r\n"},
      {"values_are_trimmed", make("GET", "/x", {{"A", " \tone two\t "}, {"B", "   "}}),
       "GET /x HTTP/1.1\r\nA: one two\r\nB: \r\nHost: api.test\r\nConnection: keep-alive\r\n\r\n"},
      {"same_names_are_kept_together",
       make("GET", "/x", {{"X-A", "1"}, {"X-B", "2"}, {"x-a", "3"}, {"X-C", "4"}, {"X-B", "5"}}),
       "GET /x HTTP/1.1\r\nX-A: 1\r\nx-a: 3\r\nX-B: 2\r\nX-B: 5\r\nX-C: 4\r\nHost: api.test\r\n"
       "Connection: keep-alive\r\n\r\n"},
  };
  return table;
}

TEST(RequestHeadTest, WritesTheExpectedHead) {
  for (const auto& c : cases()) {
    std::string head;
    ASSERT_TRUE(appendRequestHead(head, "api.test", c.request)) << c.name;
    EXPECT_EQ(head, c.head) << c.name;
  }
}

bool isFraming(std::string_view name) {
  for (std::string_view own :
       {"host", "content-length", "transfer-encoding", "connection", "keep-alive"})
    if (core::iequalsAscii(name, own)) return true;
  return false;
}

// The head the client sent before, through Beast's message and serializer.
std::string beastHead(const core::OutboundRequest& request) {
  http::request<http::span_body<const char>> message;
  message.version(11);
  message.method_string(request.method);
  message.target(request.target.empty() ? std::string_view("/") : std::string_view(request.target));
  for (const auto& header : request.headers) {
    if (isFraming(header.name)) continue;
    message.insert(header.name, header.value);
  }
  message.set(http::field::host, "api.test");
  message.set(http::field::connection, "keep-alive");
  const auto verb = message.method();
  if (!request.body.empty() || (verb != http::verb::get && verb != http::verb::head &&
                                verb != http::verb::delete_ && verb != http::verb::options))
    message.content_length(request.body.size());
  http::request_serializer<http::span_body<const char>> serializer(message);
  serializer.split(true);
  std::string head;
  boost::system::error_code ec;
  serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
    head = boost::beast::buffers_to_string(buffers);
    serializer.consume(boost::beast::buffer_bytes(buffers));
  });
  return head;
}

TEST(RequestHeadTest, SameBytesAsBeastsSerializer) {
  for (const auto& c : cases()) {
    std::string head;
    ASSERT_TRUE(appendRequestHead(head, "api.test", c.request)) << c.name;
    EXPECT_EQ(head, beastHead(c.request)) << c.name;
  }
}

TEST(RequestHeadTest, AppendsToWhatIsThere) {
  std::string head = "kept";
  ASSERT_TRUE(appendRequestHead(head, "h", make("GET", "/", {})));
  EXPECT_EQ(head.substr(0, 8), "keptGET ");
}

TEST(RequestHeadTest, FieldTooLongForBeastIsAnInternalError) {
  std::string head;
  auto result = appendRequestHead(head, "h", make("GET", "/", {{"X", std::string(65534, 'v')}}));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, core::ErrorKind::Internal);
  EXPECT_EQ(result.error().message, "upstream client: field value too large");
  EXPECT_TRUE(appendRequestHead(head, "h", make("GET", "/", {{"X", std::string(65533, 'v')}})));
  // A framing header is dropped before its size matters.
  EXPECT_TRUE(appendRequestHead(head, "h", make("GET", "/", {{"Host", std::string(70000, 'v')}})));
}

TEST(RequestHeadTest, HeadRequestIsRecognisedByItsExactVerb) {
  EXPECT_TRUE(isHeadRequest(make("HEAD", "/", {})));
  EXPECT_FALSE(isHeadRequest(make("head", "/", {})));
  EXPECT_FALSE(isHeadRequest(make("GET", "/", {})));
}

}  // namespace
}  // namespace switchyard::net
