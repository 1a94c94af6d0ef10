#pragma once
// A fixed-bucket histogram cell. One thread (the shard's owner) observes; any thread may take a
// snapshot. Counts are kept per bucket, not cumulative, so an observation touches one count and
// the sum; the Prometheus writer accumulates them.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace switchyard::telemetry {

struct HistogramSnapshot {
  std::vector<std::uint64_t> counts;  // bounds.size() + 1 buckets; the last one is +Inf
  double sum = 0;

  std::uint64_t count() const;
  void merge(const HistogramSnapshot& other);  // same bounds
};

class Histogram {
 public:
  // `bounds`: strictly ascending, finite upper bounds (Prometheus `le`); must outlive this.
  explicit Histogram(std::span<const double> bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Owning thread only: no read-modify-write instruction, just relaxed loads and stores. NaN is
  // ignored; a value equal to a bound falls in that bound's bucket.
  void observe(double value);

  HistogramSnapshot snapshot() const;
  std::span<const double> bounds() const { return bounds_; }

 private:
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

}  // namespace switchyard::telemetry
