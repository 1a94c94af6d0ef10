#include "gateway/access_log.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cstring>

#include "core/json_writer.hpp"

namespace switchyard::gateway {

using core::JsonWriter;

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

// A worker's lines are handed to the writer once they pass this many bytes (or on the flush
// timer); the slack is room for the line that crosses it, so that one rarely reallocates. Each
// batch wakes the writer thread: at 64 KiB a busy worker woke it ~600 times a second (~5 % of a
// unary request's CPU went to the log, half of it those wake-ups); the flush timer still bounds
// how late a line is written.
constexpr std::size_t kBatchBytes = 256 * 1024;
constexpr std::size_t kBatchSlack = 8 * 1024;

// Values copied from the request, or from an upstream's answer, are cut to this many bytes (before
// JSON escaping, at a UTF-8 character boundary) and marked, so that no client makes a line long.
constexpr std::size_t kMaxCopiedFieldBytes = 1024;

// The longest prefix of `value` no longer than kMaxCopiedFieldBytes that ends between characters.
std::string_view cutAtCharacter(std::string_view value) {
  std::size_t end = kMaxCopiedFieldBytes;
  const auto continuation = [&](std::size_t i) {
    return (static_cast<unsigned char>(value[i]) & 0xC0) == 0x80;
  };
  // At most three continuation bytes follow a lead byte; past that it was not UTF-8 anyway.
  for (int back = 0; back < 3 && end > 0 && continuation(end); ++back) --end;
  return value.substr(0, end);
}

// The line is a fixed shape: each key is written together with the punctuation around it as one
// literal run, and only values go through escaping. Everything is written through a cursor into
// room made in `out` beforehand (a literal of known length is a few moves, not a call to
// std::string::append each); finish() trims `out` to what was written.
class LineWriter {
 public:
  explicit LineWriter(std::string& out) : out_(out), used_(out.size()) { grow(0); }

  // `run` is the literal before a value: `{"key":"`, `","key":` ...
  template <std::size_t N>
  LineWriter& run(const char (&literal)[N]) {
    std::memcpy(room(N - 1), literal, N - 1);
    used_ += N - 1;
    return *this;
  }
  LineWriter& run(std::string_view literal) {
    std::memcpy(room(literal.size()), literal.data(), literal.size());
    used_ += literal.size();
    return *this;
  }
  LineWriter& text(std::string_view value) {  // inside quotes the run opened
    char* at = room(core::kMaxJsonEscapedGrowth * value.size());
    used_ += static_cast<std::size_t>(core::writeJsonEscaped(at, value) - at);
    return *this;
  }
  LineWriter& number(std::int64_t value) {
    char* at = room(20);  // "-9223372036854775808"
    used_ += static_cast<std::size_t>(std::to_chars(at, at + 20, value).ptr - at);
    return *this;
  }
  LineWriter& textOrNull(std::string_view value) {  // a run that ends with `:`
    if (value.empty()) return run("null");
    return run("\"").text(value).run("\"");
  }
  // A value copied from a client or an upstream: at most kMaxCopiedFieldBytes of it, then
  // `...[truncated: N bytes]` with its full length.
  LineWriter& copied(std::string_view value) {  // inside quotes the run opened
    if (value.size() <= kMaxCopiedFieldBytes) return text(value);
    text(cutAtCharacter(value));
    run("...[truncated: ").number(static_cast<std::int64_t>(value.size()));
    return run(" bytes]");
  }
  LineWriter& copiedOrNull(std::string_view value) {  // a run that ends with `:`
    if (value.empty()) return run("null");
    return run("\"").copied(value).run("\"");
  }
  void finish() { out_.resize(used_); }

 private:
  // Most lines fit: one resize (a memset of this much) for the whole line.
  static constexpr std::size_t kInitialRoom = 1536;

  // Where `n` more bytes go; valid until the next call. Inlined at every piece, so the growing
  // (rare: a line past kInitialRoom) is apart.
  char* room(std::size_t n) {
    if (end_ - used_ < n) [[unlikely]]
      grow(n);
    return data_ + used_;
  }
  [[gnu::noinline]] void grow(std::size_t n) {
    out_.resize(used_ + n + kInitialRoom);
    data_ = out_.data();
    end_ = out_.size();
  }

  std::string& out_;
  char* data_ = nullptr;  // out_.data() and out_.size() since the last resize
  std::size_t end_ = 0;
  std::size_t used_;  // bytes of `out_` written; the rest is room
};

}  // namespace

