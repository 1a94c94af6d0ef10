// appendJsonEscaped checks eight bytes at a time; these cases hold it to the plain byte-by-byte
// definition at every alignment and for every byte value.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "core/json_writer.hpp"

namespace switchyard::core {

namespace {

std::string reference(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string escaped(std::string_view text) {
  std::string out = "prefix:";
  appendJsonEscaped(out, text);
  return out.substr(7);
}

// The same through writeJsonEscaped, into exactly the room it promises to stay within.
std::string written(std::string_view text) {
  std::string room(kMaxJsonEscapedGrowth * text.size(), '\0');
  const char* end = writeJsonEscaped(room.data(), text);
  room.resize(static_cast<std::size_t>(end - room.data()));
  return room;
}

TEST(JsonEscape, EveryByteAtEveryPositionOfAWord) {
  for (int byte = 0; byte < 256; ++byte) {
    for (std::size_t at = 0; at < 19; ++at) {
      std::string text(19, 'a');
      text[at] = static_cast<char>(byte);
      ASSERT_EQ(escaped(text), reference(text)) << "byte " << byte << " at " << at;
      ASSERT_EQ(written(text), reference(text)) << "byte " << byte << " at " << at;
    }
  }
}

TEST(JsonEscape, RandomTextOfEveryLength) {
  std::mt19937 random(7);
  const std::string alphabet = "ab \"\\\n\x01\x1f\x7f\xc3\xa9\xe2\x82\xac";
  for (std::size_t length = 0; length < 200; ++length) {
    std::string text;
    for (std::size_t i = 0; i < length; ++i) text += alphabet[random() % alphabet.size()];
    ASSERT_EQ(escaped(text), reference(text)) << "length " << length;
    ASSERT_EQ(written(text), reference(text)) << "length " << length;
  }
}

TEST(JsonEscape, HighBytesAndPlainTextPassThrough) {
  const std::string text =
      "Gemini says: \xc3\xa9t\xc3\xa9 \xe2\x82\xac 0x7f=\x7f and nothing else to escape here";
  EXPECT_EQ(escaped(text), text);
  EXPECT_EQ(written(text), text);
}

TEST(JsonEscape, EveryControlByteTakesAtMostItsPromisedRoom) {
  const std::string text(64, '\x01');
  EXPECT_EQ(written(text).size(), kMaxJsonEscapedGrowth * text.size());
}

TEST(JsonEscape, LiteralKeysAreCopiedAndKeysFromInputAreEscaped) {
  std::string out;
  JsonWriter w(out);
  w.beginObject();
  w.field("model", "m");
  w.escapedKey("a\"b\\c\n");
  w.integer(1);
  w.key("usage");
  w.beginObject();
  w.fieldInt("total_tokens", 2);
  w.endObject();
  w.endObject();
  EXPECT_EQ(out, R"({"model":"m","a\"b\\c\n":1,"usage":{"total_tokens":2}})");
  static_assert(JsonKey("prompt_tokens").text() == "prompt_tokens");
}

}  // namespace
}  // namespace switchyard::core
