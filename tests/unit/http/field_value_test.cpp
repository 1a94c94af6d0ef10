#include "http/field_value.hpp"

#include <gtest/gtest.h>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

#include "http/server.hpp"

namespace switchyard::http {
namespace {

namespace bhttp = boost::beast::http;

Request parse(const std::string& head) {
  bhttp::request_parser<bhttp::string_body> parser;
  boost::system::error_code ec;
  parser.put(boost::asio::buffer(head), ec);
  EXPECT_FALSE(ec) << ec.message();
  return parser.release();
}

std::string_view beastLookup(const Request& request, std::string_view name) {
  const auto value = request[boost::beast::string_view(name.data(), name.size())];
  return {value.data(), value.size()};
}

const std::string kHead =
    "POST /v1/chat/completions HTTP/1.1\r\n"
    "Host: gw\r\n"
    "content-type: application/json\r\n"
    "X-Request-Id: first\r\n"
    "Content-Length: 0\r\n"
    "x-request-id: second\r\n"
    "Expect:\r\n"
    "TraceParent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n"
    "\r\n";

TEST(FieldValue, FindsWhatBeastsLookupFinds) {
  const auto request = parse(kHead);
  for (const std::string_view name : {"host", "Content-Type", "x-request-id", "X-REQUEST-ID",
                                      "expect", "traceparent", "content-length", "absent", ""}) {
    EXPECT_EQ(fieldValue(request, name), beastLookup(request, name)) << name;
  }
  for (const auto field : {bhttp::field::host, bhttp::field::content_type, bhttp::field::expect,
                           bhttp::field::content_length, bhttp::field::user_agent}) {
    EXPECT_EQ(fieldValue(request, field), beastLookup(request, bhttp::to_string(field)))
        << bhttp::to_string(field);
  }
}

TEST(FieldValue, SameNameFieldsAreFoundInArrivalOrder) {
  EXPECT_EQ(fieldValue(parse(kHead), "x-request-id"), "first");
}

TEST(FieldValue, AnEmptyFieldIsThereAnAbsentOneIsNot) {
  const auto request = parse(kHead);
  const FieldEntry* expect = firstField(request, bhttp::field::expect);
  ASSERT_NE(expect, nullptr);
  EXPECT_TRUE(expect->value().empty());
  EXPECT_EQ(firstField(request, bhttp::field::transfer_encoding), nullptr);
  EXPECT_EQ(firstField(request, "transfer-encoding"), nullptr);
}

TEST(FieldValue, FieldsSetByTheGatewayAreFoundByEnum) {
  Request request;
  request.insert("X-Custom", "a");
  request.set(bhttp::field::content_type, "text/plain");
  EXPECT_EQ(fieldValue(request, bhttp::field::content_type), "text/plain");
  EXPECT_EQ(fieldValue(request, "x-custom"), "a");
}

}  // namespace
}  // namespace switchyard::http
