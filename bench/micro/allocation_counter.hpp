#pragma once
// Allocations per operation for the micro-benchmarks. The benchmark binary replaces the global
// operator new/delete (allocation_counter.cpp) with versions that count, so every C++ allocation
// made by the code under test is seen; malloc calls from C libraries are not.

#include <benchmark/benchmark.h>

#include <cstdint>

namespace switchyard::bench {

// Counts the allocations made between construction and report(), and reports them per iteration as
// the counters `allocs/op` and `alloc_bytes/op`. Construct it right before the benchmark loop.
class AllocationMeter {
 public:
  AllocationMeter();
  void report(benchmark::State& state) const;

 private:
  std::uint64_t allocations_;
  std::uint64_t bytes_;
};

}  // namespace switchyard::bench
