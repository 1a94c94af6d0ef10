#include "gateway/request_metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchyard::gateway {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using Labels = std::vector<std::string>;

class RequestMetricsTest : public ::testing::Test {
 protected:
  const telemetry::SeriesSnapshot* series(std::string_view family, const Labels& labels) {
    families_ = registry_.collect();
    for (const auto& f : families_) {
      if (f.family->name != family) continue;
      for (const auto& s : f.series)
        if (s.labelValues == labels) return &s;
    }
    return nullptr;
  }
  double value(std::string_view family, const Labels& labels) {
    const auto* s = series(family, labels);
    return s ? s->value : 0;
  }
  std::size_t seriesCount(std::string_view family) {
    families_ = registry_.collect();
    for (const auto& f : families_)
      if (f.family->name == family) return f.series.size();
    return 0;
  }

  static RequestInfo answered(std::string backend) {
    RequestInfo log;
    log.responseCode = 200;
    log.requestModel = "virtual";
    log.requestModelConfigured = true;
    log.modelOverride = "gemini-2.5-flash";
    log.responseModel = "gemini-2.5-flash-001";
    log.backend = backend;
    log.provider = "gcp.vertex_ai";
    log.usage = {7, 11, 18, 0, 0};
    log.duration = milliseconds(1100);
    log.upstreamWait = milliseconds(1000);
    log.attempts.push_back({backend, "h:443", "ok", microseconds(1)});
    return log;
  }

