// Routing: model → rule → attempt plan, on a 21-rule table loaded through the real manifest
// loader (20 Exact rules, then one RegularExpression rule; micro/data/routes.yaml).

#include <benchmark/benchmark.h>

#include <random>

#include "allocation_counter.hpp"
#include "config/loader.hpp"
#include "inputs.hpp"
#include "route/attempt_plan.hpp"
#include "route/router.hpp"

namespace switchyard::bench {
namespace {

void BM_RouteLookup(benchmark::State& state, std::string_view model) {
  config::LoadOptions options;
  options.paths = {benchPath("micro/data/routes.yaml")};
  options.getenv = [](std::string_view) { return std::nullopt; };
  const auto loaded = config::loadSnapshot(options);
  if (!loaded.ok()) {
    state.SkipWithError("micro/data/routes.yaml does not load");
    return;
  }
  const config::Snapshot& snapshot = *loaded.snapshot;
  auto header = [&](std::string_view name) {
    return name == "x-ai-eg-model" ? model : std::string_view();
  };
  if (!route::findRule(snapshot, header)) {
    state.SkipWithError("no rule for the model");
    return;
  }
  std::minstd_rand random(1);
  AllocationMeter meter;
  for (auto _ : state) {
    const config::Rule* rule = route::findRule(snapshot, header);
    auto plan = route::planAttempts(*rule, random);
    benchmark::DoNotOptimize(plan);
  }
  meter.report(state);
}
BENCHMARK_CAPTURE(BM_RouteLookup, exact_first_rule, "model-00");
BENCHMARK_CAPTURE(BM_RouteLookup, exact_20th_rule, "model-19");
BENCHMARK_CAPTURE(BM_RouteLookup, regex_after_20_rules, "gemini-2.5-flash");

}  // namespace
}  // namespace switchyard::bench
