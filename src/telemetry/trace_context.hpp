#pragma once
// Trace and span identity: the ids, their per-thread generator, and the W3C Trace Context headers
// (`traceparent`, `tracestate`) through which the gateway joins a caller's trace and passes its own
// span on to the upstream.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::telemetry {

struct TraceId {
  std::array<std::uint8_t, 16> bytes{};

  bool valid() const;  // all-zero is the W3C "invalid" id
  bool operator==(const TraceId&) const = default;
};

struct SpanId {
  std::array<std::uint8_t, 8> bytes{};

  bool valid() const;
  bool operator==(const SpanId&) const = default;
};

// W3C trace-flags bit 0.
inline constexpr std::uint8_t kTraceFlagSampled = 0x01;

// Random non-zero ids. Not thread-safe: one per worker thread, so making an id takes no lock and
// touches no shared cache line. Seeded from std::random_device; ids need to be unique, not secret.
class IdGenerator {
 public:
  IdGenerator();
  explicit IdGenerator(std::uint64_t seed);  // reproducible ids, for tests

  TraceId traceId();
  SpanId spanId();

 private:
  std::uint64_t next();
  std::array<std::uint64_t, 4> state_{};  // xoshiro256**
};

// A parsed `traceparent` (and the `tracestate` that came with it).
struct TraceParent {
  TraceId traceId;
  SpanId parentId;
  std::uint8_t flags = 0;  // W3C trace-flags; only kTraceFlagSampled has a meaning today
  std::string traceState;  // as received, or empty

  bool sampled() const { return (flags & kTraceFlagSampled) != 0; }
};

// The `traceparent` header value: version 00 exactly (55 characters), or a later version whose
// first four fields are read as version 00's (W3C Trace Context, "Versioning of traceparent").
// Lowercase hex only; all-zero ids, version ff and anything malformed give nullopt (start a new
// trace). Surrounding spaces and tabs are ignored.
std::optional<TraceParent> parseTraceParent(std::string_view header);

// Same, plus the `tracestate` header kept as given when it is usable (see acceptTraceState).
std::optional<TraceParent> parseTraceParent(std::string_view header, std::string_view traceState);

// `tracestate` is passed through unparsed, but it ends up in a protobuf string field that must be
// UTF-8 (one bad byte makes Phoenix reject the whole batch) and it comes from the caller: keep it
// only if it is at most 512 printable ASCII characters (the W3C limit), else drop it (empty).
std::string acceptTraceState(std::string_view traceState);

// "00-<trace id>-<span id>-<flags>", lowercase hex.
std::string formatTraceParent(const TraceId& traceId, const SpanId& spanId, std::uint8_t flags);

// Lowercase hex of an id (32 or 16 characters).
std::string toHex(const TraceId& id);
std::string toHex(const SpanId& id);

}  // namespace switchyard::telemetry
