// A configuration reload at scale (issue #15: 2,000 routes in ≤ 1 s): the loader reading,
// validating and resolving generated manifests from memory, alone and followed by what a reload
// builds next (gateway::buildRuntime: signers, outlier handles, the route table). The manifest
// text is generated once, outside the timing.

#include <benchmark/benchmark.h>

#include "config/loader.hpp"
#include "core/clock.hpp"
#include "gateway/credential_store.hpp"
#include "gateway/runtime.hpp"
#include "ratelimit/local_counters.hpp"
#include "route/outlier_detector.hpp"
#include "route/router.hpp"
#include "route_manifests.hpp"

namespace switchyard::bench {
namespace {

enum class Source { YamlFile, ApiObjects };

config::LoadOptions generated(benchmark::State& state, Source source, bool backendPerRoute) {
  RouteSetShape shape;
  shape.routes = static_cast<int>(state.range(0));
  shape.regexEveryTenth = true;
  shape.backendPerRoute = backendPerRoute;
  config::LoadOptions options;
  options.texts = source == Source::YamlFile ? routesAsYamlFile(shape) : routesAsApiObjects(shape);
  options.getenv = [](std::string_view) { return std::nullopt; };
  std::size_t bytes = 0;
  for (const auto& text : options.texts) bytes += text.text.size();
  state.counters["routes"] = static_cast<double>(shape.routes);
  state.counters["bytes"] = static_cast<double>(bytes);
  return options;
}

bool loadedAll(const config::LoadResult& loaded, benchmark::State& state) {
  if (loaded.ok() && loaded.snapshot->routes.size() == static_cast<std::size_t>(state.range(0)))
    return true;
  state.SkipWithError("the generated manifests do not load");
  return false;
}

void BM_ConfigLoad(benchmark::State& state, Source source, bool backendPerRoute) {
  const auto options = generated(state, source, backendPerRoute);
  for (auto _ : state) {
    const auto loaded = config::loadSnapshot(options);
    if (!loadedAll(loaded, state)) return;
    benchmark::DoNotOptimize(loaded);
  }
}

// As `switchyard run` reloads: the credential store and the outlier detector live on.
void BM_Reload(benchmark::State& state, Source source, bool backendPerRoute) {
  const auto options = generated(state, source, backendPerRoute);
  core::SystemClock clock;
  gateway::CredentialStore credentials(clock, options.getenv, nullptr);
  route::OutlierDetector outliers;
  ratelimit::LocalCounterStore limits;
  for (auto _ : state) {
    const auto loaded = config::loadSnapshot(options);
    if (!loadedAll(loaded, state)) return;
    auto runtime = gateway::buildRuntime(loaded.snapshot, credentials, outliers, limits, false, 0);
    benchmark::DoNotOptimize(runtime);
  }
}

// The route table alone (part of buildRuntime): the exact map and the RE2::Set of the regexes.
void BM_RouteTableBuild(benchmark::State& state) {
  const auto options = generated(state, Source::YamlFile, false);
  const auto loaded = config::loadSnapshot(options);
  if (!loadedAll(loaded, state)) return;
  for (auto _ : state) {
    route::RouteTable table(*loaded.snapshot);
    benchmark::DoNotOptimize(table);
  }
}

BENCHMARK(BM_RouteTableBuild)->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ConfigLoad, yaml_file_shared_backends, Source::YamlFile, false)
    ->Arg(100)
    ->Arg(2000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ConfigLoad, yaml_file_backend_per_route, Source::YamlFile, true)
    ->Arg(100)
    ->Arg(2000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ConfigLoad, api_objects_backend_per_route, Source::ApiObjects, true)
    ->Arg(100)
    ->Arg(2000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Reload, yaml_file_backend_per_route, Source::YamlFile, true)
    ->Arg(2000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Reload, api_objects_backend_per_route, Source::ApiObjects, true)
    ->Arg(2000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace switchyard::bench
