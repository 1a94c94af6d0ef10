#include "telemetry/trace_context.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace switchyard::telemetry {
namespace {

constexpr const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kParent = "00f067aa0ba902b7";

std::string header(std::string version, std::string trace, std::string parent, std::string flags) {
  return version + "-" + trace + "-" + parent + "-" + flags;
}

struct ParseCase {
  std::string name;
  std::string header;
  bool valid;
  std::uint8_t flags = 0;
};

class TraceParentParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(TraceParentParse, MatchesW3cRules) {
  const auto& c = GetParam();
  const auto parsed = parseTraceParent(c.header);
  ASSERT_EQ(parsed.has_value(), c.valid) << c.header;
  if (!parsed) return;
  EXPECT_EQ(toHex(parsed->traceId), kTrace);
  EXPECT_EQ(toHex(parsed->parentId), kParent);
  EXPECT_EQ(parsed->flags, c.flags);
}

INSTANTIATE_TEST_SUITE_P(
    Table, TraceParentParse,
    ::testing::Values(
        ParseCase{"sampled", header("00", kTrace, kParent, "01"), true, 1},
        ParseCase{"not_sampled", header("00", kTrace, kParent, "00"), true, 0},
        ParseCase{"unknown_flag_bits_kept_in_00", header("00", kTrace, kParent, "03"), true, 3},
        ParseCase{"surrounding_whitespace", " \t" + header("00", kTrace, kParent, "01") + " ", true,
                  1},
        ParseCase{"future_version_exact", header("cc", kTrace, kParent, "01"), true, 1},
        ParseCase{"future_version_more_fields",
                  header("cc", kTrace, kParent, "09") + "-what-the-future-holds", true, 1},
        ParseCase{"future_version_junk_after_flags", header("cc", kTrace, kParent, "01") + "x",
                  false},
        ParseCase{"version_00_with_more_fields", header("00", kTrace, kParent, "01") + "-x", false},
        ParseCase{"version_ff", header("ff", kTrace, kParent, "01"), false},
        ParseCase{"uppercase_version", header("0A", kTrace, kParent, "01"), false},
        ParseCase{"uppercase_trace_id",
                  header("00", "4BF92F3577B34DA6A3CE929D0E0E4736", kParent, "01"), false},
        ParseCase{"uppercase_parent_id", header("00", kTrace, "00F067AA0BA902B7", "01"), false},
        ParseCase{"uppercase_flags", header("00", kTrace, kParent, "0A"), false},
        ParseCase{"zero_trace_id", header("00", std::string(32, '0'), kParent, "01"), false},
        ParseCase{"zero_parent_id", header("00", kTrace, std::string(16, '0'), "01"), false},
        ParseCase{"short_trace_id", header("00", std::string(kTrace).substr(1), kParent, "01"),
                  false},
        ParseCase{"long_parent_id", header("00", kTrace, std::string(kParent) + "0", "01"), false},
        ParseCase{"non_hex", header("00", kTrace, "00f067aa0ba902bg", "01"), false},
        ParseCase{"wrong_separator", "00_" + std::string(kTrace) + "-" + kParent + "-01", false},
        ParseCase{"one_digit_flags", "00-" + std::string(kTrace) + "-" + kParent + "-1", false},
        ParseCase{"empty", "", false}, ParseCase{"garbage", "hello", false}),
    [](const auto& info) { return info.param.name; });

TEST(TraceParent, FormatRoundTrips) {
  const auto parsed = parseTraceParent(header("00", kTrace, kParent, "01"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(formatTraceParent(parsed->traceId, parsed->parentId, parsed->flags),
            header("00", kTrace, kParent, "01"));
  // A later version is answered in the version this code speaks.
  const auto future = parseTraceParent(header("cc", kTrace, kParent, "01") + "-more");
  ASSERT_TRUE(future);
  EXPECT_EQ(formatTraceParent(future->traceId, future->parentId, future->flags),
            header("00", kTrace, kParent, "01"));
}

TEST(TraceParent, TraceStateIsCarriedOnlyWithAValidParent) {
  const auto joined = parseTraceParent(header("00", kTrace, kParent, "01"),
                                       "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->traceState, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_FALSE(parseTraceParent("00-bad", "rojo=1"));
}

TEST(TraceParent, TraceStateThatCouldBreakTheExportIsDropped) {
  EXPECT_EQ(acceptTraceState(" a=1 "), "a=1");
  EXPECT_EQ(acceptTraceState("a=\xff"), "");       // not UTF-8: Phoenix would reject the batch
  EXPECT_EQ(acceptTraceState("a=1\r\nx: y"), "");  // control characters
  EXPECT_EQ(acceptTraceState(std::string(513, 'a')), "");
  EXPECT_EQ(acceptTraceState(std::string(512, 'a')), std::string(512, 'a'));
}

TEST(IdGenerator, IdsAreNonZeroAndDistinct) {
  IdGenerator ids;
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const TraceId trace = ids.traceId();
    const SpanId span = ids.spanId();
    EXPECT_TRUE(trace.valid());
    EXPECT_TRUE(span.valid());
    EXPECT_TRUE(seen.insert(toHex(trace)).second);
    EXPECT_TRUE(seen.insert(toHex(span)).second);
  }
}

TEST(IdGenerator, SeededGeneratorsRepeatAndDifferentSeedsDiffer) {
  IdGenerator a(42), b(42), c(43);
  const TraceId first = a.traceId();
  EXPECT_EQ(first, b.traceId());
  EXPECT_NE(first, c.traceId());
}

TEST(IdGenerator, TwoGeneratorsFromTheDeviceDiffer) {
  IdGenerator a, b;
  EXPECT_NE(a.traceId(), b.traceId());
}

}  // namespace
}  // namespace switchyard::telemetry
