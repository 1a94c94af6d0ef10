#include "telemetry/otlp_encoder.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "core/utf8.hpp"
#include "proto_reader.hpp"
#include "telemetry/proto_writer.hpp"

namespace switchyard::telemetry {
namespace {

using testing::asDouble;
using testing::ProtoMessage;
using testing::spansOf;

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

template <std::size_t N>
std::array<std::uint8_t, N> counting(std::uint8_t first) {
  std::array<std::uint8_t, N> bytes{};
  for (std::size_t i = 0; i < N; ++i) bytes[i] = static_cast<std::uint8_t>(first + i);
  return bytes;
}

std::string encode(const Attributes& resource, const InstrumentationScope& scope,
                   const std::vector<Span>& spans) {
  std::string out;
  encodeExportTraceServiceRequest(resource, scope, spans, out);
  return out;
}

// docs/spec/wire.md §4.2, checked there with protoc --decode.
TEST(OtlpEncoder, MatchesTheSpecTestVectorByteForByte) {
  Span span;
  span.traceId.bytes = counting<16>(0x01);
  span.spanId.bytes = counting<8>(0x11);
  span.name = "chat";
  span.kind = SpanKind::Client;
  span.startTimeUnixNano = 1700000000000000000ULL;
  span.endTimeUnixNano = 1700000001000000000ULL;
  span.add("openinference.span.kind", "LLM");
  span.add("llm.token_count.total", 34);
  span.status = {StatusCode::Error, "boom"};

  const std::string body = encode({{"service.name", "gw"}}, {"gw", ""}, {span});
  EXPECT_EQ(body.size(), 165u);
  EXPECT_EQ(
      hex(body),
      "0aa2010a160a140a0c736572766963652e6e616d6512040a0267771287010a040a026777127f0a1001020304"
      "05060708090a0b0c0d0e0f10120811121314151617182a046368617430033900002a36fe9c97174100cac471"
      "fe9c97174a200a176f70656e696e666572656e63652e7370616e2e6b696e6412050a034c4c4d4a1b0a156c6c"
      "6d2e746f6b656e5f636f756e742e746f74616c120218227a081204626f6f6d1802");
}

TEST(OtlpEncoder, EveryFieldOfASpanDecodes) {
  Span span;
  span.traceId.bytes = counting<16>(0xa0);
  span.spanId.bytes = counting<8>(0xb0);
  span.parentSpanId = SpanId{counting<8>(0xc0)};
  span.traceState = "rojo=1";
  span.flags = 0x301;
  span.name = "chat gemini-2.5-flash";
  span.kind = SpanKind::Server;
  span.startTimeUnixNano = 1;
  span.endTimeUnixNano = 0xfedcba9876543210ULL;
  span.add("s", "text");
  span.add(std::string("llm.input_messages.3.message.role"), std::string("tool"));
  span.add("negative", std::int64_t{-2});
  span.add("zero", 0);
  span.add("ratio", 0.25);
  span.add("stream", false);
  span.add("empty", "");
  span.add("gen_ai.response.finish_reasons", AttributeValue::StringArray{"stop", "length"});
  SpanEvent& event = span.addEvent("gen_ai.first_token", 7);
  event.attributes.push_back({"index", 3});
  span.recordError(9, "UpstreamTimeout", "no answer");

  const auto spans = spansOf(encode({}, {"switchyard", "1.2"}, {span}));
  ASSERT_EQ(spans.size(), 1u);
  const ProtoMessage& s = spans[0];
  EXPECT_EQ(s.bytes(1),
            std::string("\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab\xac\xad\xae\xaf", 16));
  EXPECT_EQ(s.bytes(2), "\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7");
  EXPECT_EQ(s.bytes(3), "rojo=1");
  EXPECT_EQ(s.bytes(4), "\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7");
  EXPECT_EQ(s.bytes(5), "chat gemini-2.5-flash");
  EXPECT_EQ(s.integer(6), 2u);
  EXPECT_EQ(s.find(7)->wireType, 1u);
  EXPECT_EQ(s.integer(7), 1u);
  EXPECT_EQ(s.integer(8), 0xfedcba9876543210ULL);
  EXPECT_EQ(s.find(16)->wireType, 5u);
  EXPECT_EQ(s.integer(16), 0x301u);

  const auto attributes = s.messages(9);
  ASSERT_EQ(attributes.size(), 8u);
  auto value = [&](std::size_t i) { return attributes[i].message(2); };
  EXPECT_EQ(attributes[0].bytes(1), "s");
  EXPECT_EQ(value(0).bytes(1), "text");
  EXPECT_EQ(attributes[1].bytes(1), "llm.input_messages.3.message.role");
  EXPECT_EQ(value(1).bytes(1), "tool");
  EXPECT_EQ(static_cast<std::int64_t>(value(2).integer(3)), -2);
  EXPECT_EQ(value(2).find(3)->wireType, 0u);
  ASSERT_TRUE(value(3).has(3));  // 0 is a value of the oneof, not an absent field
  EXPECT_EQ(value(3).integer(3), 0u);
  EXPECT_EQ(value(4).find(4)->wireType, 1u);
  EXPECT_EQ(asDouble(value(4).integer(4)), 0.25);
  ASSERT_TRUE(value(5).has(2));
  EXPECT_EQ(value(5).integer(2), 0u);
  ASSERT_TRUE(value(6).has(1));
  EXPECT_EQ(value(6).bytes(1), "");
  const auto array = value(7).message(5).messages(1);
  ASSERT_EQ(array.size(), 2u);
  EXPECT_EQ(array[0].bytes(1), "stop");
  EXPECT_EQ(array[1].bytes(1), "length");

  const auto events = s.messages(11);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].integer(1), 7u);
  EXPECT_EQ(events[0].bytes(2), "gen_ai.first_token");
  EXPECT_EQ(events[0].message(3).bytes(1), "index");
  EXPECT_EQ(events[0].message(3).message(2).integer(3), 3u);
  EXPECT_EQ(events[1].bytes(2), "exception");
  const auto exception = events[1].messages(3);
  ASSERT_EQ(exception.size(), 2u);
  EXPECT_EQ(exception[0].bytes(1), "exception.type");
  EXPECT_EQ(exception[0].message(2).bytes(1), "UpstreamTimeout");
  EXPECT_EQ(exception[1].bytes(1), "exception.message");
  EXPECT_EQ(exception[1].message(2).bytes(1), "no answer");

