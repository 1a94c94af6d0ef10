#pragma once
// Trace export configured the way every OpenTelemetry SDK is: from the standard OTEL_* environment
// (OTLP exporter and batch span processor variables), read once at start-up.
//
//   OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none   export off; so is having no endpoint at all
//   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT                  the full URL, used as is
//   OTEL_EXPORTER_OTLP_ENDPOINT                         base URL; "/v1/traces" appended to its path
//   OTEL_EXPORTER_OTLP_[TRACES_]HEADERS                 k=v,k2=v2 (values percent-decoded)
//   OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT                 ms per export request (10000)
//   OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE             CA file (PEM) to trust, else the system's
//   OTEL_SERVICE_NAME                                   service.name (switchyard)
//   OTEL_RESOURCE_ATTRIBUTES                            k=v,... (values percent-decoded)
//   PHOENIX_PROJECT_NAME                                openinference.project.name
//   OTEL_BSP_SCHEDULE_DELAY (5000 ms), OTEL_BSP_EXPORT_TIMEOUT (30000 ms, one batch with its
//   retries), OTEL_BSP_MAX_QUEUE_SIZE (2048),
//   OTEL_BSP_MAX_EXPORT_BATCH_SIZE (512, at most the queue size)
//
//   OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL / _COMPRESSION  only http/protobuf, uncompressed: any
//                                                       other value is warned about
//
// A TRACES_ variable replaces its generic one whole (headers are not merged), as in the OTel SDKs.
// An empty variable counts as unset. A malformed value is ignored for its default with a warning.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/http_message.hpp"
#include "telemetry/environment.hpp"
#include "telemetry/span.hpp"

namespace switchyard::telemetry {

// Where batches are POSTed.
struct OtlpEndpoint {
  std::string url;  // scheme://host:port/path as used (no user info), for log lines
  bool tls = false;
  std::string host;  // name or IP literal (IPv6 without brackets)
  std::uint16_t port = 0;
  std::string target = "/v1/traces";  // origin-form: path and query
};

struct ExporterSettings {
  bool enabled = false;
  OtlpEndpoint endpoint;
  std::vector<core::Header> headers;  // sent with every export request
  std::string caPem;                  // trusted CAs for https; empty = OpenSSL's default store
  std::chrono::milliseconds requestTimeout{10'000};
  Attributes resource;  // service.name first, then the rest; keys unique
  std::chrono::milliseconds scheduleDelay{5'000};
  std::chrono::milliseconds exportTimeout{30'000};
  std::size_t maxQueueSize = 2048;
  std::size_t maxExportBatchSize = 512;
};

struct LoadedExporterSettings {
  ExporterSettings settings;
  std::vector<std::string> warnings;  // one line per value ignored; print each once at start-up
};

LoadedExporterSettings loadExporterSettings(const EnvironmentLookup& environment);

// `k=v` pairs separated by commas (the W3C Baggage form OTEL_RESOURCE_ATTRIBUTES and
// OTEL_EXPORTER_OTLP_HEADERS use), blanks around keys and values ignored, values percent-decoded.
// nullopt when any pair is malformed: the OTel spec discards the whole list then.
std::optional<std::vector<std::pair<std::string, std::string>>> parseKeyValueList(
    std::string_view text);

}  // namespace switchyard::telemetry
