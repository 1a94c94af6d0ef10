#pragma once
// The process's metrics: families declared once at start-up, values recorded into per-thread
// shards and summed over all shards when /metrics is scraped.
//
// Threads: each worker owns one MetricsShard. Recording into a series that exists takes no lock,
// allocates nothing and does no read-modify-write instruction: the owner finds the series by its
// label values in a node-based map (read without a lock: only the owner ever inserts) and bumps
// relaxed atomics. The shard's mutex is taken only to insert a new series and by the scraper,
// which reads the maps under it. Process-wide values that already live elsewhere (outlier
// ejections, token fetches, dropped spans) are read by callbacks at scrape time instead.

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/histogram.hpp"

namespace switchyard::telemetry {

enum class MetricType { Counter, Gauge, Histogram };

struct MetricFamily {
  std::string name;  // the Prometheus name: counters end in _total, histograms are the base name
  std::string help;
  MetricType type = MetricType::Counter;
  std::vector<std::string> labelNames;
  std::vector<double> bounds;  // histograms: strictly ascending finite upper bounds
};

// The longest label value a series keeps: a longer one records into the overflow series (callers
// bound what they pass; this is the backstop for one they missed).
inline constexpr std::size_t kMaxLabelValueBytes = 1024;

// Label values in the family's label order, hashed once so that one key can look up several
// families with the same labels. Holds views: the values must outlive the key.
class LabelKey {
 public:
  explicit LabelKey(std::span<const std::string_view> values);
  std::span<const std::string_view> values() const { return values_; }
  std::size_t hash() const { return hash_; }
  bool tooLong() const { return tooLong_; }  // a value exceeds kMaxLabelValueBytes (not hashed)

