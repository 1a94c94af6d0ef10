// micro_bench's main: Google Benchmark's, except that a benchmark which could not run its input
// (SkipWithError) fails the process, so CI's smoke run catches a broken hot path or a lost input.

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <vector>

namespace {

class FailOnErrorReporter : public benchmark::ConsoleReporter {
 public:
  FailOnErrorReporter() : ConsoleReporter(isatty(fileno(stdout)) ? OO_Color : OO_None) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      if (run.error_occurred) ++errors_;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  int errors() const { return errors_; }

 private:
  int errors_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  FailOnErrorReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (reporter.errors() > 0) {
    std::fprintf(stderr, "micro_bench: %d benchmark(s) failed\n", reporter.errors());
    return 1;
  }
  return 0;
}
