// What recording one request's metrics costs a worker, once its series exist: a streamed, answered
// chat completion with one attempt (the GenAI histograms, attempts, overhead, the status counter,
// one reused upstream connection), and a scrape of what that leaves, for scale.

#include <benchmark/benchmark.h>

#include "allocation_counter.hpp"
#include "gateway/request_metrics.hpp"
#include "telemetry/prometheus_text.hpp"

namespace switchyard::bench {
namespace {

gateway::RequestInfo streamedEntry(std::chrono::steady_clock::time_point started) {
  gateway::RequestInfo entry;
  entry.responseCode = 200;
  entry.duration = std::chrono::microseconds(41'200);
  entry.requestModel = "gemini-2.5-flash";
  entry.requestModelConfigured = true;  // as the exchange finds it in the configuration
  entry.responseModel = "gemini-2.5-flash-001";
  entry.backend = "default/vertex";
  entry.provider = "gcp.vertex_ai";
  entry.usage = {24, 58, 82, 0, 0};
  entry.stream = true;
  entry.attempts.push_back({"default/vertex", "us-central1-aiplatform.googleapis.com:443", "ok",
                            std::chrono::microseconds(40'900)});
  entry.firstByteAt = started + std::chrono::microseconds(9'800);
  entry.upstreamWait = std::chrono::microseconds(40'700);
  return entry;
}

void BM_RecordStreamedChatCompletion(benchmark::State& state) {
  telemetry::MetricsRegistry registry;
  const gateway::GatewayMetrics families(registry);
  gateway::RequestMetrics metrics(families);
  const auto started = std::chrono::steady_clock::now();
  const auto entry = streamedEntry(started);
  net::UpstreamTarget target;
  target.host = "us-central1-aiplatform.googleapis.com";
  target.port = 443;
  metrics.onConnectionReused(target);  // the series exist before the loop, as after a first request
  metrics.onGenAiRequest(entry, started);
  metrics.onResponse(200);
  AllocationMeter meter;
  for (auto _ : state) {
    metrics.onConnectionReused(target);
    { gateway::RequestMetrics::OpenStream open(metrics, true); }
    metrics.onGenAiRequest(entry, started);
    metrics.onResponse(200);
  }
  meter.report(state);
}
BENCHMARK(BM_RecordStreamedChatCompletion);

void BM_ScrapeOneWorker(benchmark::State& state) {
  telemetry::MetricsRegistry registry;
  const gateway::GatewayMetrics families(registry);
  gateway::RequestMetrics metrics(families);
  const auto started = std::chrono::steady_clock::now();
  metrics.onGenAiRequest(streamedEntry(started), started);
  metrics.onResponse(200);
  for (auto _ : state) {
    auto text = telemetry::renderPrometheusText(registry.collect());
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_ScrapeOneWorker);

}  // namespace
}  // namespace switchyard::bench
