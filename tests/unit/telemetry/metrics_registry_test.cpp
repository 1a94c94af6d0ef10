#include "telemetry/metrics_registry.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace switchyard::telemetry {
namespace {

const SeriesSnapshot* findSeries(const std::vector<FamilySnapshot>& families, std::string_view name,
                                 const std::vector<std::string>& labels) {
  for (const auto& family : families) {
    if (family.family->name != name) continue;
    for (const auto& series : family.series)
      if (series.labelValues == labels) return &series;
  }
  return nullptr;
}

double valueOf(const std::vector<FamilySnapshot>& families, std::string_view name,
               const std::vector<std::string>& labels) {
  const auto* series = findSeries(families, name, labels);
  return series ? series->value : -1;
}

TEST(MetricsRegistryTest, SumsEveryShardPerSeries) {
  MetricsRegistry registry;
  const auto requests = registry.addCounter("requests_total", "Requests.", {"code"});
  const auto open = registry.addGauge("open_streams", "Open streams.");
  auto& a = registry.addShard();
  auto& b = registry.addShard();
  a.counter(requests, {"200"}).add(3);
  b.counter(requests, {"200"}).add(4);
  b.counter(requests, {"429"}).add();
  a.gauge(open, {}).add(2);
  b.gauge(open, {}).add(-1);

  const auto families = registry.collect();
  EXPECT_EQ(valueOf(families, "requests_total", {"200"}), 7);
  EXPECT_EQ(valueOf(families, "requests_total", {"429"}), 1);
  EXPECT_EQ(valueOf(families, "open_streams", {}), 1);
}

TEST(MetricsRegistryTest, SameLabelValuesFindTheSameSeries) {
  MetricsRegistry registry;
  const auto attempts = registry.addCounter("attempts_total", "Attempts.", {"backend", "outcome"});
  auto& shard = registry.addShard();
  const std::string backend = "default/primary";
  const std::array<std::string_view, 2> values{backend, "ok"};
  Counter& first = shard.counter(attempts, LabelKey(values));
  Counter& again = shard.counter(attempts, {"default/primary", "ok"});
  Counter& other = shard.counter(attempts, {"default/primary", "status_503"});
  EXPECT_EQ(&first, &again);
  EXPECT_NE(&first, &other);
  // Values are compared whole, not by concatenation.
  Counter& shifted = shard.counter(attempts, {"default/primaryo", "k"});
  EXPECT_NE(&first, &shifted);
}

TEST(MetricsRegistryTest, HistogramCountsLandInTheirBuckets) {
  MetricsRegistry registry;
  const auto latency = registry.addHistogram("latency_seconds", "Latency.", {}, {0.1, 1, 10});
  auto& shard = registry.addShard();
  auto& h = shard.histogram(latency, {});
  for (const double v : {0.05, 0.1, 0.5, 1.0, 5.0, 50.0, 50.0}) h.observe(v);
  h.observe(std::nan(""));

  const auto families = registry.collect();
  const auto* series = findSeries(families, "latency_seconds", {});
  ASSERT_NE(series, nullptr);
  EXPECT_EQ(series->histogram.counts, (std::vector<std::uint64_t>{2, 2, 1, 2}));  // le is inclusive
  EXPECT_EQ(series->histogram.count(), 7u);
  EXPECT_DOUBLE_EQ(series->histogram.sum, 106.65);
}

TEST(MetricsRegistryTest, TooManySeriesGoToOneOverflowSeries) {
  MetricsRegistry registry(/*maxSeriesPerFamily=*/3);
  const auto byModel = registry.addCounter("by_model_total", "By model.", {"model", "kind"});
  auto& shard = registry.addShard();
  for (int i = 0; i < 10; ++i) shard.counter(byModel, {"model-" + std::to_string(i), "chat"}).add();
  shard.counter(byModel, {"model-0", "chat"}).add();  // an existing series keeps counting

  const auto families = registry.collect();
  ASSERT_EQ(families.size(), 2u);  // and switchyard_metric_overflow_total
  EXPECT_EQ(families[0].series.size(), 4u);
  EXPECT_EQ(valueOf(families, "by_model_total", {"model-0", "chat"}), 2);
  EXPECT_EQ(valueOf(families, "by_model_total", {"overflow", "overflow"}), 7);
  // What overflowed is counted per family.
  EXPECT_EQ(valueOf(families, "switchyard_metric_overflow_total", {"by_model_total"}), 7);
}

TEST(MetricsRegistryTest, TooLongLabelValuesGoToTheOverflowSeries) {
  MetricsRegistry registry;
  const auto byModel = registry.addCounter("by_model_total", "By model.", {"model"});
  const auto latency = registry.addHistogram("latency_seconds", "Latency.", {"model"}, {1});
  auto& shard = registry.addShard();
  const std::string huge(kMaxLabelValueBytes + 1, 'x');
  const std::string longest(kMaxLabelValueBytes, 'y');
  shard.counter(byModel, {huge}).add();
  shard.counter(byModel, {huge}).add();
  shard.counter(byModel, {longest}).add();
  shard.histogram(latency, {huge}).observe(0.5);

  const auto families = registry.collect();
  EXPECT_EQ(valueOf(families, "by_model_total", {"overflow"}), 2);
  EXPECT_EQ(valueOf(families, "by_model_total", {longest}), 1);
  EXPECT_EQ(findSeries(families, "latency_seconds", {"overflow"})->histogram.count(), 1u);
  EXPECT_EQ(valueOf(families, "switchyard_metric_overflow_total", {"by_model_total"}), 2);
  EXPECT_EQ(valueOf(families, "switchyard_metric_overflow_total", {"latency_seconds"}), 1);
}

TEST(MetricsRegistryTest, CallbacksAreReadAtScrapeTimeAndAddedUp) {
  MetricsRegistry registry;
  std::atomic<int> dropped{0};
  registry.addCallbackCounter("spans_dropped_total", "Dropped spans.",
                              [&] { return double(dropped.load()); });
  registry.addCallback(
      {"token_fetches_total", "Token fetches.", MetricType::Counter, {"outcome"}, {}},
      [](CallbackSink& sink) {
        sink.add({"ok"}, 2);  // one token cache
        sink.add({"ok"}, 3);  // another
        sink.add({"error"}, 1);
      });
  dropped = 5;
  auto families = registry.collect();
  EXPECT_EQ(valueOf(families, "spans_dropped_total", {}), 5);
  EXPECT_EQ(valueOf(families, "token_fetches_total", {"ok"}), 5);
  EXPECT_EQ(valueOf(families, "token_fetches_total", {"error"}), 1);
  dropped = 9;
  families = registry.collect();
  EXPECT_EQ(valueOf(families, "spans_dropped_total", {}), 9);
}

TEST(MetricsRegistryTest, FamiliesWithoutSeriesAreLeftOut) {
  MetricsRegistry registry;
  registry.addCounter("never_total", "Never recorded.", {"x"});
  const auto used = registry.addCounter("used_total", "Recorded.");
  registry.addShard().counter(used, {}).add();
  const auto families = registry.collect();
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].family->name, "used_total");
}

