#pragma once
// The OTLP/HTTP protobuf exporter behind Exporter: request threads push spans into a bounded
// lock-free queue; one background thread with its own io_context takes them out in batches
// (a full batch at once, else whatever is there once the schedule delay passes), encodes an
// ExportTraceServiceRequest and POSTs it with `Content-Type: application/x-protobuf` over http or
// verified https (net::UpstreamClient). 429/502/503/504 and transport failures are retried with
// jittered exponential back-off or after Retry-After, while the batch's export timeout allows;
// anything else drops the batch. A slow or dead collector only ever costs dropped spans.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "telemetry/exporter_settings.hpp"
#include "telemetry/otlp_encoder.hpp"
#include "telemetry/span_exporter.hpp"

namespace switchyard::telemetry {

// Counts since start-up, readable from any thread (e.g. by the metrics scrape).
struct ExportStats {
  std::uint64_t spansSubmitted = 0;
  std::uint64_t spansExported = 0;  // accepted by the collector
  std::uint64_t spansDroppedQueueFull = 0;
  std::uint64_t spansDroppedExportFailed =
      0;                                   // batch given up: non-retryable answer or out of time
  std::uint64_t spansDroppedRejected = 0;  // 200 with partial_success.rejected_spans
  std::uint64_t spansDroppedShutdown = 0;  // still queued at the shutdown deadline, or late
  // One per HTTP request, by how it ended.
  std::uint64_t exportRequestsSuccess = 0;
  std::uint64_t exportRequestsRetryableStatus = 0;  // 429, 502, 503, 504
  std::uint64_t exportRequestsFailedStatus = 0;     // any other non-2xx
  std::uint64_t exportRequestsTransportError = 0;   // no answer: DNS, connect, TLS, reset, timeout
};

struct OtlpHttpExporterOptions {
  InstrumentationScope scope{"switchyard", ""};
  std::chrono::milliseconds initialBackoff{1'000};  // doubles per retry, jittered, up to maxBackoff
  std::chrono::milliseconds maxBackoff{5'000};
  // Where the two state-change lines go (collector failing / recovered); stderr by default.
  std::function<void(std::string_view line)> log;
  // Tests: runs on the export thread whenever it is about to sleep until the schedule delay ends
  // or a batch fills up, so a test can submit exactly then.
  std::function<void()> onIdle;
};

class OtlpHttpExporter final : public Exporter {
 public:
  // Starts the export thread. `settings.enabled` is the caller's to check: this exports regardless.
  OtlpHttpExporter(ExporterSettings settings, OtlpHttpExporterOptions options = {});
  ~OtlpHttpExporter() override;  // without shutdown(): stops at once, dropping what is queued
  OtlpHttpExporter(const OtlpHttpExporter&) = delete;
  OtlpHttpExporter& operator=(const OtlpHttpExporter&) = delete;

  void submit(Span&& span) override;
  bool shutdown(std::chrono::steady_clock::time_point deadline) override;

  ExportStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::telemetry
