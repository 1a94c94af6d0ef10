#include "gateway/request_metrics.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <type_traits>

#include "gateway/credential_store.hpp"
#include "route/outlier_detector.hpp"

namespace switchyard::gateway {

namespace {

using telemetry::LabelKey;
using Seconds = std::chrono::duration<double>;

// docs/spec/wire.md §5.5 bucket boundaries.
const std::vector<double> kTokenBounds{1,     4,     16,     64,      256,     1024,     4096,
                                       16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
const std::vector<double> kDurationBounds{0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                          1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
const std::vector<double> kFirstTokenBounds{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,
                                            0.25,  0.5,   0.75, 1.0,  2.5,  5.0,  7.5,  10.0};
const std::vector<double> kPerTokenBounds{0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,
                                          0.3,  0.4,   0.5,  0.75,  1.0, 2.5};
// The gateway's own time is expected well under a millisecond.
const std::vector<double> kOverheadBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                          0.025,  0.05,    0.1,    0.25,  0.5,    1};

// A round trip to Redis on the same network is expected well under a millisecond.
const std::vector<double> kRedisBounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                       0.01,   0.025,   0.05,   0.1,   0.25,   0.5};

const std::vector<std::string> kGenAiLabels{"gen_ai_operation_name", "gen_ai_provider_name",
                                            "gen_ai_original_model", "gen_ai_request_model",
                                            "gen_ai_response_model", "error_type"};

std::vector<std::string> tokenLabels() {
  std::vector<std::string> labels{"gen_ai_token_type"};
  labels.insert(labels.end(), kGenAiLabels.begin(), kGenAiLabels.end());
  return labels;
}

// Decimal text of a number in a caller's buffer: a label value without allocating.
std::string_view decimal(unsigned value, std::array<char, 12>& buffer) {
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return {buffer.data(), static_cast<std::size_t>(end - buffer.data())};
}

// "host:port", as the access log's upstream_host, in a caller's buffer.
std::string_view upstreamLabel(const net::UpstreamTarget& target, std::array<char, 272>& buffer) {
  const std::size_t hostLength = std::min(target.host.size(), buffer.size() - 8);
  std::memcpy(buffer.data(), target.host.data(), hostLength);
  buffer[hostLength] = ':';
  const auto [end, ec] =
      std::to_chars(buffer.data() + hostLength + 1, buffer.data() + buffer.size(), target.port);
  return {buffer.data(), static_cast<std::size_t>(end - buffer.data())};
}

// error.type as the span has it: the status for an upstream status passed on to the client, the
// error kind otherwise; a client that left is an error too. Empty on success.
std::string_view errorTypeOf(const RequestInfo& log, std::array<char, 12>& buffer) {
  if (log.errorType == core::kindName(core::ErrorKind::UpstreamStatus) && log.responseCode >= 400 &&
      log.responseCode <= 599)
    return decimal(log.responseCode, buffer);
  if (!log.errorType.empty()) return log.errorType;
  if (log.responseFlags == "DC") return "client_disconnected";
  return {};
}

// Model labels carry only names the configuration spells out; a client's other model names share
// this value (OpenTelemetry's choice for an HTTP method it does not know), so that neither their
// number nor their length reaches the scrape.
constexpr std::string_view kOtherModel = "_OTHER";
// An answer's model names what the backend ran; kept when the backend was asked for a configured
// name (its answers then vary only as the backend does) and it is of a sane length.
constexpr std::size_t kMaxResponseModelLabel = 128;

std::string_view originalModelLabel(const RequestInfo& log) {
  if (log.requestModel.empty() || log.requestModelConfigured) return log.requestModel;
  return kOtherModel;
}

std::string_view responseModelLabel(const RequestInfo& log) {
  if (log.responseModel.empty()) return {};
  const bool askedConfigured = log.requestModelConfigured || !log.modelOverride.empty();
  if (askedConfigured && log.responseModel.size() <= kMaxResponseModelLabel)
    return log.responseModel;
  return kOtherModel;
}

}  // namespace

GatewayMetrics::GatewayMetrics(telemetry::MetricsRegistry& r)
    : registry(r),
      tokenUsage(
          r.addHistogram("gen_ai_client_token_usage",
                         "Tokens per chat completion, one record per token type (input, output), "
                         "as the backend reported them.",
                         tokenLabels(), kTokenBounds)),
      requestDuration(
          r.addHistogram("gen_ai_server_request_duration_seconds",
                         "Chat completion duration as the gateway served it, to the last byte.",
                         kGenAiLabels, kDurationBounds)),
      timeToFirstToken(r.addHistogram(
          "gen_ai_server_time_to_first_token_seconds",
          "Streamed chat completions: time until the first event went to the client.", kGenAiLabels,
          kFirstTokenBounds)),
      timePerOutputToken(
          r.addHistogram("gen_ai_server_time_per_output_token_seconds",
                         "Streamed chat completions: time per output token after the first.",
                         kGenAiLabels, kPerTokenBounds)),
      overhead(r.addHistogram("switchyard_gateway_overhead_seconds",
                              "Chat completion duration less the time spent waiting on upstreams.",
                              {}, kOverheadBounds)),
      requests(r.addCounter("switchyard_requests_total", "Responses by HTTP status (0: none sent).",
                            {"code"})),
      attempts(r.addCounter("switchyard_upstream_attempts_total",
                            "Upstream attempts by backend and outcome.", {"backend", "outcome"})),
      fallbacks(r.addCounter("switchyard_fallbacks_total",
                             "Attempts on a backend other than the request's first choice.",
                             {"backend"})),
      connectionsOpened(r.addCounter("switchyard_upstream_connections_opened_total",
                                     "Upstream TCP connections opened.", {"upstream"})),
      connectionsReused(r.addCounter("switchyard_upstream_connections_reused_total",
                                     "Upstream requests sent on a pooled keep-alive connection.",
                                     {"upstream"})),
      tlsHandshakes(r.addCounter("switchyard_tls_handshakes_total",
                                 "Upstream TLS handshakes by outcome.", {"upstream", "outcome"})),
      openStreams(r.addGauge("switchyard_open_streams", "Streamed chat completions in flight.")),
      rateLimitRequests(r.addCounter(
          "switchyard_ratelimit_requests_total",
          "Requests a rate-limit rule applied to, by route, rule and outcome (allowed, limited, "
          "shadow_limited, fail_open, fail_closed).",
          {"route", "rule", "outcome"})),
      rateLimitGlobalChecks(r.addCounter(
          "switchyard_ratelimit_global_checks_total",
          "Checks of Global rules counted in Redis, by route, rule and what decided them: "
          "estimate (the worker's estimate, far from the limit) or redis (waited for Redis).",
          {"route", "rule", "checked_on"})),
      redisErrors(r.addCounter("switchyard_ratelimit_redis_errors_total",
                               "Redis commands of Global rate limits that failed, by reason.",
                               {"reason"})),
      redisRoundTrip(r.addHistogram("switchyard_ratelimit_redis_rtt_seconds",
                                    "Round-trip time of Redis commands (Global rate limits).", {},
                                    kRedisBounds)) {}

void addProcessMetrics(telemetry::MetricsRegistry& registry, const route::OutlierDetector& outliers,
                       const CredentialStore& credentials, const ReloadCounts& reloads) {
  using telemetry::CallbackSink;
  using telemetry::MetricType;
  registry.addCallback(
      {"switchyard_ejections_total",
       "Outlier ejections by backend.",
       MetricType::Counter,
       {"backend"},
       {}},
      [&outliers](CallbackSink& sink) {
        for (const auto& backend : outliers.status(std::chrono::steady_clock::now()))
          sink.add({backend.name}, double(backend.ejections));
      });
  registry.addCallback(
      {"switchyard_backends_ejected", "Backends ejected now.", MetricType::Gauge, {}, {}},
      [&outliers](CallbackSink& sink) {
        sink.add(double(outliers.currentlyEjected(std::chrono::steady_clock::now())));
      });
  registry.addCallback({"switchyard_token_fetches_total",
                        "Access-token fetches by outcome (a fetch in flight is not counted yet).",
                        MetricType::Counter,
                        {"outcome"},
                        {}},
                       [&credentials](CallbackSink& sink) {
                         const auto counts = credentials.tokenFetches();
                         sink.add({"error"}, double(counts.failed));
                         sink.add({"ok"}, double(counts.succeeded));
                       });
  registry.addCallback(
      {"switchyard_config_reloads_total",
       "Configuration reloads by outcome.",
       MetricType::Counter,
       {"outcome"},
       {}},
      [&reloads](CallbackSink& sink) {
        sink.add({"error"}, double(reloads.failed.load(std::memory_order_relaxed)));
        sink.add({"ok"}, double(reloads.succeeded.load(std::memory_order_relaxed)));
      });
}

// ---------------------------------------------------------------------------------------------

RequestMetrics::RequestMetrics(const GatewayMetrics& metrics)
    : metrics_(metrics),
      shard_(metrics.registry.addShard()),
      openStreams_(shard_.gauge(metrics.openStreams, {})) {}

template <class Cell, class Family, std::size_t N>
Cell& RequestMetrics::kept(LastSeries<Cell, N>& last, Family family,
                           const std::array<std::string_view, N>& labels) {
  if (last.cell && std::equal(labels.begin(), labels.end(), last.labels.begin())) return *last.cell;
  Cell* cell = nullptr;
  if constexpr (std::is_same_v<Cell, telemetry::Counter>) {
    cell = &shard_.counter(family, LabelKey(labels));
  } else {
    cell = &shard_.histogram(family, LabelKey(labels));
  }
  if (shard_.isOverflow(family, *cell)) {
    last.cell = nullptr;
  } else {
    std::copy(labels.begin(), labels.end(), last.labels.begin());
    last.cell = cell;
  }
  return *cell;
}

void RequestMetrics::onResponse(unsigned status) {
  std::array<char, 12> code;
  kept(lastStatus_, metrics_.requests, std::array<std::string_view, 1>{decimal(status, code)})
      .add();
}

telemetry::Histogram& RequestMetrics::cached(telemetry::Histogram*& slot,
                                             telemetry::HistogramId family,
                                             std::span<const std::string_view> labels) {
  if (slot) return *slot;
  telemetry::Histogram& cell = shard_.histogram(family, LabelKey(labels));
  if (!shard_.isOverflow(family, cell)) slot = &cell;
  return cell;
}

void RequestMetrics::onGenAiRequest(const RequestInfo& log,
                                    std::chrono::steady_clock::time_point started) {
  std::array<char, 12> errorBuffer;
  const std::string_view originalModel = originalModelLabel(log);
  const std::string_view requestModel =
      log.modelOverride.empty() ? originalModel : std::string_view(log.modelOverride);
  const std::array<std::string_view, 6> labels{
      log.operation,           log.provider,
      originalModel,           requestModel,
      responseModelLabel(log), errorTypeOf(log, errorBuffer)};
  GenAiSeries& series = lastGenAi_;
  if (!series.valid || !std::equal(labels.begin(), labels.end(), series.labels.begin())) {
    std::copy(labels.begin(), labels.end(), series.labels.begin());
    series.valid = true;
    series.duration = series.firstToken = series.perOutputToken = nullptr;
    series.inputTokens = series.outputTokens = nullptr;
  }
  const double duration = Seconds(log.duration).count();
  cached(series.duration, metrics_.requestDuration, labels).observe(duration);

  const bool answered = !log.backend.empty();
  if (log.firstByteAt != std::chrono::steady_clock::time_point{}) {
    const double firstToken = Seconds(log.firstByteAt - started).count();
    cached(series.firstToken, metrics_.timeToFirstToken, labels).observe(firstToken);
    if (answered && log.usage.completionTokens > 1) {
      cached(series.perOutputToken, metrics_.timePerOutputToken, labels)
          .observe((duration - firstToken) / double(log.usage.completionTokens - 1));
    }
  }
  // Counting tokens consumes none.
  if (answered && log.operation != "count_tokens") {
    std::array<std::string_view, 7> tokenLabels{"input"};
    std::copy(labels.begin(), labels.end(), tokenLabels.begin() + 1);
    cached(series.inputTokens, metrics_.tokenUsage, tokenLabels)
        .observe(double(log.usage.promptTokens));
    if (log.operation != "embeddings") {  // an embedding has no output tokens
      tokenLabels[0] = "output";
      cached(series.outputTokens, metrics_.tokenUsage, tokenLabels)
          .observe(double(log.usage.completionTokens));
    }
  }
  for (const auto& limit : log.rateLimits) {
    shard_.counter(metrics_.rateLimitRequests, {log.rateLimitRoute, limit.rule, limit.outcome})
        .add();
    if (!limit.checkedOn.empty())
      shard_
          .counter(metrics_.rateLimitGlobalChecks,
                   {log.rateLimitRoute, limit.rule, limit.checkedOn})
          .add();
  }
  kept(overhead_, metrics_.overhead, std::array<std::string_view, 0>{})
      .observe(std::max(0.0, duration - Seconds(log.upstreamWait).count()));

  // Skipped (ejected) backends are no attempts, but the first of them was the request's first
  // choice.
  const std::string_view firstChoice =
      log.attempts.empty() ? std::string_view() : log.attempts.front().backend;
  for (const auto& attempt : log.attempts) {
    if (attempt.outcome == "ejected") continue;
    kept(lastAttempt_, metrics_.attempts,
         std::array<std::string_view, 2>{attempt.backend, attempt.outcome})
        .add();
    if (attempt.backend != firstChoice) shard_.counter(metrics_.fallbacks, {attempt.backend}).add();
  }
}

RequestMetrics::OpenStream::OpenStream(RequestMetrics& metrics, bool stream)
    : gauge_(stream ? &metrics.openStreams_ : nullptr) {
  if (gauge_) gauge_->add(1);
}

RequestMetrics::OpenStream::~OpenStream() {
  if (gauge_) gauge_->add(-1);
}

void RequestMetrics::onRedisFailure(std::string_view reason) {
  shard_.counter(metrics_.redisErrors, {reason}).add();
}

void RequestMetrics::onRedisRoundTrip(std::chrono::steady_clock::duration roundTrip) {
  shard_.histogram(metrics_.redisRoundTrip, {}).observe(Seconds(roundTrip).count());
}

void RequestMetrics::onConnectionOpened(const net::UpstreamTarget& target) {
  std::array<char, 272> upstream;
  shard_.counter(metrics_.connectionsOpened, {upstreamLabel(target, upstream)}).add();
}

void RequestMetrics::onConnectionReused(const net::UpstreamTarget& target) {
  std::array<char, 272> upstream;
  shard_.counter(metrics_.connectionsReused, {upstreamLabel(target, upstream)}).add();
}

void RequestMetrics::onTlsHandshake(const net::UpstreamTarget& target, bool ok) {
  std::array<char, 272> upstream;
  shard_.counter(metrics_.tlsHandshakes, {upstreamLabel(target, upstream), ok ? "ok" : "error"})
      .add();
}

}  // namespace switchyard::gateway
