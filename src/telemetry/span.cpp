#include "telemetry/span.hpp"

namespace switchyard::telemetry {

namespace {

constexpr std::uint32_t kW3cFlagsMask = 0xff;

Span child(const TraceId& traceId, const SpanId& parent, const std::string& traceState,
           std::uint32_t flags, IdGenerator& ids) {
  Span span;
  span.traceId = traceId;
  span.spanId = ids.spanId();
  span.parentSpanId = parent;
  span.traceState = traceState;
  span.flags = flags;
  return span;
}

}  // namespace

void setAttribute(Attributes& attributes, SpanText key, AttributeValue value) {
  for (auto& attribute : attributes) {
    if (attribute.key == key.view()) {
      attribute.value = std::move(value);
      return;
    }
  }
  attributes.push_back({std::move(key), std::move(value)});
}

Span Span::root(IdGenerator& ids) {
  Span span;
  span.traceId = ids.traceId();
  span.spanId = ids.spanId();
  span.flags = kTraceFlagSampled | kSpanFlagsHasParentIsRemote;
  return span;
}

Span Span::childOf(const TraceParent& remote, IdGenerator& ids) {
  return child(remote.traceId, remote.parentId, remote.traceState,
               remote.flags | kSpanFlagsHasParentIsRemote | kSpanFlagsParentIsRemote, ids);
}

Span Span::childOf(const Span& local, IdGenerator& ids) {
  return child(local.traceId, local.spanId, local.traceState,
               (local.flags & kW3cFlagsMask) | kSpanFlagsHasParentIsRemote, ids);
}

void Span::recordError(std::uint64_t timeUnixNano, SpanText type, std::string message) {
  SpanEvent& event = addEvent("exception", timeUnixNano);
  event.attributes.reserve(2);
  event.attributes.push_back({"exception.type", std::move(type)});
  event.attributes.push_back({"exception.message", message});
  status.code = StatusCode::Error;
  status.message = std::move(message);
}

std::string Span::traceParent() const {
  return formatTraceParent(traceId, spanId, static_cast<std::uint8_t>(flags & kW3cFlagsMask));
}

}  // namespace switchyard::telemetry
