#pragma once
// The gateway's metrics: the GenAI histograms of docs/spec/wire.md §5.5 and the gateway's own
// counters. Each worker records into its own shard through a RequestMetrics; values that other
// services already keep (ejections, token fetches, reloads) are read when /metrics is scraped.
//
// The gen_ai.server.* histograms are emitted as the server its callers talk to: request duration
// is the whole request as the gateway served it, time to first token is until the first streamed
// event went out, time per output token is (duration - time to first token) / (output tokens - 1).
//
// Every label value is bounded: models only as the configuration names them (any other model a
// client sends is `_OTHER`; an answer's model only when the backend was asked for a configured
// name), backends, routes and rules as configured, statuses and kinds from fixed sets.

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "config/snapshot.hpp"
#include "gateway/access_log.hpp"
#include "net/upstream_client.hpp"
#include "telemetry/metrics_registry.hpp"

namespace switchyard::route {
class OutlierDetector;
}

namespace switchyard::gateway {

class CredentialStore;

// The families, declared once per process before any worker starts.
class GatewayMetrics {
 public:
  explicit GatewayMetrics(telemetry::MetricsRegistry& registry);

  telemetry::MetricsRegistry& registry;
  const telemetry::HistogramId tokenUsage;
  const telemetry::HistogramId requestDuration;
  const telemetry::HistogramId timeToFirstToken;
  const telemetry::HistogramId timePerOutputToken;
  const telemetry::HistogramId overhead;
  const telemetry::CounterId requests;
  const telemetry::CounterId attempts;
  const telemetry::CounterId fallbacks;
  const telemetry::CounterId connectionsOpened;
  const telemetry::CounterId connectionsReused;
  const telemetry::CounterId tlsHandshakes;
  const telemetry::GaugeId openStreams;
  const telemetry::CounterId rateLimitRequests;
  const telemetry::CounterId rateLimitGlobalChecks;
  const telemetry::CounterId redisErrors;
  const telemetry::HistogramId redisRoundTrip;
};

// Configuration reloads, counted by whoever runs them (any thread).
struct ReloadCounts {
  std::atomic<std::uint64_t> succeeded{0};
  std::atomic<std::uint64_t> failed{0};
};

// Process-wide values read at scrape time: outlier ejections, token fetches, reloads. The
// services must outlive the registry's scrapes.
void addProcessMetrics(telemetry::MetricsRegistry& registry, const route::OutlierDetector& outliers,
                       const CredentialStore& credentials, const ReloadCounts& reloads);

// One worker's recorder: its own shard, used from the worker's thread only.
class RequestMetrics final : public net::UpstreamObserver {
 public:
  explicit RequestMetrics(const GatewayMetrics& metrics);

  // Every response the worker sends (status 0: the client left before one was sent).
  void onResponse(unsigned status);
  // A request to a GenAI endpoint once it is over (labelled by its operation): GenAI histograms,
  // attempts and fallbacks, overhead, rate-limit outcomes.
  void onGenAiRequest(const RequestInfo& log, std::chrono::steady_clock::time_point started);

  // Counts one streamed chat completion in flight for its lifetime (nothing for a unary one).
  class OpenStream {
   public:
    OpenStream(RequestMetrics& metrics, bool stream);
    ~OpenStream();
    OpenStream(const OpenStream&) = delete;
    OpenStream& operator=(const OpenStream&) = delete;

   private:
    telemetry::Gauge* gauge_;
  };

  // The worker's Redis connection (Global rate limits): a failed command, an answer's delay.
  void onRedisFailure(std::string_view reason);
  void onRedisRoundTrip(std::chrono::steady_clock::duration roundTrip);

  void onConnectionOpened(const net::UpstreamTarget& target) override;
  void onConnectionReused(const net::UpstreamTarget& target) override;
  void onTlsHandshake(const net::UpstreamTarget& target, bool ok) override;

 private:
  // The GenAI histogram cells of the last label values recorded: a worker's requests mostly
  // repeat them (same operation, provider, model), and comparing six short strings costs less
  // than hashing them and a map lookup per histogram. Cells are looked up on first need; an
  // overflow series is never kept (its records are counted on lookup).
  struct GenAiSeries {
    std::array<std::string, 6> labels;
    bool valid = false;
    telemetry::Histogram* duration = nullptr;
    telemetry::Histogram* firstToken = nullptr;
    telemetry::Histogram* perOutputToken = nullptr;
    telemetry::Histogram* inputTokens = nullptr;
    telemetry::Histogram* outputTokens = nullptr;
  };
  telemetry::Histogram& cached(telemetry::Histogram*& slot, telemetry::HistogramId family,
                               std::span<const std::string_view> labels);

  // One series kept with the label values it was looked up with, for the other records of every
  // request (status, overhead, the attempt): the same rule as GenAiSeries.
  template <class Cell, std::size_t N>
  struct LastSeries {
    std::array<std::string, N> labels;
    Cell* cell = nullptr;
  };
  template <class Cell, class Family, std::size_t N>
  Cell& kept(LastSeries<Cell, N>& last, Family family,
             const std::array<std::string_view, N>& labels);

  const GatewayMetrics& metrics_;
  telemetry::MetricsShard& shard_;
  telemetry::Gauge& openStreams_;
  GenAiSeries lastGenAi_;
  LastSeries<telemetry::Counter, 1> lastStatus_;
  LastSeries<telemetry::Histogram, 0> overhead_;
  LastSeries<telemetry::Counter, 2> lastAttempt_;
};

}  // namespace switchyard::gateway
