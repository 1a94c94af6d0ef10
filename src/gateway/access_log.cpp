#include "gateway/access_log.hpp"

#include <array>
#include <chrono>

#include "providers/json_writer.hpp"

namespace switchyard::gateway {

namespace {

// "2026-11-27T04:47:46.101Z" in `buf`, formatted by hand with chrono's calendar arithmetic (no
// gmtime_r and its time-zone machinery): this runs once per request.
std::string_view isoTime(std::array<char, 24>& buf, std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const hh_mm_ss clock{ms - day};
  auto put = [&buf](int at, long value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) buf[at + i] = char('0' + value % 10);
  };
  put(0, int(date.year()), 4);
  buf[4] = '-';
  put(5, unsigned(date.month()), 2);
  buf[7] = '-';
  put(8, unsigned(date.day()), 2);
  buf[10] = 'T';
  put(11, clock.hours().count(), 2);
  buf[13] = ':';
  put(14, clock.minutes().count(), 2);
  buf[16] = ':';
  put(17, clock.seconds().count(), 2);
  buf[19] = '.';
  put(20, clock.subseconds().count(), 3);
  buf[23] = 'Z';
  return {buf.data(), buf.size()};
}

void stringOrNull(providers::JsonWriter& json, providers::JsonKey name, std::string_view text) {
  json.key(name);
  if (text.empty()) {
    json.null();
  } else {
    json.string(text);
  }
}

}  // namespace

// Written straight into the line (no JSON tree): the access log is on every request's path.
void appendAccessLogLine(std::string& out, const AccessLogEntry& e) {
  providers::JsonWriter json(out);
  json.beginObject();
  std::array<char, 24> time;
  json.field("start_time", isoTime(time, e.start));
  json.field("method", e.method);
  json.field("x-envoy-origin-path", e.path);
  json.field("protocol", e.protocol);
  json.fieldInt("response_code", e.responseCode);
  json.field("response_flags", e.responseFlags.empty() ? std::string_view("-") : std::string_view(e.responseFlags));
  json.fieldInt("bytes_received", static_cast<std::int64_t>(e.bytesReceived));
  json.fieldInt("bytes_sent", static_cast<std::int64_t>(e.bytesSent));
  json.fieldInt("duration", e.duration.count() / 1000);  // ms, as Envoy
  json.fieldInt("duration_us", e.duration.count());
  stringOrNull(json, "upstream_host", e.upstreamHost);
  stringOrNull(json, "upstream_cluster", e.upstreamCluster);
  stringOrNull(json, "upstream_transport_failure_reason", e.upstreamTransportFailureReason);
  json.field("x-request-id", e.requestId);
  stringOrNull(json, "user-agent", e.userAgent);
  stringOrNull(json, "gen_ai.request.model", e.requestModel);
  stringOrNull(json, "gen_ai.request.model_override", e.modelOverride);
  stringOrNull(json, "gen_ai.response.model", e.responseModel);
  json.fieldInt("gen_ai.usage.input_tokens", e.usage.promptTokens);
  json.fieldInt("gen_ai.usage.output_tokens", e.usage.completionTokens);
  json.fieldInt("gen_ai.usage.total_tokens", e.usage.totalTokens);
  json.fieldInt("gen_ai.usage.cached_tokens", e.usage.cachedTokens);
  json.fieldInt("gen_ai.usage.reasoning_tokens", e.usage.reasoningTokens);
  stringOrNull(json, "backend", e.backend);
  json.key("stream");
  json.boolean(e.stream);
  if (!e.errorType.empty()) json.field("error.type", e.errorType);
  json.key("attempts");
  json.beginArray();
  for (const auto& a : e.attempts) {
    json.beginObject();
    json.field("backend", a.backend);
    json.field("upstream_host", a.upstreamHost);
    json.field("outcome", a.outcome);
    json.fieldInt("duration_us", a.duration.count());
    json.endObject();
  }
  json.endArray();
  json.endObject();
}

std::string formatAccessLogLine(const AccessLogEntry& entry) {
  std::string line;
  line.reserve(768);
  appendAccessLogLine(line, entry);
  return line;
}

void AccessLog::record(const AccessLogEntry& entry) {
  appendAccessLogLine(buffer_, entry);
  buffer_ += '\n';
  if (buffer_.size() > 64 * 1024) flush();
}


}  // namespace switchyard::gateway
