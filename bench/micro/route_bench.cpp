// Routing: model → rule → attempt plan, on a 21-rule table loaded through the real manifest
// loader (20 Exact rules, then one RegularExpression rule; micro/data/routes.yaml); and the lookup
// alone at scale (issue #15), on generated tables of 1, 100 and 2,000 AIGatewayRoutes.

#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <random>
#include <utility>

#include "allocation_counter.hpp"
#include "config/loader.hpp"
#include "inputs.hpp"
#include "route/attempt_plan.hpp"
#include "route/router.hpp"
#include "route_manifests.hpp"

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
  const route::RouteTable table(*loaded.snapshot);
  auto header = [&](std::string_view name) {
    return name == "x-ai-eg-model" ? model : std::string_view();
  };
  if (!table.find(header).rule) {
    state.SkipWithError("no rule for the model");
    return;
  }
  std::minstd_rand random(1);
  AllocationMeter meter;
  for (auto _ : state) {
    const config::Rule* rule = table.find(header).rule;
    auto plan = route::planAttempts(*rule, random);
    benchmark::DoNotOptimize(plan);
  }
  meter.report(state);
}
BENCHMARK_CAPTURE(BM_RouteLookup, exact_first_rule, "model-00");
BENCHMARK_CAPTURE(BM_RouteLookup, exact_20th_rule, "model-19");
BENCHMARK_CAPTURE(BM_RouteLookup, regex_after_20_rules, "gemini-2.5-flash");

// Which route the looked-up model selects.
enum class Hit { First, Middle, Last, LastRegex, Miss };

int routeOf(const RouteSetShape& shape, Hit hit) {
  switch (hit) {
    case Hit::First:
      return 0;
    case Hit::Middle:
      return shape.routes / 2;
    case Hit::Last:
      return shape.routes - 1;
    case Hit::LastRegex:
      return shape.routes - 5;
    case Hit::Miss:
      break;
  }
  return -1;
}

// The generated table of a shape, loaded once per process: Google Benchmark calls a benchmark
// function several times while it sizes the iteration count, and 2,000 routes take ~0.15 s to load.
const config::Snapshot* generatedSnapshot(const RouteSetShape& shape) {
  static std::map<std::pair<int, bool>, std::shared_ptr<const config::Snapshot>> loaded;
  auto& slot = loaded[{shape.routes, shape.regexEveryTenth}];
  if (!slot) {
    config::LoadOptions options;
    options.texts = routesAsYamlFile(shape);
    options.getenv = [](std::string_view) { return std::nullopt; };
    slot = config::loadSnapshot(options).snapshot;
  }
  return slot.get();
}

// The lookup alone (no attempt plan): one request's x-ai-eg-model against the whole table.
void BM_RouteLookupAtScale(benchmark::State& state, int routes, bool regexEveryTenth, Hit hit) {
  RouteSetShape shape;
  shape.routes = routes;
  shape.regexEveryTenth = regexEveryTenth;
  const config::Snapshot* loaded = generatedSnapshot(shape);
  if (!loaded) {
    state.SkipWithError("the generated routes do not load");
    return;
  }
  const config::Snapshot& snapshot = *loaded;
  const int expected = routeOf(shape, hit);
  if (expected >= 0 && isRegexRoute(shape, expected) != (hit == Hit::LastRegex)) {
    state.SkipWithError("the chosen route is not of the kind the case names");
    return;
  }
  const std::string model = expected >= 0 ? modelOfRoute(shape, expected) : "unknown-model";
  auto header = [&](std::string_view name) {
    return name == "x-ai-eg-model" ? std::string_view(model) : std::string_view();
  };
  const route::RouteTable table(snapshot);
  const auto found = table.find(header);
  const auto* want = expected >= 0 ? &snapshot.routes[static_cast<std::size_t>(expected)] : nullptr;
  if (found.route != want) {
    state.SkipWithError("the lookup selects the wrong route");
    return;
  }
  AllocationMeter meter;
  for (auto _ : state) {
    auto match = table.find(header);
    benchmark::DoNotOptimize(match);
  }
  meter.report(state);
}
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, exact_1, 1, false, Hit::First);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, exact_100_first, 100, false, Hit::First);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, exact_100_middle, 100, false, Hit::Middle);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, exact_100_last, 100, false, Hit::Last);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, exact_2000_first, 2000, false, Hit::First);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, exact_2000_middle, 2000, false, Hit::Middle);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, exact_2000_last, 2000, false, Hit::Last);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, exact_2000_miss, 2000, false, Hit::Miss);
// 10 % regex rules mixed in (every tenth route); the hit is an Exact rule unless named regex.
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, mixed_100_first, 100, true, Hit::First);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, mixed_100_middle, 100, true, Hit::Middle);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, mixed_100_last, 100, true, Hit::Last);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, mixed_2000_first, 2000, true, Hit::First);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, mixed_2000_middle, 2000, true, Hit::Middle);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, mixed_2000_last, 2000, true, Hit::Last);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, mixed_2000_last_regex, 2000, true, Hit::LastRegex);
BENCHMARK_CAPTURE(BM_RouteLookupAtScale, mixed_2000_miss, 2000, true, Hit::Miss);

}  // namespace
}  // namespace switchyard::bench