// Written straight into the line (no JSON tree): the access log is on every request's path.
void appendAccessLogLine(std::string& out, const RequestInfo& e) {
  std::array<char, 24> time;
  LineWriter line(out);
  line.run(R"({"start_time":")").text(isoTime(time, e.start));
  line.run(R"(","method":")").copied(e.method);
  line.run(R"(","x-envoy-origin-path":")").copied(e.path);
  line.run(R"(","protocol":")").text(e.protocol);
  line.run(R"(","response_code":)").number(e.responseCode);
  line.run(R"(,"response_flags":")")
      .text(e.responseFlags.empty() ? std::string_view("-") : std::string_view(e.responseFlags));
  line.run(R"(","bytes_received":)").number(static_cast<std::int64_t>(e.bytesReceived));
  line.run(R"(,"bytes_sent":)").number(static_cast<std::int64_t>(e.bytesSent));
  line.run(R"(,"duration":)").number(e.duration.count() / 1000);  // ms, as Envoy
  line.run(R"(,"duration_us":)").number(e.duration.count());
  line.run(R"(,"upstream_host":)").textOrNull(e.upstreamHost);
  line.run(R"(,"upstream_cluster":)").textOrNull(e.upstreamCluster);
  line.run(R"(,"upstream_transport_failure_reason":)")
      .copiedOrNull(e.upstreamTransportFailureReason);
  line.run(R"(,"x-request-id":")").copied(e.requestId);
  line.run(R"(","user-agent":)").copiedOrNull(e.userAgent);
  line.run(R"(,"client-id":)").copiedOrNull(e.clientId);
  line.run(R"(,"gen_ai.request.model":)").copiedOrNull(e.requestModel);
  line.run(R"(,"gen_ai.request.model_override":)").textOrNull(e.modelOverride);
  line.run(R"(,"gen_ai.response.model":)").copiedOrNull(e.responseModel);
  line.run(R"(,"gen_ai.usage.input_tokens":)").number(e.usage.promptTokens);
  line.run(R"(,"gen_ai.usage.output_tokens":)").number(e.usage.completionTokens);
  line.run(R"(,"gen_ai.usage.total_tokens":)").number(e.usage.totalTokens);
  line.run(R"(,"gen_ai.usage.cached_tokens":)").number(e.usage.cachedTokens);
  line.run(R"(,"gen_ai.usage.reasoning_tokens":)").number(e.usage.reasoningTokens);
  line.run(R"(,"backend":)").textOrNull(e.backend);
  line.run(e.stream ? R"(,"stream":true)" : R"(,"stream":false)");
  if (!e.errorType.empty()) line.run(R"(,"error.type":")").text(e.errorType).run(R"(")");
  line.run(R"(,"attempts":[)");
  for (std::size_t i = 0; i < e.attempts.size(); ++i) {
    const auto& a = e.attempts[i];
    line.run(i == 0 ? R"({"backend":")" : R"(,{"backend":")").text(a.backend);
    line.run(R"(","upstream_host":")").text(a.upstreamHost);
    line.run(R"(","outcome":")").text(a.outcome);
    line.run(R"(","duration_us":)").number(a.duration.count()).run("}");
  }
  line.run("]");
  // Only requests a rate-limit rule applied to: which rule refused, and what each rule charged.
  if (!e.rateLimits.empty()) {
    line.run(R"(,"ratelimit.limited_by":)").textOrNull(e.rateLimitedBy);
    line.run(R"(,"ratelimit.rules":[)");
    for (std::size_t i = 0; i < e.rateLimits.size(); ++i) {
      const auto& r = e.rateLimits[i];
      line.run(i == 0 ? R"({"rule":")" : R"(,{"rule":")").text(r.rule);
      line.run(R"(","outcome":")").text(r.outcome);
      line.run(R"(","request_cost":)").number(static_cast<std::int64_t>(r.requestCost));
      line.run(R"(,"response_cost":)").number(static_cast<std::int64_t>(r.responseCost)).run("}");
    }
    line.run("]");
  }
  line.run("}");
  line.finish();
}

std::string formatAccessLogLine(const RequestInfo& entry) {
  std::string line;
  line.reserve(768);
  appendAccessLogLine(line, entry);
  return line;
}

void AccessLog::record(const RequestInfo& entry) {
  // A flush hands the batch to the writer with its memory: the next one gets its room in one
  // allocation here, instead of growing by doubling from nothing (which copied each batch about
  // twice over, ten-odd reallocations per batch).
  if (buffer_.capacity() < kBatchBytes) buffer_.reserve(kBatchBytes + kBatchSlack);
  appendAccessLogLine(buffer_, entry);
  buffer_ += '\n';
  if (buffer_.size() > kBatchBytes) flush();
}

}  // namespace switchyard::gateway