  const ProtoMessage status = s.message(15);
  EXPECT_EQ(status.bytes(2), "no answer");
  EXPECT_EQ(status.integer(3), 2u);
}

TEST(OtlpEncoder, DoubleArraysAreArraysOfDoubleAnyValues) {
  Span span;
  span.traceId.bytes = counting<16>(1);
  span.spanId.bytes = counting<8>(1);
  span.add("embedding.embeddings.0.embedding.vector", AttributeValue::DoubleArray{1.5, -2.0, 0.0});
  span.add("empty", AttributeValue::DoubleArray{});
  const auto spans = spansOf(encode({}, {}, {span}));
  ASSERT_EQ(spans.size(), 1u);
  const auto attributes = spans[0].messages(9);
  ASSERT_EQ(attributes.size(), 2u);
  EXPECT_EQ(attributes[0].bytes(1), "embedding.embeddings.0.embedding.vector");
  const auto values = attributes[0].message(2).message(5).messages(1);
  ASSERT_EQ(values.size(), 3u);
  EXPECT_EQ(values[0].find(4)->wireType, 1u);
  EXPECT_EQ(asDouble(values[0].integer(4)), 1.5);
  EXPECT_EQ(asDouble(values[1].integer(4)), -2.0);
  ASSERT_TRUE(values[2].has(4));  // 0.0 is a value of the oneof, not an absent field
  EXPECT_EQ(asDouble(values[2].integer(4)), 0.0);
  ASSERT_TRUE(attributes[1].message(2).has(5));  // an empty array is still an array
  EXPECT_TRUE(attributes[1].message(2).message(5).messages(1).empty());
}

