#pragma once
// One JSON line per request (read from its RequestInfo), Envoy's field names where they exist plus
// the AI fields. A value copied from the request or from an upstream's answer (method, path,
// user-agent, x-request-id, models, transport failure reason) keeps at most 1,024 bytes, then reads
// `...[truncated: N bytes]`, so a line stays a few KiB whatever a client sends. Lines are
// appended to a per-worker buffer and handed in batches to the LogWriter thread, so a request never
// waits on stdout.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/log_writer.hpp"
#include "gateway/request_info.hpp"

namespace switchyard::gateway {

class AccessLog {
 public:
  explicit AccessLog(LogWriter& writer) : writer_(writer) {}
  ~AccessLog() { flush(); }
  void record(const RequestInfo& entry);
  // Hands what is buffered to the writer; called by the worker's flush timer and at shutdown.
  void flush() { writer_.submit(buffer_); }

 private:
  LogWriter& writer_;
  std::string buffer_;
};

std::string formatAccessLogLine(const RequestInfo& entry);
void appendAccessLogLine(std::string& out, const RequestInfo& entry);

}  // namespace switchyard::gateway
