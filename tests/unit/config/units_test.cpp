#include "config/units.hpp"

#include <gtest/gtest.h>

namespace switchyard::config {
namespace {

struct DurationCase {
  std::string text;
  std::optional<long long> ms;
};

class DurationTest : public ::testing::TestWithParam<DurationCase> {};

TEST_P(DurationTest, Parses) {
  const auto& c = GetParam();
  const auto parsed = parseDuration(c.text);
  ASSERT_EQ(parsed.has_value(), c.ms.has_value()) << c.text;
  if (c.ms) EXPECT_EQ(parsed->count(), *c.ms) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Units, DurationTest,
    ::testing::Values(DurationCase{"30s", 30'000}, DurationCase{"100ms", 100},
                      DurationCase{"1.5s", 1'500}, DurationCase{"1m", 60'000},
                      DurationCase{"1h", 3'600'000}, DurationCase{"1h30m", 5'400'000},
                      DurationCase{"2m3.25s", 123'250}, DurationCase{"0", 0}, DurationCase{"0s", 0},
                      DurationCase{"1500us", 1}, DurationCase{"999999ns", 0},
                      DurationCase{".5s", 500}, DurationCase{"", std::nullopt},
                      DurationCase{"30", std::nullopt}, DurationCase{"-1s", std::nullopt},
                      DurationCase{"1d", std::nullopt}, DurationCase{"s", std::nullopt},
                      DurationCase{"1.s5", std::nullopt}, DurationCase{"10 s", std::nullopt},
                      DurationCase{"99999999999999999999h", std::nullopt}));

struct QuantityCase {
  std::string text;
  std::optional<std::uint64_t> bytes;
};

class QuantityTest : public ::testing::TestWithParam<QuantityCase> {};

TEST_P(QuantityTest, Parses) {
  const auto& c = GetParam();
  EXPECT_EQ(parseQuantity(c.text), c.bytes) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Units, QuantityTest,
    ::testing::Values(QuantityCase{"50Mi", 50ull << 20}, QuantityCase{"32Ki", 32ull << 10},
                      QuantityCase{"1G", 1'000'000'000ull}, QuantityCase{"1024", 1024},
                      QuantityCase{"1Gi", 1ull << 30}, QuantityCase{"1k", 1000},
                      QuantityCase{"1.5Mi", 3ull << 19}, QuantityCase{"", std::nullopt},
                      QuantityCase{"Mi", std::nullopt}, QuantityCase{"10m", std::nullopt},
                      QuantityCase{"10MB", std::nullopt}, QuantityCase{"-1", std::nullopt},
                      QuantityCase{"99999999999Ei", std::nullopt}));

TEST(FormatDurationTest, GoStyle) {
  EXPECT_EQ(formatDuration(Millis(0)), "0s");
  EXPECT_EQ(formatDuration(Millis(100)), "100ms");
  EXPECT_EQ(formatDuration(Millis(30'000)), "30s");
  EXPECT_EQ(formatDuration(Millis(1'500)), "1.5s");
  EXPECT_EQ(formatDuration(Millis(5'400'000)), "1h30m");
  EXPECT_EQ(formatDuration(Millis(90'250)), "1m30.25s");
}

}  // namespace
}  // namespace switchyard::config