 private:
  std::span<const std::string_view> values_;
  std::size_t hash_;
  bool tooLong_ = false;
};

// Cells written by their shard's owner only (load + store, no lock prefix), read by any thread.
class Counter {
 public:
  void add(std::uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void add(std::int64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

struct CounterId {
  std::uint32_t index;
};
struct GaugeId {
  std::uint32_t index;
};
struct HistogramId {
  std::uint32_t index;
};

// The value of one label vector of a family, summed over every shard (and callback).
struct SeriesSnapshot {
  std::vector<std::string> labelValues;
  double value = 0;             // counters and gauges
  HistogramSnapshot histogram;  // histograms
};

// Series being summed during a scrape, keyed by their label values.
using SeriesByLabels = std::map<std::vector<std::string>, SeriesSnapshot>;

struct FamilySnapshot {
  const MetricFamily* family = nullptr;  // valid while the registry lives
  std::vector<SeriesSnapshot> series;    // sorted by label values
};

// Where a scrape-time callback reports its values. Values given for the same label values are
// added up (several token caches report into one series).
class CallbackSink {
 public:
  void add(std::span<const std::string_view> labelValues, double value);
  void add(std::initializer_list<std::string_view> labelValues, double value) {
    add(std::span<const std::string_view>(labelValues.begin(), labelValues.size()), value);
  }
  void add(double value) { add(std::span<const std::string_view>(), value); }

 private:
  friend class MetricsRegistry;
  CallbackSink(const MetricFamily& family, SeriesByLabels& series)
      : family_(family), series_(series) {}
  const MetricFamily& family_;
  SeriesByLabels& series_;
};

class MetricsShard {
 public:
  ~MetricsShard();
  MetricsShard(const MetricsShard&) = delete;
  MetricsShard& operator=(const MetricsShard&) = delete;

  // Owning thread only. The series with these label values, created on first use. A family that
  // already holds the registry's series limit, or a value longer than kMaxLabelValueBytes, sends
  // the record to one series whose values are all "overflow", so a client inventing model names
  // cannot grow memory or the scrape without bound. Such records are counted per family
  // (switchyard_metric_overflow_total).
  Counter& counter(CounterId family, const LabelKey& labels);
  Gauge& gauge(GaugeId family, const LabelKey& labels);
  Histogram& histogram(HistogramId family, const LabelKey& labels);

  Counter& counter(CounterId family, std::initializer_list<std::string_view> labels) {
    return counter(family, LabelKey({labels.begin(), labels.size()}));
  }
  Gauge& gauge(GaugeId family, std::initializer_list<std::string_view> labels) {
    return gauge(family, LabelKey({labels.begin(), labels.size()}));
  }
  Histogram& histogram(HistogramId family, std::initializer_list<std::string_view> labels) {
    return histogram(family, LabelKey({labels.begin(), labels.size()}));
  }
  // Whether `cell` is the family's overflow series. A caller that keeps a cell to record into
  // again must not keep that one: each record into it is counted as overflowed on lookup.
  bool isOverflow(HistogramId family, const Histogram& cell) const;
  bool isOverflow(CounterId family, const Counter& cell) const;

 private:
  friend class MetricsRegistry;
  struct Table;
  MetricsShard(std::span<const std::unique_ptr<MetricFamily>> families, std::size_t maxSeries);
  template <class Cell>
  Cell& find(std::uint32_t family, const LabelKey& labels);
  template <class Cell>
  Cell& insert(Table& table, const LabelKey& labels);
  template <class Cell>
  Cell& overflow(Table& table);
  // Adds this shard's series of `family` into `merged` (under the shard's mutex).
  void collect(std::uint32_t family, SeriesByLabels& merged) const;
  // Records of `family` sent to its overflow series (any thread).
  std::uint64_t overflowed(std::uint32_t family) const;

  std::size_t maxSeries_;
  mutable std::mutex mutex_;                    // inserting a series (owner) and scraping
  std::vector<std::unique_ptr<Table>> tables_;  // one per family, fixed at construction
};

class MetricsRegistry {
 public:
  // `maxSeriesPerFamily` bounds each family's series per shard (see MetricsShard).
  explicit MetricsRegistry(std::size_t maxSeriesPerFamily = 1000);
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Start-up only, before the first shard; throw std::invalid_argument on a bad or repeated name
  // and std::logic_error once a shard exists.
  CounterId addCounter(std::string name, std::string help,
                       std::vector<std::string> labelNames = {});
  GaugeId addGauge(std::string name, std::string help, std::vector<std::string> labelNames = {});
  HistogramId addHistogram(std::string name, std::string help, std::vector<std::string> labelNames,
                           std::vector<double> bounds);

  // A shard for one thread to record into; it lives as long as the registry, so its counts
  // survive the thread.
  MetricsShard& addShard();

  // A counter or gauge family whose values are read at scrape time, on the scraping thread (so
  // `collect` must be thread-safe). May be added at any time; throws like addCounter.
  using Collect = std::function<void(CallbackSink&)>;
  void addCallback(MetricFamily family, Collect collect);
  // One unlabelled value, e.g. the trace exporter's dropped spans.
  void addCallbackCounter(std::string name, std::string help, std::function<double()> read);
  void addCallbackGauge(std::string name, std::string help, std::function<double()> read);

  // Every family with at least one series, summed over the shards, in registration order; then,
  // when any record overflowed, switchyard_metric_overflow_total{metric} counting them.
  std::vector<FamilySnapshot> collect() const;

 private:
  struct CallbackFamily {
    std::unique_ptr<MetricFamily> family;
    Collect collect;
  };
  void checkNewFamily(const MetricFamily& family) const;  // under mutex_
  std::uint32_t addShardFamily(MetricFamily family);

  const std::size_t maxSeriesPerFamily_;
  const MetricFamily overflowFamily_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<MetricFamily>> families_;  // shard families, by id
  std::vector<std::unique_ptr<MetricsShard>> shards_;
  std::vector<CallbackFamily> callbacks_;
};

}  // namespace switchyard::telemetry