  telemetry::MetricsRegistry registry_;
  GatewayMetrics declared{registry_};
  RequestMetrics metrics{declared};
  std::vector<telemetry::FamilySnapshot> families_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

const Labels kAnsweredLabels{
    "chat", "gcp.vertex_ai", "virtual", "gemini-2.5-flash", "gemini-2.5-flash-001", ""};

TEST_F(RequestMetricsTest, UnaryAnswerRecordsDurationTokensAndOverhead) {
  metrics.onGenAiRequest(answered("default/a"), started_);

  const auto* duration = series("gen_ai_server_request_duration_seconds", kAnsweredLabels);
  ASSERT_NE(duration, nullptr);
  EXPECT_EQ(duration->histogram.count(), 1u);
  EXPECT_DOUBLE_EQ(duration->histogram.sum, 1.1);
  Labels input{"input"};
  input.insert(input.end(), kAnsweredLabels.begin(), kAnsweredLabels.end());
  Labels output = input;
  output[0] = "output";
  EXPECT_EQ(series("gen_ai_client_token_usage", input)->histogram.sum, 7);
  EXPECT_EQ(series("gen_ai_client_token_usage", output)->histogram.sum, 11);
  const auto* overhead = series("switchyard_gateway_overhead_seconds", {});
  ASSERT_NE(overhead, nullptr);
  EXPECT_NEAR(overhead->histogram.sum, 0.1, 1e-9);
  // Unary: no first-token figures.
  EXPECT_EQ(seriesCount("gen_ai_server_time_to_first_token_seconds"), 0u);
  EXPECT_EQ(seriesCount("gen_ai_server_time_per_output_token_seconds"), 0u);
}

TEST_F(RequestMetricsTest, StreamRecordsFirstTokenAndTimePerLaterToken) {
  auto log = answered("default/a");
  log.stream = true;
  log.firstByteAt = started_ + milliseconds(100);
  metrics.onGenAiRequest(log, started_);
  const auto* first = series("gen_ai_server_time_to_first_token_seconds", kAnsweredLabels);
  ASSERT_NE(first, nullptr);
  EXPECT_NEAR(first->histogram.sum, 0.1, 1e-9);
  // (1.1 s - 0.1 s) over the 10 output tokens after the first.
  const auto* perToken = series("gen_ai_server_time_per_output_token_seconds", kAnsweredLabels);
  ASSERT_NE(perToken, nullptr);
  EXPECT_NEAR(perToken->histogram.sum, 0.1, 1e-9);
}

TEST_F(RequestMetricsTest, FailuresCarryTheirErrorTypeAndNoTokens) {
  RequestInfo rateLimited;
  rateLimited.requestModel = "m";
  rateLimited.requestModelConfigured = true;
  rateLimited.responseCode = 429;
  rateLimited.errorType = "upstream_status";
  rateLimited.provider = "gcp.vertex_ai";
  rateLimited.attempts.push_back({"default/a", "h:443", "status_429", microseconds(1)});
  metrics.onGenAiRequest(rateLimited, started_);

  RequestInfo brokenStream = rateLimited;  // failed after its first event went out
  brokenStream.responseCode = 200;
  brokenStream.errorType = "upstream_reset";
  brokenStream.firstByteAt = started_ + milliseconds(5);
  metrics.onGenAiRequest(brokenStream, started_);

  RequestInfo clientLeft = rateLimited;
  clientLeft.responseCode = 200;
  clientLeft.errorType.clear();
  clientLeft.responseFlags = "DC";
  metrics.onGenAiRequest(clientLeft, started_);

  const Labels base{"chat", "gcp.vertex_ai", "m", "m", ""};
  auto with = [&](std::string errorType) {
    Labels labels = base;
    labels.push_back(std::move(errorType));
    return labels;
  };
  EXPECT_EQ(series("gen_ai_server_request_duration_seconds", with("429"))->histogram.count(), 1u);
  EXPECT_EQ(
      series("gen_ai_server_request_duration_seconds", with("upstream_reset"))->histogram.count(),
      1u);
  EXPECT_EQ(series("gen_ai_server_request_duration_seconds", with("client_disconnected"))
                ->histogram.count(),
            1u);
  EXPECT_EQ(series("gen_ai_server_time_to_first_token_seconds", with("upstream_reset"))
                ->histogram.count(),
            1u);
  EXPECT_EQ(seriesCount("gen_ai_server_time_per_output_token_seconds"), 0u);
  EXPECT_EQ(seriesCount("gen_ai_client_token_usage"), 0u);
}

TEST_F(RequestMetricsTest, ModelsTheConfigurationDoesNotNameShareOneLabel) {
  // A huge unknown model (a 404), and many small ones: one series between them.
  RequestInfo unknown;
  unknown.responseCode = 404;
  unknown.errorType = "model_not_found";
  unknown.requestModel = std::string(1 << 20, 'm');
  metrics.onGenAiRequest(unknown, started_);
  for (int i = 0; i < 100; ++i) {
    unknown.requestModel = "no-such-model-" + std::to_string(i);
    metrics.onGenAiRequest(unknown, started_);
  }
  EXPECT_EQ(seriesCount("gen_ai_server_request_duration_seconds"), 1u);
  const Labels other{"chat", "", "_OTHER", "_OTHER", "", "model_not_found"};
  EXPECT_EQ(series("gen_ai_server_request_duration_seconds", other)->histogram.count(), 101u);

  // A route matched by a regular expression, answered by a backend that echoes the model: the
  // override (configured) keeps its label, the echo of an unknown name does not.
  RequestInfo echoed = answered("default/a");
  echoed.requestModelConfigured = false;
  echoed.requestModel = "gpt-" + std::string(5000, 'x');
  echoed.modelOverride.clear();
  echoed.responseModel = echoed.requestModel;
  metrics.onGenAiRequest(echoed, started_);
  EXPECT_NE(series("gen_ai_server_request_duration_seconds",
                   {"chat", "gcp.vertex_ai", "_OTHER", "_OTHER", "_OTHER", ""}),
            nullptr);
  echoed.modelOverride = "gemini-2.5-flash";
  echoed.responseModel = std::string(200, 'r');  // asked for a configured name, but too long
  metrics.onGenAiRequest(echoed, started_);
  EXPECT_NE(series("gen_ai_server_request_duration_seconds",
                   {"chat", "gcp.vertex_ai", "_OTHER", "gemini-2.5-flash", "_OTHER", ""}),
            nullptr);
  // Nothing went to the registry's overflow backstop.
  EXPECT_EQ(seriesCount("switchyard_metric_overflow_total"), 0u);
}

TEST_F(RequestMetricsTest, FallbacksAreAttemptsAwayFromTheFirstChoice) {
  // The same backend retried: attempts, no fallback.
  auto retried = answered("default/a");
  retried.attempts.insert(retried.attempts.begin(),
                          {"default/a", "h:443", "status_503", microseconds(1)});
  metrics.onGenAiRequest(retried, started_);
  // Primary failed, secondary answered.
  auto fellBack = answered("default/b");
  fellBack.attempts.insert(fellBack.attempts.begin(),
                           {"default/a", "h:443", "upstream_connect", microseconds(1)});
  metrics.onGenAiRequest(fellBack, started_);
  // Primary skipped while ejected: no attempt on it, and the secondary's is a fallback.
  auto skipped = answered("default/b");
  skipped.attempts.insert(skipped.attempts.begin(),
                          {"default/a", "h:443", "ejected", microseconds(0)});
  metrics.onGenAiRequest(skipped, started_);

  EXPECT_EQ(value("switchyard_upstream_attempts_total", {"default/a", "status_503"}), 1);
  EXPECT_EQ(value("switchyard_upstream_attempts_total", {"default/a", "ok"}), 1);
  EXPECT_EQ(value("switchyard_upstream_attempts_total", {"default/a", "upstream_connect"}), 1);
  EXPECT_EQ(value("switchyard_upstream_attempts_total", {"default/b", "ok"}), 2);
  EXPECT_EQ(seriesCount("switchyard_upstream_attempts_total"), 4u);  // no "ejected" attempts
  EXPECT_EQ(value("switchyard_fallbacks_total", {"default/b"}), 2);
  EXPECT_EQ(seriesCount("switchyard_fallbacks_total"), 1u);
}

TEST_F(RequestMetricsTest, ResponsesConnectionsAndOpenStreams) {
  metrics.onResponse(200);
  metrics.onResponse(200);
  metrics.onResponse(0);
  net::UpstreamTarget target;
  target.host = "us-central1-aiplatform.googleapis.com";
  target.port = 443;
  metrics.onConnectionOpened(target);
  metrics.onTlsHandshake(target, true);
  metrics.onTlsHandshake(target, false);
  metrics.onConnectionReused(target);
  metrics.onConnectionReused(target);
  {
    RequestMetrics::OpenStream stream(metrics, true);
    RequestMetrics::OpenStream unary(metrics, false);
    EXPECT_EQ(value("switchyard_open_streams", {}), 1);
  }
  EXPECT_EQ(value("switchyard_open_streams", {}), 0);

  EXPECT_EQ(value("switchyard_requests_total", {"200"}), 2);
  EXPECT_EQ(value("switchyard_requests_total", {"0"}), 1);
  const std::string upstream = "us-central1-aiplatform.googleapis.com:443";
  EXPECT_EQ(value("switchyard_upstream_connections_opened_total", {upstream}), 1);
  EXPECT_EQ(value("switchyard_upstream_connections_reused_total", {upstream}), 2);
  EXPECT_EQ(value("switchyard_tls_handshakes_total", {upstream, "ok"}), 1);
  EXPECT_EQ(value("switchyard_tls_handshakes_total", {upstream, "error"}), 1);
}

// The recorder keeps the cells of the last label values: requests that alternate between label
// values, and a stream after a unary request with the same labels, still land in their own series.
TEST_F(RequestMetricsTest, AlternatingLabelValuesEachKeepTheirSeries) {
  auto other = answered("default/b");
  other.provider = "aws.bedrock";
  Labels otherLabels = kAnsweredLabels;
  otherLabels[1] = "aws.bedrock";
  metrics.onGenAiRequest(answered("default/a"), started_);
  metrics.onGenAiRequest(other, started_);
  metrics.onGenAiRequest(answered("default/a"), started_);
  auto stream = answered("default/a");
  stream.stream = true;
  stream.firstByteAt = started_ + milliseconds(100);
  metrics.onGenAiRequest(stream, started_);

  const auto* duration = series("gen_ai_server_request_duration_seconds", kAnsweredLabels);
  ASSERT_NE(duration, nullptr);
  EXPECT_EQ(duration->histogram.count(), 3u);
  const auto* otherDuration = series("gen_ai_server_request_duration_seconds", otherLabels);
  ASSERT_NE(otherDuration, nullptr);
  EXPECT_EQ(otherDuration->histogram.count(), 1u);
  Labels output{"output"};
  output.insert(output.end(), kAnsweredLabels.begin(), kAnsweredLabels.end());
  EXPECT_EQ(series("gen_ai_client_token_usage", output)->histogram.sum, 33);
  output[2] = "aws.bedrock";
  EXPECT_EQ(series("gen_ai_client_token_usage", output)->histogram.sum, 11);
  const auto* first = series("gen_ai_server_time_to_first_token_seconds", kAnsweredLabels);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->histogram.count(), 1u);
}

