#include "telemetry/prometheus_text.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "telemetry/metrics_registry.hpp"

namespace switchyard::telemetry {
namespace {

std::string scrape(const MetricsRegistry& registry) {
  const auto families = registry.collect();
  return renderPrometheusText(families);
}

TEST(PrometheusTextTest, CounterWithHelpTypeAndEscapedLabels) {
  MetricsRegistry registry;
  const auto models = registry.addCounter("models_total", "Requests by model.\nSecond \\ line.",
                                          {"model", "error_type"});
  auto& shard = registry.addShard();
  shard.counter(models, {"a\"b\\c\nd", ""}).add(2);
  shard.counter(models, {"plain", "timeout"}).add();
  EXPECT_EQ(scrape(registry),
            "# HELP models_total Requests by model.\\nSecond \\\\ line.\n"
            "# TYPE models_total counter\n"
            "models_total{model=\"a\\\"b\\\\c\\nd\"} 2\n"
            "models_total{model=\"plain\",error_type=\"timeout\"} 1\n");
}

TEST(PrometheusTextTest, HistogramBucketsAreCumulativeAndEndInInf) {
  MetricsRegistry registry;
  const auto duration =
      registry.addHistogram("request_duration_seconds", "Duration.", {"op"}, {0.01, 0.5, 2.56});
  auto& shard = registry.addShard();
  auto& h = shard.histogram(duration, {"chat"});
  for (const double v : {0.005, 0.3, 0.4, 3.0}) h.observe(v);
  EXPECT_EQ(scrape(registry),
            "# HELP request_duration_seconds Duration.\n"
            "# TYPE request_duration_seconds histogram\n"
            "request_duration_seconds_bucket{op=\"chat\",le=\"0.01\"} 1\n"
            "request_duration_seconds_bucket{op=\"chat\",le=\"0.5\"} 3\n"
            "request_duration_seconds_bucket{op=\"chat\",le=\"2.56\"} 3\n"
            "request_duration_seconds_bucket{op=\"chat\",le=\"+Inf\"} 4\n"
            "request_duration_seconds_sum{op=\"chat\"} 3.705\n"
            "request_duration_seconds_count{op=\"chat\"} 4\n");
}

TEST(PrometheusTextTest, UnlabelledSeriesHaveNoBraces) {
  MetricsRegistry registry;
  const auto overhead = registry.addHistogram("overhead_seconds", "Overhead.", {}, {1});
  const auto open = registry.addGauge("open_streams", "Open.");
  auto& shard = registry.addShard();
  shard.histogram(overhead, {}).observe(0.5);
  shard.gauge(open, {}).add(3);
  EXPECT_EQ(scrape(registry),
            "# HELP overhead_seconds Overhead.\n"
            "# TYPE overhead_seconds histogram\n"
            "overhead_seconds_bucket{le=\"1\"} 1\n"
            "overhead_seconds_bucket{le=\"+Inf\"} 1\n"
            "overhead_seconds_sum 0.5\n"
            "overhead_seconds_count 1\n"
            "# HELP open_streams Open.\n"
            "# TYPE open_streams gauge\n"
            "open_streams 3\n");
}

TEST(PrometheusTextTest, SeriesAreSortedAndShardsMerged) {
  MetricsRegistry registry;
  const auto codes = registry.addCounter("requests_total", "Requests.", {"code"});
  auto& a = registry.addShard();
  auto& b = registry.addShard();
  b.counter(codes, {"429"}).add();
  a.counter(codes, {"200"}).add(2);
  b.counter(codes, {"200"}).add(5);
  EXPECT_EQ(scrape(registry),
            "# HELP requests_total Requests.\n"
            "# TYPE requests_total counter\n"
            "requests_total{code=\"200\"} 7\n"
            "requests_total{code=\"429\"} 1\n");
}

TEST(PrometheusTextTest, NumbersRoundTripAndSpecialValues) {
  auto text = [](double v) {
    std::string out;
    appendNumber(out, v);
    return out;
  };
  EXPECT_EQ(text(0), "0");
  EXPECT_EQ(text(42), "42");
  EXPECT_EQ(text(0.1), "0.1");
  EXPECT_EQ(text(67108864), "67108864");
  EXPECT_EQ(text(0.0001), "0.0001");
  EXPECT_EQ(text(0.013153999999999999), "0.013153999999999999");
  EXPECT_EQ(text(-2.5), "-2.5");
  EXPECT_EQ(text(1e-9), "1e-09");
  EXPECT_EQ(text(1e300), "1e+300");
  EXPECT_EQ(std::stod(text(1.0 / 3)), 1.0 / 3);
  EXPECT_EQ(text(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(text(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(text(std::nan("")), "NaN");
}

}  // namespace
}  // namespace switchyard::telemetry
