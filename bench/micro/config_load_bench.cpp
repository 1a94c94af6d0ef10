// A configuration reload at scale (issue #15: 2,000 routes in ≤ 1 s): the loader reading,
// validating and resolving generated AIGatewayRoutes from memory (LoadOptions::texts, as the
// Kubernetes source hands them over). The YAML text is generated once, outside the timing.

#include <benchmark/benchmark.h>

#include "config/loader.hpp"
#include "route_manifests.hpp"

namespace switchyard::bench {
namespace {

void BM_ConfigLoad(benchmark::State& state, bool backendPerRoute) {
  RouteSetShape shape;
  shape.routes = static_cast<int>(state.range(0));
  shape.regexEveryTenth = true;
  shape.backendPerRoute = backendPerRoute;
  config::LoadOptions options;
  options.texts = {{"generated.yaml", generateRoutes(shape)}};
  options.getenv = [](std::string_view) { return std::nullopt; };
  for (auto _ : state) {
    const auto loaded = config::loadSnapshot(options);
    if (!loaded.ok() || loaded.snapshot->routes.size() != static_cast<std::size_t>(shape.routes)) {
      state.SkipWithError("the generated routes do not load");
      return;
    }
    benchmark::DoNotOptimize(loaded);
  }
  state.counters["routes"] = static_cast<double>(shape.routes);
  state.counters["yaml_bytes"] = static_cast<double>(options.texts.front().text.size());
}
BENCHMARK_CAPTURE(BM_ConfigLoad, shared_backends, false)
    ->Arg(100)
    ->Arg(2000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ConfigLoad, backend_per_route, true)
    ->Arg(100)
    ->Arg(2000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace switchyard::bench