TEST(MetricsRegistryTest, RejectsBadDeclarations) {
  MetricsRegistry registry;
  EXPECT_THROW(registry.addCounter("requests", "no _total suffix"), std::invalid_argument);
  EXPECT_THROW(registry.addCounter("bad-name_total", "dash"), std::invalid_argument);
  EXPECT_THROW(registry.addCounter("x_total", "label", {"bad label"}), std::invalid_argument);
  EXPECT_THROW(registry.addCounter("x_total", "reserved", {"__name"}), std::invalid_argument);
  EXPECT_THROW(registry.addHistogram("h", "le is reserved", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(registry.addHistogram("h", "descending", {}, {2, 1}), std::invalid_argument);
  EXPECT_THROW(
      registry.addHistogram("h", "infinite", {}, {1, std::numeric_limits<double>::infinity()}),
      std::invalid_argument);
  registry.addGauge("g", "ok");
  EXPECT_THROW(registry.addGauge("g", "twice"), std::invalid_argument);
  EXPECT_THROW(registry.addCallbackGauge("g", "twice as callback", [] { return 0.0; }),
               std::invalid_argument);
  registry.addShard();
  EXPECT_THROW(registry.addCounter("late_total", "after a shard"), std::logic_error);
  registry.addCallbackCounter("late_callback_total", "callbacks may come later",
                              [] { return 1.0; });
}

// Each thread records into its own shard, creating series as it goes, while a scraper scrapes:
// every scrape sees counts that never go down, and the last one sees exactly what was recorded.
TEST(MetricsRegistryTest, ConcurrentRecordingAndScrapingAddUpExactly) {
  constexpr int kThreads = 4;
  constexpr int kIterations = 50'000;
  constexpr int kLabels = 16;
  MetricsRegistry registry;
  const auto requests = registry.addCounter("requests_total", "Requests.", {"code"});
  const auto latency = registry.addHistogram("latency_seconds", "Latency.", {"model"}, {1, 2, 4});
  std::vector<MetricsShard*> shards;
  for (int t = 0; t < kThreads; ++t) shards.push_back(&registry.addShard());

  std::atomic<bool> done{false};
  std::atomic<int> scrapes{0};
  std::thread scraper([&] {
    double lastTotal = 0;
    while (!done.load()) {
      const auto families = registry.collect();
      double total = 0;
      for (const auto& family : families) {
        if (family.family->name != "requests_total") continue;
        for (const auto& series : family.series) total += series.value;
      }
      EXPECT_GE(total, lastTotal);
      lastTotal = total;
      scrapes.fetch_add(1);
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, shard = shards[t]] {
      for (int i = 0; i < kIterations; ++i) {
        const std::string code = std::to_string(200 + i % kLabels);  // new series early on
        shard->counter(requests, {code}).add();
        shard->histogram(latency, {"m" + std::to_string(i % 3)}).observe(double(i % 5));
      }
    });
  }
  for (auto& worker : workers) worker.join();
  done = true;
  scraper.join();
  EXPECT_GT(scrapes.load(), 0);

  const auto families = registry.collect();
  double total = 0;
  for (int l = 0; l < kLabels; ++l) {
    const double v = valueOf(families, "requests_total", {std::to_string(200 + l)});
    EXPECT_EQ(v, double(kThreads) * kIterations / kLabels);
    total += v;
  }
  EXPECT_EQ(total, double(kThreads) * kIterations);
  std::uint64_t observations = 0;
  double sum = 0;
  for (int m = 0; m < 3; ++m) {
    const auto* series = findSeries(families, "latency_seconds", {"m" + std::to_string(m)});
    ASSERT_NE(series, nullptr);
    observations += series->histogram.count();
    sum += series->histogram.sum;
  }
  EXPECT_EQ(observations, std::uint64_t(kThreads) * kIterations);
  // i % 5 over 50'000 iterations: 10'000 each of 0..4, so 100'000 per thread.
  EXPECT_DOUBLE_EQ(sum, double(kThreads) * 100'000);
}

}  // namespace
}  // namespace switchyard::telemetry
