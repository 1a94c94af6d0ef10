#pragma once
// One JSON line per request, Envoy's field names where they exist plus the AI fields. Lines are
// appended to a per-worker buffer and handed in batches to the LogWriter thread, so a request never
// waits on stdout.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/log_writer.hpp"
#include "providers/provider.hpp"

namespace switchyard::gateway {

struct AttemptRecord {
  std::string backend;       // AIServiceBackend namespace/name
  std::string upstreamHost;  // host:port
  std::string outcome;       // "ok", "status_503", "upstream_connect", ...
  std::chrono::microseconds duration{0};
};

struct AccessLogEntry {
  std::chrono::system_clock::time_point start;
  std::string_view method;
  std::string_view path;
  std::string_view protocol;
  unsigned responseCode = 0;
  std::string responseFlags;  // Envoy-style: "UF" upstream failure, "UH" no healthy upstream, ...
  std::uint64_t bytesReceived = 0;
  std::uint64_t bytesSent = 0;
  std::chrono::microseconds duration{0};
  std::string upstreamHost;
  std::string upstreamCluster;
  std::string upstreamTransportFailureReason;
  std::string_view requestId;
  std::string_view userAgent;
  std::string requestModel;  // owned: the parsed request is gone when the line is written
  std::string modelOverride;
  std::string responseModel;
  std::string backend;
  providers::Usage usage;
  bool stream = false;
  std::string errorType;
  std::vector<AttemptRecord> attempts;
  // For metrics, not printed: gen_ai.provider.name of the last backend tried (a literal), when the
  // first streamed event went out, and how long the request waited on upstreams.
  std::string_view provider;
  std::chrono::steady_clock::time_point firstByteAt{};
  std::chrono::steady_clock::duration upstreamWait{0};
};

class AccessLog {
 public:
  explicit AccessLog(LogWriter& writer) : writer_(writer) {}
  ~AccessLog() { flush(); }
  void record(const AccessLogEntry& entry);
  // Hands what is buffered to the writer; called by the worker's flush timer and at shutdown.
  void flush() { writer_.submit(buffer_); }

 private:
  LogWriter& writer_;
  std::string buffer_;
};

std::string formatAccessLogLine(const AccessLogEntry& entry);
void appendAccessLogLine(std::string& out, const AccessLogEntry& entry);

}  // namespace switchyard::gateway