// A record sent to the overflow series is counted as overflowed every time, also when the same
// label values repeat (the recorder must not keep the overflow cell).
TEST(RequestMetricsOverflowTest, RepeatedOverflowingRecordsAreEachCounted) {
  telemetry::MetricsRegistry registry(1);  // one series per family
  GatewayMetrics declared{registry};
  RequestMetrics metrics{declared};
  const auto started = std::chrono::steady_clock::now();
  RequestInfo first;
  first.operation = "chat";
  first.provider = "gcp.vertex_ai";
  first.duration = milliseconds(10);
  RequestInfo second = first;
  second.provider = "aws.bedrock";
  metrics.onGenAiRequest(first, started);
  for (int i = 0; i < 3; ++i) metrics.onGenAiRequest(second, started);
  metrics.onGenAiRequest(first, started);

  double overflowed = -1;
  std::uint64_t overflowCount = 0, firstCount = 0;
  for (const auto& family : registry.collect()) {
    for (const auto& s : family.series) {
      if (family.family->name == "switchyard_metric_overflow_total" &&
          s.labelValues == Labels{"gen_ai_server_request_duration_seconds"})
        overflowed = s.value;
      if (family.family->name != "gen_ai_server_request_duration_seconds") continue;
      if (s.labelValues[1] == "overflow") overflowCount = s.histogram.count();
      if (s.labelValues[1] == "gcp.vertex_ai") firstCount = s.histogram.count();
    }
  }
  EXPECT_EQ(overflowed, 3);
  EXPECT_EQ(overflowCount, 3u);
  EXPECT_EQ(firstCount, 2u);
}

