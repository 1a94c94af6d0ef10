#pragma once
// What the collector's answer to an OTLP/HTTP export means (docs/spec/wire.md §4.3): success, worth
// retrying (429, 502, 503, 504, with or without Retry-After), or a batch to drop; and how many
// spans a 200 with partial_success still rejected. The body and headers come from the network:
// nothing here throws on them.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace switchyard::telemetry {

enum class ExportVerdict { Success, Retry, Drop };

ExportVerdict verdictForStatus(unsigned status);

// Retry-After as delta-seconds or an HTTP-date (IMF-fixdate), relative to `now`; a date in the past
// is zero. nullopt when absent or unreadable.
std::optional<std::chrono::milliseconds> parseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

// ExportTraceServiceResponse.partial_success.rejected_spans; 0 for an empty, full-success or
// unreadable body.
std::int64_t rejectedSpans(std::string_view responseBody);

}  // namespace switchyard::telemetry
