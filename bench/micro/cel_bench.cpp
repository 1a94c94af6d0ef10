// Cost expressions (llmRequestCosts CEL): evaluation, which runs once per request and cost, next
// to the same formula written in C++ (the floor); and compilation, which runs at config load.

#include <benchmark/benchmark.h>

#include <string_view>
#include <variant>

#include "allocation_counter.hpp"
#include "cel/expression.hpp"

namespace switchyard::bench {
namespace {

// Envoy AI Gateway's cached-input pricing example, in uint arithmetic.
constexpr std::string_view kCachedPricing =
    "backend == 'bar.default' ? (input_tokens - cached_input_tokens) + cached_input_tokens / 10u "
    "+ cache_creation_input_tokens * 125u / 100u + output_tokens : total_tokens";

cel::Inputs requestInputs() {
  cel::Inputs in;
  in.model = "llama";
  in.backend = "bar.default";
  in.routeName = "route";
  in.inputTokens = 1200;
  in.cachedInputTokens = 800;
  in.cacheCreationInputTokens = 64;
  in.outputTokens = 350;
  in.totalTokens = 1550;
  in.reasoningTokens = 120;
  return in;
}

void BM_CelEvaluate(benchmark::State& state, std::string_view source) {
  auto compiled = cel::Expression::compile(source);
  if (!std::holds_alternative<cel::Expression>(compiled)) {
    state.SkipWithError("the expression does not compile");
    return;
  }
  const auto& expression = std::get<cel::Expression>(compiled);
  cel::Inputs in = requestInputs();
  if (!expression.evaluate(in)) {
    state.SkipWithError("the expression does not evaluate");
    return;
  }
  AllocationMeter meter;
  for (auto _ : state) {
    benchmark::DoNotOptimize(in);
    auto cost = expression.evaluate(in);
    benchmark::DoNotOptimize(cost);
  }
  meter.report(state);
}
BENCHMARK_CAPTURE(BM_CelEvaluate, ternary_on_model,
                  "model == 'llama' ? input_tokens * 2u + output_tokens : total_tokens");
BENCHMARK_CAPTURE(BM_CelEvaluate, cached_pricing, kCachedPricing);
BENCHMARK_CAPTURE(BM_CelEvaluate, double_rates,
                  "uint(double(input_tokens) * 0.3 + double(output_tokens) * 2.5)");

// kCachedPricing compiled by the C++ compiler, with the same overflow checks.
void BM_CelReferenceNative(benchmark::State& state) {
  cel::Inputs in = requestInputs();
  for (auto _ : state) {
    benchmark::DoNotOptimize(in);
    std::uint64_t cost = in.totalTokens;
    bool overflow = false;
    if (in.backend == "bar.default") {
      std::uint64_t uncached = 0, write = 0;
      overflow |= __builtin_sub_overflow(in.inputTokens, in.cachedInputTokens, &uncached);
      overflow |= __builtin_mul_overflow(in.cacheCreationInputTokens, 125u, &write);
      overflow |= __builtin_add_overflow(uncached, in.cachedInputTokens / 10u, &cost);
      overflow |= __builtin_add_overflow(cost, write / 100u, &cost);
      overflow |= __builtin_add_overflow(cost, in.outputTokens, &cost);
    }
    benchmark::DoNotOptimize(cost);
    benchmark::DoNotOptimize(overflow);
  }
}
BENCHMARK(BM_CelReferenceNative);

void BM_CelCompile(benchmark::State& state) {
  AllocationMeter meter;
  for (auto _ : state) {
    auto compiled = cel::Expression::compile(kCachedPricing);
    benchmark::DoNotOptimize(compiled);
  }
  meter.report(state);
}
BENCHMARK(BM_CelCompile);

}  // namespace
}  // namespace switchyard::bench
