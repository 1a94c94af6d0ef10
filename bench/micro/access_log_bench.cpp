// One JSON access-log line, for a successful non-streamed Vertex request with one attempt.

#include <benchmark/benchmark.h>

#include "allocation_counter.hpp"
#include "gateway/access_log.hpp"

namespace switchyard::bench {
namespace {

void BM_AccessLogLine(benchmark::State& state) {
  gateway::RequestInfo entry;
  entry.start = std::chrono::system_clock::time_point(std::chrono::seconds(1764191647));
  entry.method = "POST";
  entry.path = "/v1/chat/completions";
  entry.protocol = "HTTP/1.1";
  entry.responseCode = 200;
  entry.bytesReceived = 297;
  entry.bytesSent = 741;
  entry.duration = std::chrono::microseconds(412);
  entry.upstreamHost = "127.0.0.1:8000";
  entry.upstreamCluster = "default/canned";
  entry.requestId = "0b6c3f1e-5f2a-4a8e-9d57-3c1f0e2b7a91";
  entry.userAgent = "OpenAI/Python 1.54.0";
  entry.requestModel = "gemini-2.5-flash";
  entry.responseModel = "gemini-2.5-flash";
  entry.backend = "default/canned";
  entry.usage = {24, 58, 82, 0, 0};
  entry.attempts.push_back(
      {"default/canned", "127.0.0.1:8000", "ok", std::chrono::microseconds(380)});
  AllocationMeter meter;
  for (auto _ : state) {
    auto line = gateway::formatAccessLogLine(entry);
    benchmark::DoNotOptimize(line);
  }
  meter.report(state);
}
BENCHMARK(BM_AccessLogLine);

}  // namespace
}  // namespace switchyard::bench
