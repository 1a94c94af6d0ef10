#include "telemetry/metrics_registry.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>

namespace switchyard::telemetry {

namespace {

constexpr std::string_view kOverflow = "overflow";

// Label values are short (a model, a backend, a status): mixed eight bytes at a time. This runs
// for every series a request records, several per request; std::hash went through a library call
// per value. The series count per shard is bounded (overflow series), so crafted values that
// collide cost lookups, never memory.
std::uint64_t mixWord(std::uint64_t h, std::uint64_t word) {
  h = (h ^ word) * 0x9e3779b97f4a7c15ULL;
  return h ^ (h >> 29);
}

std::size_t hashValues(std::span<const std::string_view> values) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto value : values) {
    const char* p = value.data();
    std::size_t left = value.size();
    for (; left >= 8; p += 8, left -= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, 8);
      h = mixWord(h, word);
    }
    std::uint64_t tail = 0;
    if (left != 0) std::memcpy(&tail, p, left);  // an empty view's data() may be null
    h = mixWord(h, tail ^ (std::uint64_t{value.size()} << 56));  // the length ends each value
  }
  return h;
}

// The owned form of a LabelKey, as stored in a shard's map.
struct SeriesKey {
  std::vector<std::string> values;
  std::size_t hash = 0;
};

struct SeriesHash {
  using is_transparent = void;
  std::size_t operator()(const SeriesKey& key) const { return key.hash; }
  std::size_t operator()(const LabelKey& key) const { return key.hash(); }
};

struct SeriesEqual {
  using is_transparent = void;
  static bool same(const std::vector<std::string>& owned,
                   std::span<const std::string_view> values) {
    if (owned.size() != values.size()) return false;
    for (std::size_t i = 0; i < owned.size(); ++i)
      if (owned[i] != values[i]) return false;
    return true;
  }
  bool operator()(const SeriesKey& a, const SeriesKey& b) const {
    return a.hash == b.hash && a.values == b.values;
  }
  bool operator()(const SeriesKey& a, const LabelKey& b) const {
    return a.hash == b.hash() && same(a.values, b.values());
  }
  bool operator()(const LabelKey& a, const SeriesKey& b) const { return (*this)(b, a); }
};

template <class Cell>
using SeriesMap = std::unordered_map<SeriesKey, Cell, SeriesHash, SeriesEqual>;

// Exactly the family's number of values: missing ones are empty, extra ones dropped (a caller bug
// that should not take the process down).
std::vector<std::string> ownedValues(const MetricFamily& family,
                                     std::span<const std::string_view> values) {
  std::vector<std::string> owned(family.labelNames.size());
  for (std::size_t i = 0; i < owned.size() && i < values.size(); ++i) owned[i] = values[i];
  return owned;
}

bool validMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool anyTooLong(std::span<const std::string_view> values) {
  for (const auto value : values)
    if (value.size() > kMaxLabelValueBytes) return true;
  return false;
}

bool validLabelName(std::string_view name) {
  return validMetricName(name) && name.find(':') == std::string_view::npos &&
         !name.starts_with("__");
}

}  // namespace

// A key with a value too long is never looked up, so hashing it would be wasted work.
LabelKey::LabelKey(std::span<const std::string_view> values)
    : values_(values), tooLong_(anyTooLong(values)) {
  hash_ = tooLong_ ? 0 : hashValues(values);
}

// ---------------------------------------------------------------------------------------------

void CallbackSink::add(std::span<const std::string_view> labelValues, double value) {
  series_[ownedValues(family_, labelValues)].value += value;
}

// ---------------------------------------------------------------------------------------------

struct MetricsShard::Table {
  explicit Table(const MetricFamily& f) : family(f) {}
  const MetricFamily& family;
  SeriesMap<Counter> counters;
  SeriesMap<Gauge> gauges;
  SeriesMap<Histogram> histograms;
  void* overflow = nullptr;  // the overflow series once created, so overflowing stays cheap
  Counter overflowed;        // records sent to it

  template <class Cell>
  SeriesMap<Cell>& map() {
    if constexpr (std::is_same_v<Cell, Counter>)
      return counters;
    else if constexpr (std::is_same_v<Cell, Gauge>)
      return gauges;
    else
      return histograms;
  }
};

MetricsShard::MetricsShard(std::span<const std::unique_ptr<MetricFamily>> families,
                           std::size_t maxSeries)
    : maxSeries_(maxSeries) {
  tables_.reserve(families.size());
  for (const auto& family : families) tables_.push_back(std::make_unique<Table>(*family));
}