// The status, overhead and attempt series are kept the same way: alternating values each count
// in their own series, and overflowing records are each counted.
TEST(RequestMetricsOverflowTest, KeptCountersFollowTheirValuesAndCountOverflow) {
  telemetry::MetricsRegistry registry(1);
  GatewayMetrics declared{registry};
  RequestMetrics metrics{declared};
  metrics.onResponse(200);
  for (int i = 0; i < 3; ++i) metrics.onResponse(503);
  metrics.onResponse(200);
  double ok = 0, overflow = 0, overflowed = 0;
  for (const auto& family : registry.collect()) {
    for (const auto& s : family.series) {
      if (family.family->name == "switchyard_metric_overflow_total" &&
          s.labelValues == Labels{"switchyard_requests_total"})
        overflowed = s.value;
      if (family.family->name != "switchyard_requests_total") continue;
      if (s.labelValues == Labels{"200"}) ok = s.value;
      if (s.labelValues == Labels{"overflow"}) overflow = s.value;
    }
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(overflow, 3);
  EXPECT_EQ(overflowed, 3);
}

TEST_F(RequestMetricsTest, AlternatingStatusesAndAttemptsEachKeepTheirSeries) {
  metrics.onResponse(200);
  metrics.onResponse(429);
  metrics.onResponse(200);
  auto failedOver = answered("default/b");
  failedOver.attempts.insert(failedOver.attempts.begin(),
                             {"default/a", "h:443", "status_503", microseconds(1)});
  metrics.onGenAiRequest(answered("default/a"), started_);
  metrics.onGenAiRequest(failedOver, started_);
  metrics.onGenAiRequest(answered("default/a"), started_);
  EXPECT_EQ(value("switchyard_requests_total", {"200"}), 2);
  EXPECT_EQ(value("switchyard_requests_total", {"429"}), 1);
  EXPECT_EQ(value("switchyard_upstream_attempts_total", {"default/a", "ok"}), 2);
  EXPECT_EQ(value("switchyard_upstream_attempts_total", {"default/a", "status_503"}), 1);
  EXPECT_EQ(value("switchyard_upstream_attempts_total", {"default/b", "ok"}), 1);
  EXPECT_EQ(series("switchyard_gateway_overhead_seconds", {})->histogram.count(), 3u);
}

}  // namespace
}  // namespace switchyard::gateway
