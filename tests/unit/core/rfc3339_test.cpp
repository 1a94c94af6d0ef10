// The one RFC 3339 parser (config's modelsCreatedAt, Vertex's createTime): the cases both former
// copies had, and the two points where they disagreed.

#include "core/rfc3339.hpp"

#include <gtest/gtest.h>

namespace switchyard::core {
namespace {

TEST(Rfc3339, ParsesUtcOffsetsAndFractions) {
  EXPECT_EQ(parseRfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parseRfc3339("2025-06-17T00:00:00Z"), 1750118400);
  EXPECT_EQ(parseRfc3339("2025-06-17T02:00:00+02:00"), 1750118400);
  EXPECT_EQ(parseRfc3339("2025-06-16T19:00:00.123-05:00"), 1750118400);
  EXPECT_EQ(parseRfc3339("2025-07-11T22:15:44.956335Z"), 1752272144);
  EXPECT_EQ(parseRfc3339("2025-07-11T23:15:44+01:00"), 1752272144);
  EXPECT_EQ(parseRfc3339("2000-02-29T12:00:00-00:30"), 951825600 + 1800);
  EXPECT_EQ(parseRfc3339("2025-07-11t22:15:44z"), 1752272144);  // §5.6: 'T' and 'Z' in any case
  EXPECT_EQ(parseRfc3339("1969-12-31T23:59:59Z"), -1);
  EXPECT_EQ(parseRfc3339("2016-12-31T23:59:60Z"), 1483228800);  // a leap second
}

TEST(Rfc3339, RejectsIncompleteText) {
  EXPECT_FALSE(parseRfc3339(""));
  EXPECT_FALSE(parseRfc3339("2025-06-17"));
  EXPECT_FALSE(parseRfc3339("2025-06-17T00:00:00"));  // no zone
  EXPECT_FALSE(parseRfc3339("2025-06-17T00:00:00.Z"));
  EXPECT_FALSE(parseRfc3339("2025-06-17T00:00:00+02"));
  EXPECT_FALSE(parseRfc3339("2025-06-17T00:00:00+0200"));
  EXPECT_FALSE(parseRfc3339("2025-06-17T00:00:00Z "));
  EXPECT_FALSE(parseRfc3339("2025-6-17T00:00:00Z"));
  EXPECT_FALSE(parseRfc3339("yesterday"));
}

TEST(Rfc3339, RejectsOutOfRangeFields) {
  EXPECT_FALSE(parseRfc3339("2025-13-11T22:15:44Z"));
  EXPECT_FALSE(parseRfc3339("2025-00-11T22:15:44Z"));
  EXPECT_FALSE(parseRfc3339("2025-07-00T22:15:44Z"));
  EXPECT_FALSE(parseRfc3339("2025-07-11T24:00:00Z"));
  EXPECT_FALSE(parseRfc3339("2025-07-11T22:60:00Z"));
  EXPECT_FALSE(parseRfc3339("2025-07-11T22:15:61Z"));
  EXPECT_FALSE(parseRfc3339("2025-07-11T22:15:44+24:00"));
  EXPECT_FALSE(parseRfc3339("2025-07-11T22:15:44+01:60"));
}

// Vertex's copy accepted these (it only checked day <= 31).
TEST(Rfc3339, RejectsImpossibleDates) {
  EXPECT_FALSE(parseRfc3339("2025-02-30T00:00:00Z"));
  EXPECT_FALSE(parseRfc3339("2025-02-31T00:00:00Z"));
  EXPECT_FALSE(parseRfc3339("2025-02-29T00:00:00Z"));  // not a leap year
  EXPECT_FALSE(parseRfc3339("1900-02-29T00:00:00Z"));
  EXPECT_FALSE(parseRfc3339("2025-04-31T00:00:00Z"));
  EXPECT_TRUE(parseRfc3339("2024-02-29T00:00:00Z"));
  EXPECT_TRUE(parseRfc3339("2000-02-29T00:00:00Z"));
}

// Config's copy accepted this; see core/rfc3339.hpp for why it is refused.
TEST(Rfc3339, RejectsSpaceSeparator) {
  EXPECT_FALSE(parseRfc3339("2025-07-11 22:15:44Z"));
  EXPECT_FALSE(parseRfc3339("2025-07-11_22:15:44Z"));
}

}  // namespace
}  // namespace switchyard::core