TEST(OtlpEncoder, DefaultsAreLeftOut) {
  Span span;
  span.traceId.bytes = counting<16>(1);
  span.spanId.bytes = counting<8>(1);
  span.kind = SpanKind::Unspecified;
  const auto spans = spansOf(encode({}, {}, {span}));
  ASSERT_EQ(spans.size(), 1u);
  std::vector<std::uint32_t> numbers;
  for (const auto& field : spans[0].fields()) numbers.push_back(field.number);
  EXPECT_EQ(numbers, (std::vector<std::uint32_t>{1, 2}));
}

TEST(OtlpEncoder, ManySpansAndLongValuesKeepTheirLengthsRight) {
  // Lengths that need 1, 2 and 3 varint bytes, at every nesting level.
  std::vector<Span> spans(300);
  IdGenerator ids(7);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    spans[i] = Span::root(ids);
    spans[i].name = "span " + std::to_string(i);
    spans[i].add("input.value", std::string(i * 97 % 20000, 'x'));
  }
  const std::string body = encode({{"service.name", "switchyard"}}, {"switchyard", ""}, spans);
  const auto decoded = spansOf(body);
  ASSERT_EQ(decoded.size(), spans.size());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    EXPECT_EQ(decoded[i].bytes(5), spans[i].name);
    EXPECT_EQ(decoded[i].message(9).message(2).bytes(1).size(), i * 97 % 20000);
  }
  const ProtoMessage resource = ProtoMessage(body).message(1).message(1);
  EXPECT_EQ(resource.message(1).bytes(1), "service.name");
}

TEST(OtlpEncoder, InvalidUtf8IsRepairedSoTheBatchStaysDecodable) {
  Span span;
  span.traceId.bytes = counting<16>(1);
  span.spanId.bytes = counting<8>(1);
  span.name = "caf\xc3";  // cut in the middle of "é"
  span.add("output.value", std::string("ok \xe2\x82\xac, bad \xed\xa0\x80 end"));
  const auto spans = spansOf(encode({}, {}, {span}));
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].bytes(5), "caf\xef\xbf\xbd");
  EXPECT_EQ(spans[0].message(9).message(2).bytes(1),
            "ok \xe2\x82\xac, bad \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd end");
}

TEST(OtlpEncoder, AppendsToAReusedBuffer) {
  std::string out = "prefix";
  encodeExportTraceServiceRequest({}, {}, {}, out);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  EXPECT_NO_THROW(ProtoMessage(std::string_view(out).substr(6)));
}

struct Utf8Case {
  const char* text;
  bool valid;
};

TEST(Utf8, WellFormedTable) {
  const Utf8Case cases[] = {
      {"", true},
      {"plain ascii that is longer than eight bytes", true},
      {"\xc3\xa9", true},
      {"\xe2\x82\xac", true},
      {"\xf0\x9f\x98\x80", true},
      {"\xf4\x8f\xbf\xbf", true},   // U+10FFFF
      {"\xc0\xaf", false},          // overlong '/'
      {"\xe0\x80\xaf", false},      // overlong
      {"\xed\xa0\x80", false},      // surrogate
      {"\xf4\x90\x80\x80", false},  // above U+10FFFF
      {"\xf5\x80\x80\x80", false},
      {"\x80", false},
      {"\xe2\x82", false},  // truncated
      {"abcdefgh\xff", false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(core::isValidUtf8(c.text), c.valid) << c.text;
    std::string repaired;
    core::appendRepairedUtf8(repaired, c.text);
    EXPECT_TRUE(core::isValidUtf8(repaired));
    EXPECT_EQ(repaired.size(), core::repairedUtf8Size(c.text));
    if (c.valid) {
      EXPECT_EQ(repaired, c.text);
    }
  }
}

TEST(ProtoWriter, VarintSizes) {
  EXPECT_EQ(varintSize(0), 1u);
  EXPECT_EQ(varintSize(127), 1u);
  EXPECT_EQ(varintSize(128), 2u);
  EXPECT_EQ(varintSize(16383), 2u);
  EXPECT_EQ(varintSize(16384), 3u);
  EXPECT_EQ(varintSize(~std::uint64_t{0}), 10u);
  std::string out;
  ProtoWriter(out).varint(1, ~std::uint64_t{0});
  EXPECT_EQ(hex(out), "08ffffffffffffffffff01");
}

}  // namespace
}  // namespace switchyard::telemetry