MetricsShard::~MetricsShard() = default;

template <class Cell>
Cell& MetricsShard::find(std::uint32_t family, const LabelKey& labels) {
  Table& table = *tables_[family];
  auto& map = table.map<Cell>();
  if (labels.tooLong()) return overflow<Cell>(table);
  const auto found = map.find(labels);
  if (found != map.end()) return found->second;
  return insert<Cell>(table, labels);
}

template <class Cell>
Cell& MetricsShard::insert(Table& table, const LabelKey& labels) {
  auto& map = table.map<Cell>();
  if (map.size() >= maxSeries_) return overflow<Cell>(table);
  SeriesKey key;
  key.values = ownedValues(table.family, labels.values());
  key.hash = labels.hash();  // ownedValues keeps the values as they were hashed
  if (key.values.size() != labels.values().size()) {
    const std::vector<std::string_view> views(key.values.begin(), key.values.end());
    key.hash = hashValues(views);
  }
  std::lock_guard lock(mutex_);
  if constexpr (std::is_same_v<Cell, Histogram>) {
    return map.try_emplace(std::move(key), std::span<const double>(table.family.bounds))
        .first->second;
  } else {
    return map.try_emplace(std::move(key)).first->second;
  }
}

// The one series of a family whose values are all "overflow", created on first need.
template <class Cell>
Cell& MetricsShard::overflow(Table& table) {
  table.overflowed.add();
  if (table.overflow) return *static_cast<Cell*>(table.overflow);
  SeriesKey key;
  key.values.assign(table.family.labelNames.size(), std::string(kOverflow));
  const std::vector<std::string_view> views(key.values.begin(), key.values.end());
  key.hash = hashValues(views);
  auto& map = table.map<Cell>();
  Cell* cell = nullptr;
  {
    std::lock_guard lock(mutex_);
    if constexpr (std::is_same_v<Cell, Histogram>) {
      cell = &map.try_emplace(std::move(key), std::span<const double>(table.family.bounds))
                  .first->second;
    } else {
      cell = &map.try_emplace(std::move(key)).first->second;
    }
  }
  table.overflow = cell;
  return *cell;
}

Counter& MetricsShard::counter(CounterId family, const LabelKey& labels) {
  return find<Counter>(family.index, labels);
}

Gauge& MetricsShard::gauge(GaugeId family, const LabelKey& labels) {
  return find<Gauge>(family.index, labels);
}

Histogram& MetricsShard::histogram(HistogramId family, const LabelKey& labels) {
  return find<Histogram>(family.index, labels);
}

bool MetricsShard::isOverflow(HistogramId family, const Histogram& cell) const {
  return tables_[family.index]->overflow == &cell;
}

bool MetricsShard::isOverflow(CounterId family, const Counter& cell) const {
  return tables_[family.index]->overflow == &cell;
}

void MetricsShard::collect(std::uint32_t family, SeriesByLabels& merged) const {
  std::lock_guard lock(mutex_);
  const Table& table = *tables_[family];
  for (const auto& [key, cell] : table.counters) merged[key.values].value += double(cell.value());
  for (const auto& [key, cell] : table.gauges) merged[key.values].value += double(cell.value());
  for (const auto& [key, cell] : table.histograms)
    merged[key.values].histogram.merge(cell.snapshot());
}

std::uint64_t MetricsShard::overflowed(std::uint32_t family) const {
  return tables_[family]->overflowed.value();
}

// ---------------------------------------------------------------------------------------------

MetricsRegistry::MetricsRegistry(std::size_t maxSeriesPerFamily)
    : maxSeriesPerFamily_(std::max<std::size_t>(1, maxSeriesPerFamily)),
      overflowFamily_{"switchyard_metric_overflow_total",
                      "Records sent to a family's overflow series (its series limit was reached or "
                      "a label value was too long), by family.",
                      MetricType::Counter,
                      {"metric"},
                      {}} {}

MetricsRegistry::~MetricsRegistry() = default;

void MetricsRegistry::checkNewFamily(const MetricFamily& family) const {
  if (!validMetricName(family.name))
    throw std::invalid_argument("bad metric name '" + family.name + "'");
  if (family.type == MetricType::Counter && !family.name.ends_with("_total"))
    throw std::invalid_argument("counter " + family.name + " must end in _total");
  for (const auto& label : family.labelNames) {
    if (!validLabelName(label) || (family.type == MetricType::Histogram && label == "le"))
      throw std::invalid_argument("bad label name '" + label + "' in " + family.name);
  }
  for (std::size_t i = 0; i < family.bounds.size(); ++i) {
    if (!std::isfinite(family.bounds[i]) || (i > 0 && family.bounds[i] <= family.bounds[i - 1]))
      throw std::invalid_argument("bucket bounds of " + family.name + " must ascend and be finite");
  }
  auto taken = [&](const MetricFamily& other) { return other.name == family.name; };
  for (const auto& other : families_)
    if (taken(*other)) throw std::invalid_argument("metric " + family.name + " declared twice");
  for (const auto& other : callbacks_)
    if (taken(*other.family))
      throw std::invalid_argument("metric " + family.name + " declared twice");
}

