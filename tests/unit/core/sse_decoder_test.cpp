#include "core/sse_decoder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace switchyard::core {
namespace {

std::vector<std::string> decodeInPieces(std::string_view stream, std::vector<std::size_t> cuts) {
  SseDecoder decoder;
  std::vector<std::string> events;
  std::size_t at = 0;
  cuts.push_back(stream.size());
  for (auto cut : cuts) {
    EXPECT_TRUE(decoder.feed(stream.substr(at, cut - at),
                             [&](std::string_view e) { events.emplace_back(e); }));
    at = cut;
  }
  return events;
}

const std::vector<std::string> kExpected = {R"({"a":1})", R"({"b":"x y"})", "line1\nline2", "{}"};

std::string recorded(std::string_view eol) {
  std::string s;
  auto line = [&](std::string_view text) {
    s += text;
    s += eol;
  };
  line(R"(data: {"a":1})");
  line("");
  line(": a comment");
  line(R"(data:{"b":"x y"})");
  line("");
  line("event: ignored");
  line("data: line1");
  line("data: line2");
  line("id: 7");
  line("");
  line("data: {}");
  line("");
  return s;
}

TEST(SseDecoderTest, EveryLineEndingGivesTheSameEvents) {
  for (std::string_view eol : {"\r\n", "\n", "\r"}) {
    EXPECT_EQ(decodeInPieces(recorded(eol), {}), kExpected) << "eol size " << eol.size();
  }
}

// Property: split the recorded stream at every single point and at every pair of points: the
// decoded events never change.
TEST(SseDecoderTest, SplittingAnywhereGivesTheSameEvents) {
  for (std::string_view eol : {"\r\n", "\n", "\r"}) {
    const auto stream = recorded(eol);
    for (std::size_t a = 0; a <= stream.size(); ++a) {
      ASSERT_EQ(decodeInPieces(stream, {a}), kExpected) << "cut at " << a;
      for (std::size_t b = a; b <= stream.size(); b += 3) {
        ASSERT_EQ(decodeInPieces(stream, {a, b}), kExpected) << "cuts at " << a << "," << b;
      }
    }
  }
}

TEST(SseDecoderTest, OneByteAtATime) {
  const auto stream = recorded("\r\n");
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
  EXPECT_EQ(decodeInPieces(stream, cuts), kExpected);
}

TEST(SseDecoderTest, LargeEventArrivingInSmallPiecesIsLinear) {
  const std::string big(4 << 20, 'x');
  const std::string stream = "data: " + big + "\r\n\r\n";
  SseDecoder decoder;
  std::size_t got = 0;
  for (std::size_t i = 0; i < stream.size(); i += 1024) {
    ASSERT_TRUE(decoder.feed(std::string_view(stream).substr(i, 1024),
                             [&](std::string_view e) { got = e.size(); }));
  }
  EXPECT_EQ(got, big.size());
}

// The usual event (one data line and its blank line in the same piece) is handed over where it
// lies in the piece; an event that spans pieces, or has several data lines, is still whole.
TEST(SseDecoderTest, AnEventWithinOnePieceReachesTheCallbackUncopied) {
  SseDecoder decoder;
  const std::string piece = "data: {\"a\":1}\r\n\r\ndata: one\ndata: two\n\ndata: spans";
  std::vector<std::string_view> views;
  std::vector<std::string> events;
  ASSERT_TRUE(decoder.feed(piece, [&](std::string_view e) {
    views.push_back(e);
    events.emplace_back(e);
  }));
  ASSERT_EQ(events, (std::vector<std::string>{R"({"a":1})", "one\ntwo"}));
  EXPECT_EQ(views[0].data(), piece.data() + 6);
  const std::string next = " pieces\ndata: more\n\n";
  ASSERT_TRUE(decoder.feed(next, [&](std::string_view e) { events.emplace_back(e); }));
  EXPECT_EQ(events.back(), "spans pieces\nmore");
}

TEST(SseDecoderTest, FirstEventEndIsAfterTheFirstBlankLine) {
  EXPECT_EQ(firstEventEnd("data: a\n\ndata: b\n\n"), 9u);
  EXPECT_EQ(firstEventEnd("data: a\r\n\r\ndata: b\r\n\r\n"), 11u);
  EXPECT_EQ(firstEventEnd("data: a\r\rdata: b\r\r"), 9u);
  EXPECT_EQ(firstEventEnd("event: x\r\ndata: a\r\n\r\n"), 21u);
  EXPECT_EQ(firstEventEnd("data: a\r\n\r\ndata: b\n\n"), 11u);  // the earliest, whichever kind
  EXPECT_EQ(firstEventEnd("data: no end yet\r\n"), 18u);
  EXPECT_EQ(firstEventEnd(""), 0u);
  // Cut there, the stream decodes as whole.
  const std::string stream = recorded("\r\n");
  const std::size_t cut = firstEventEnd(stream);
  EXPECT_EQ(stream.substr(0, cut), "data: {\"a\":1}\r\n\r\n");
  EXPECT_EQ(decodeInPieces(stream, {cut}), kExpected);
}

TEST(SseDecoderTest, EventOverTheLimitIsAnError) {
  SseDecoder decoder(100);
  const std::string stream = "data: " + std::string(200, 'x') + "\n\n";
  EXPECT_FALSE(decoder.feed(stream, [](std::string_view) {}));
}

TEST(SseDecoderTest, PartialEventAtTheEndIsReported) {
  SseDecoder decoder;
  int events = 0;
  EXPECT_TRUE(
      decoder.feed("data: {\"a\":1}\r\n\r\ndata: {\"tru", [&](std::string_view) { ++events; }));
  EXPECT_EQ(events, 1);
  EXPECT_TRUE(decoder.hasPartialEvent());
}

// Named events, as Anthropic sends them: each event's data comes with its own `event:` name.
std::vector<std::pair<std::string, std::string>> decodeNamed(std::string_view stream,
                                                             std::vector<std::size_t> cuts) {
  SseDecoder decoder;
  std::vector<std::pair<std::string, std::string>> events;
  std::size_t at = 0;
  cuts.push_back(stream.size());
  for (auto cut : cuts) {
    EXPECT_TRUE(decoder.feed(
        stream.substr(at, cut - at),
        [&](std::string_view data, std::string_view name) { events.emplace_back(name, data); }));
    at = cut;
  }
  return events;
}

TEST(SseDecoderTest, EventNamesGoWithTheirEventsWhereverTheStreamIsCut) {
  const std::string stream =
      "event: message_start\r\ndata: {\"a\":1}\r\n\r\n"
      "data: {\"unnamed\":1}\r\n\r\n"
      "event: first\nevent:second\ndata: x\n\n"  // the last name given wins
      "event: no_data\n\n"                       // dropped, and its name with it
      "data: y\n\n"
      "event: ping\r: comment\rdata: {}\r\r";
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"message_start", R"({"a":1})"},
      {"", R"({"unnamed":1})"},
      {"second", "x"},
      {"", "y"},
      {"ping", "{}"}};
  for (std::size_t a = 0; a <= stream.size(); ++a)
    ASSERT_EQ(decodeNamed(stream, {a}), expected) << "cut at " << a;
  std::vector<std::size_t> everyByte;
  for (std::size_t i = 1; i < stream.size(); ++i) everyByte.push_back(i);
  EXPECT_EQ(decodeNamed(stream, everyByte), expected);
}

TEST(SseDecoderTest, OneArgumentCallbacksStillSeeOnlyData) {
  SseDecoder decoder;
  std::vector<std::string> events;
  EXPECT_TRUE(decoder.feed("event: e\ndata: d\n\n",
                           [&](std::string_view data) { events.emplace_back(data); }));
  EXPECT_EQ(events, std::vector<std::string>{"d"});
}

}  // namespace
}  // namespace switchyard::core
