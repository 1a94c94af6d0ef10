// Numbers at the edges of what JSON text, Boost.JSON and int64 can hold: the checked int64
// conversion (json_fields.hpp) and the writer's refusal of non-finite numbers (json_writer.hpp).
// Boost.JSON parses a number beyond double range (`1e999`) as ±infinity and would serialize it as
// `Infinity`, which is not JSON.

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"

namespace switchyard::core {

namespace {

namespace json = boost::json;

struct IntegerCase {
  const char* json;
  std::optional<std::int64_t> expected;
};

TEST(JsonNumbers, ToInt64IsCheckedForEveryKind) {
  const IntegerCase cases[] = {
      {"0", 0},
      {"-9223372036854775808", INT64_MIN},
      {"9223372036854775807", INT64_MAX},
      {"9223372036854775808", std::nullopt},   // uint64 above int64's max
      {"18446744073709551615", std::nullopt},  // uint64 max
      {"12.9", 12},                            // doubles truncate toward zero
      {"-12.9", -12},
      {"-0.5", 0},
      {"9.2e18", 9200000000000000000},
      {"-9223372036854775808.0", INT64_MIN},    // -2^63 is exact
      {"9223372036854775808.0", std::nullopt},  // 2^63 is not an int64
      {"9.3e18", std::nullopt},
      {"1e300", std::nullopt},
      {"6e63", std::nullopt},
      {"1e999", std::nullopt},   // +infinity
      {"-1e999", std::nullopt},  // -infinity
      {"\"7\"", std::nullopt},   // strings are integerField's business
      {"true", std::nullopt},
      {"null", std::nullopt},
  };
  for (const auto& c : cases) {
    const json::value value = json::parse(c.json);
    EXPECT_EQ(toInt64(value), c.expected) << c.json;
  }
}

TEST(JsonNumbers, IntegerFieldReadsOutOfRangeAsZero) {
  const json::value parsed = json::parse(
      R"({"big":1e300,"inf":-1e999,"u":18446744073709551615,"s":"42","bad":"42x","huge":"99999999999999999999","d":3.7})");
  const auto* object = &parsed.get_object();
  EXPECT_EQ(integerField(object, "big"), 0);
  EXPECT_EQ(integerField(object, "inf"), 0);
  EXPECT_EQ(integerField(object, "u"), 0);
  EXPECT_EQ(integerField(object, "s"), 42);
  EXPECT_EQ(integerField(object, "bad"), 0);
  EXPECT_EQ(integerField(object, "huge"), 0);
  EXPECT_EQ(integerField(object, "d"), 3);
  EXPECT_EQ(integerField(object, "absent"), 0);
  EXPECT_EQ(integerField(nullptr, "big"), 0);
}

struct WriteCase {
  const char* json;
  std::optional<std::string> nonFiniteAt;  // nullopt: written as is
};

TEST(JsonNumbers, NonFiniteNumbersAreNeverWritten) {
  const WriteCase cases[] = {
      {"1e999", ""},
      {"-1e999", ""},
      {R"({"a":1,"b":{"c":[0,"x",-1e400]}})", ".b.c[2]"},
      {R"([[1],[2,{"k":1e309}]])", "[1][1].k"},
      {R"({"max":1.7976931348623157e308,"min":-4.9e-324,"u":18446744073709551615})", std::nullopt},
      {R"({"s":"1e999","n":null,"t":true})", std::nullopt},
  };
  for (const auto& c : cases) {
    const json::value value = json::parse(c.json);
    EXPECT_EQ(findNonFiniteNumber(value), c.nonFiniteAt) << c.json;

    std::string out = "prefix";
    const bool written = appendJsonValue(out, value);
    EXPECT_EQ(written, !c.nonFiniteAt) << c.json;
    if (!written) {
      EXPECT_EQ(out, "prefix") << "a refused value must append nothing: " << c.json;
    } else {
      EXPECT_EQ(json::parse(out.substr(6)), value) << out;
    }

    std::string body;
    JsonWriter w(body);
    w.beginArray();
    w.integer(1);
    EXPECT_EQ(w.value(value), !c.nonFiniteAt) << c.json;
    w.integer(2);
    w.endArray();
    EXPECT_EQ(body.find("Infinity"), std::string::npos) << body;
    boost::system::error_code ec;
    (void)json::parse(body, ec);
    EXPECT_FALSE(ec) << "the writer's output stays valid JSON: " << body;
  }
}

// Numbers are spelled the way clients write them, and each reads back as the same value of the
// same kind (a double stays a double, so `2.0` keeps its fraction).
TEST(JsonNumbers, ValuesAreWrittenInTheirShortestForm) {
  const std::pair<const char*, const char*> cases[] = {
      {"0.2", "0.2"},
      {"-0.5", "-0.5"},
      {"2.0", "2.0"},
      {"-0.0", "-0.0"},
      {"1e21", "1e+21"},
      {"4.9e-324", "5e-324"},
      {"1.7976931348623157e308", "1.7976931348623157e+308"},
      {"123", "123"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"18446744073709551615", "18446744073709551615"},
      {R"({"a":[true,false,null,"q\"\u0001"],"b":{}})",
       R"({"a":[true,false,null,"q\"\u0001"],"b":{}})"},
  };
  for (const auto& [text, expected] : cases) {
    const json::value value = json::parse(text);
    std::string out;
    ASSERT_TRUE(appendJsonValue(out, value)) << text;
    EXPECT_EQ(out, expected) << text;
    const json::value back = json::parse(out);
    EXPECT_EQ(back, value) << text;
    EXPECT_EQ(back.kind(), value.kind()) << text;
  }
}

