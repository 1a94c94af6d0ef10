#include "gateway/access_log.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <ctime>

namespace switchyard::gateway {

namespace {

std::string isoTime(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t seconds = ms / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, int(ms % 1000));
  return buf;
}

boost::json::value orNull(std::string_view s) {
  return s.empty() ? boost::json::value(nullptr) : boost::json::value(s);
}

}  // namespace

std::string formatAccessLogLine(const AccessLogEntry& e) {
  boost::json::object line;
  line["start_time"] = isoTime(e.start);
  line["method"] = e.method;
  line["x-envoy-origin-path"] = e.path;
  line["protocol"] = e.protocol;
  line["response_code"] = e.responseCode;
  line["response_flags"] = e.responseFlags.empty() ? "-" : e.responseFlags;
  line["bytes_received"] = e.bytesReceived;
  line["bytes_sent"] = e.bytesSent;
  line["duration"] = e.duration.count() / 1000;  // ms, as Envoy
  line["duration_us"] = e.duration.count();
  line["upstream_host"] = orNull(e.upstreamHost);
  line["upstream_cluster"] = orNull(e.upstreamCluster);
  line["upstream_transport_failure_reason"] = orNull(e.upstreamTransportFailureReason);
  line["x-request-id"] = e.requestId;
  line["user-agent"] = orNull(e.userAgent);
  line["gen_ai.request.model"] = orNull(e.requestModel);
  line["gen_ai.request.model_override"] = orNull(e.modelOverride);
  line["gen_ai.response.model"] = orNull(e.responseModel);
  line["gen_ai.usage.input_tokens"] = e.usage.promptTokens;
  line["gen_ai.usage.output_tokens"] = e.usage.completionTokens;
  line["gen_ai.usage.total_tokens"] = e.usage.totalTokens;
  line["gen_ai.usage.cached_tokens"] = e.usage.cachedTokens;
  line["gen_ai.usage.reasoning_tokens"] = e.usage.reasoningTokens;
  line["backend"] = orNull(e.backend);
  line["stream"] = e.stream;
  if (!e.errorType.empty()) line["error.type"] = e.errorType;
  boost::json::array attempts;
  for (const auto& a : e.attempts) {
    boost::json::object o;
    o["backend"] = a.backend;
    o["upstream_host"] = a.upstreamHost;
    o["outcome"] = a.outcome;
    o["duration_us"] = a.duration.count();
    attempts.push_back(std::move(o));
  }
  line["attempts"] = std::move(attempts);
  return boost::json::serialize(line);
}

void AccessLog::record(const AccessLogEntry& entry) {
  buffer_ += formatAccessLogLine(entry);
  buffer_ += '\n';
  if (buffer_.size() > 64 * 1024) flush();
}


}  // namespace switchyard::gateway