std::uint32_t MetricsRegistry::addShardFamily(MetricFamily family) {
  std::lock_guard lock(mutex_);
  if (!shards_.empty())
    throw std::logic_error("metric " + family.name + " declared after the first shard");
  checkNewFamily(family);
  families_.push_back(std::make_unique<MetricFamily>(std::move(family)));
  return static_cast<std::uint32_t>(families_.size() - 1);
}

CounterId MetricsRegistry::addCounter(std::string name, std::string help,
                                      std::vector<std::string> labelNames) {
  return {addShardFamily(
      {std::move(name), std::move(help), MetricType::Counter, std::move(labelNames), {}})};
}

GaugeId MetricsRegistry::addGauge(std::string name, std::string help,
                                  std::vector<std::string> labelNames) {
  return {addShardFamily(
      {std::move(name), std::move(help), MetricType::Gauge, std::move(labelNames), {}})};
}

HistogramId MetricsRegistry::addHistogram(std::string name, std::string help,
                                          std::vector<std::string> labelNames,
                                          std::vector<double> bounds) {
  return {addShardFamily({std::move(name), std::move(help), MetricType::Histogram,
                          std::move(labelNames), std::move(bounds)})};
}

MetricsShard& MetricsRegistry::addShard() {
  std::lock_guard lock(mutex_);
  shards_.push_back(
      std::unique_ptr<MetricsShard>(new MetricsShard(families_, maxSeriesPerFamily_)));
  return *shards_.back();
}

void MetricsRegistry::addCallback(MetricFamily family, Collect collect) {
  if (family.type == MetricType::Histogram)
    throw std::invalid_argument("callback metric " + family.name + " must be a counter or a gauge");
  family.bounds.clear();
  std::lock_guard lock(mutex_);
  checkNewFamily(family);
  callbacks_.push_back({std::make_unique<MetricFamily>(std::move(family)), std::move(collect)});
}

void MetricsRegistry::addCallbackCounter(std::string name, std::string help,
                                         std::function<double()> read) {
  addCallback({std::move(name), std::move(help), MetricType::Counter, {}, {}},
              [read = std::move(read)](CallbackSink& sink) { sink.add(read()); });
}

void MetricsRegistry::addCallbackGauge(std::string name, std::string help,
                                       std::function<double()> read) {
  addCallback({std::move(name), std::move(help), MetricType::Gauge, {}, {}},
              [read = std::move(read)](CallbackSink& sink) { sink.add(read()); });
}

std::vector<FamilySnapshot> MetricsRegistry::collect() const {
  std::vector<FamilySnapshot> out;
  auto publish = [&out](const MetricFamily& family, SeriesByLabels& merged) {
    if (merged.empty()) return;
    FamilySnapshot snapshot{&family, {}};
    snapshot.series.reserve(merged.size());
    for (auto& [values, series] : merged) {
      series.labelValues = values;
      snapshot.series.push_back(std::move(series));
    }
    out.push_back(std::move(snapshot));
  };
  // Callbacks run outside the lock: they take locks of their own and may be slow.
  std::vector<std::pair<const MetricFamily*, Collect>> callbacks;
  SeriesByLabels overflowed;
  {
    std::lock_guard lock(mutex_);
    for (std::uint32_t i = 0; i < families_.size(); ++i) {
      SeriesByLabels merged;
      std::uint64_t dropped = 0;
      for (const auto& shard : shards_) {
        shard->collect(i, merged);
        dropped += shard->overflowed(i);
      }
      publish(*families_[i], merged);
      if (dropped != 0) overflowed[{families_[i]->name}].value = double(dropped);
    }
    for (const auto& callback : callbacks_)
      callbacks.emplace_back(callback.family.get(), callback.collect);
  }
  for (const auto& [family, collect] : callbacks) {
    SeriesByLabels merged;
    CallbackSink sink(*family, merged);
    collect(sink);
    publish(*family, merged);
  }
  publish(overflowFamily_, overflowed);
  return out;
}

}  // namespace switchyard::telemetry