// Short decimals (a temperature of 0.2) take a faster way than std::to_chars; whichever way a
// double takes, it is spelled exactly as to_chars spells it (plus `.0` for a whole number).
TEST(JsonNumbers, DoublesAreSpelledAsToCharsSpellsThem) {
  const auto expected = [](double number) {
    std::array<char, 32> digits;
    const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), number).ptr;
    std::string text(digits.data(), end);
    if (text.find_first_of(".e") == std::string::npos) text += ".0";
    return text;
  };
  std::vector<double> numbers = {0.001,
                                 0.0009999,
                                 0.0011,
                                 9999.999999,
                                 9999.9999999,
                                 1e4,
                                 1.0,
                                 0.1,
                                 0.7,
                                 1.5,
                                 2.0,
                                 0.3,
                                 1e-3,
                                 1234.5,
                                 0.125,
                                 0.000999,
                                 5000.0,
                                 0.0,
                                 -0.0,
                                 0.2,
                                 -0.35,
                                 1.1,
                                 0.30000000000000004};
  std::mt19937_64 random(15);
  std::uniform_int_distribution<std::uint64_t> units(0, 9'999'999'999);
  std::uniform_int_distribution<int> places(0, 9);
  for (int i = 0; i < 200'000; ++i)  // n / 10^k: short decimals, and longer ones near the limits
    numbers.push_back(static_cast<double>(units(random) % 100'000'000) /
                      std::pow(10.0, places(random)));
  std::uniform_real_distribution<double> any(-2e4, 2e4);
  for (int i = 0; i < 100'000; ++i) numbers.push_back(any(random));  // 17 digits: the general way
  for (const double number : numbers) {
    std::string out;
    ASSERT_TRUE(appendJsonValue(out, json::value(number))) << number;
    ASSERT_EQ(out, expected(number));
    double back = 1;
    std::from_chars(out.data(), out.data() + out.size(), back);
    ASSERT_EQ(back, number) << out;
    ASSERT_EQ(std::signbit(back), std::signbit(number)) << out;
  }
}

// Found by tests/fuzz/anthropic_messages_fuzzer.cpp: a top-level member named "" gave an error
// naming nothing ("number out of range in : ...", param null); and built with GCC, the message
// named nothing for any member (the param was moved out before the message read it).
TEST(JsonNumbers, OutOfRangeNamesTheMember) {
  const auto value = boost::json::parse(R"({"x": [1, 1e999]})").as_object();
  const auto named = numberOutOfRange("tools", value);
  EXPECT_EQ(named.param, "tools.x[1]");
  EXPECT_EQ(named.message, "number out of range in tools.x[1]: it does not fit a 64-bit float");
  const auto bare = boost::json::parse("1e999");
  const auto unnamed = numberOutOfRange("", bare);
  EXPECT_EQ(unnamed.kind, ErrorKind::InvalidRequest);
  EXPECT_EQ(unnamed.param, R"("")");
  EXPECT_NE(unnamed.message.find(R"(in "":)"), std::string::npos) << unnamed.message;
}

}  // namespace
}  // namespace switchyard::core
