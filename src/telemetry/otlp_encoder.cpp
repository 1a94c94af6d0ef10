#include "telemetry/otlp_encoder.hpp"

#include <string_view>

#include "telemetry/proto_writer.hpp"

namespace switchyard::telemetry {

namespace {

// Field numbers, named as in the .proto files.
namespace export_request {
constexpr std::uint32_t kResourceSpans = 1;
}
namespace resource_spans {
constexpr std::uint32_t kResource = 1, kScopeSpans = 2;
}
namespace resource {
constexpr std::uint32_t kAttributes = 1;
}
namespace scope_spans {
constexpr std::uint32_t kScope = 1, kSpans = 2;
}
namespace scope {
constexpr std::uint32_t kName = 1, kVersion = 2;
}
namespace span {
constexpr std::uint32_t kTraceId = 1, kSpanId = 2, kTraceState = 3, kParentSpanId = 4, kName = 5,
                        kKind = 6, kStartTime = 7, kEndTime = 8, kAttributes = 9, kEvents = 11,
                        kStatus = 15, kFlags = 16;
}
namespace event {
constexpr std::uint32_t kTime = 1, kName = 2, kAttributes = 3;
}
namespace status {
constexpr std::uint32_t kMessage = 2, kCode = 3;
}
namespace key_value {
constexpr std::uint32_t kKey = 1, kValue = 2;
}
namespace any_value {
constexpr std::uint32_t kString = 1, kBool = 2, kInt = 3, kDouble = 4, kArray = 5;
}
namespace array_value {
constexpr std::uint32_t kValues = 1;
}

template <std::size_t N>
std::string_view asBytes(const std::array<std::uint8_t, N>& id) {
  return {reinterpret_cast<const char*>(id.data()), N};
}

struct AnyValueWriter {
  ProtoWriter& w;
  void operator()(const SpanText& text) const { w.string(any_value::kString, text.view()); }
  void operator()(std::int64_t number) const {
    w.varint(any_value::kInt, static_cast<std::uint64_t>(number));
  }
  void operator()(double number) const { w.float64(any_value::kDouble, number); }
  void operator()(bool flag) const { w.varint(any_value::kBool, flag ? 1 : 0); }
  void operator()(const AttributeValue::StringArray& strings) const {
    w.message(any_value::kArray, [&] {
      for (const auto& text : strings)
        w.message(array_value::kValues, [&] { w.string(any_value::kString, text); });
    });
  }
  void operator()(const AttributeValue::DoubleArray& numbers) const {
    w.message(any_value::kArray, [&] {
      for (const double number : numbers)
        w.message(array_value::kValues, [&] { w.float64(any_value::kDouble, number); });
    });
  }
};

void writeAttributes(ProtoWriter& w, std::uint32_t field, const Attributes& attributes) {
  for (const auto& attribute : attributes) {
    w.message(field, [&] {
      w.string(key_value::kKey, attribute.key.view());
      w.message(key_value::kValue, [&] { std::visit(AnyValueWriter{w}, attribute.value.get()); });
    });
  }
}

void writeSpan(ProtoWriter& w, const Span& s) {
  w.bytes(span::kTraceId, asBytes(s.traceId.bytes));
  w.bytes(span::kSpanId, asBytes(s.spanId.bytes));
  if (!s.traceState.empty()) w.string(span::kTraceState, s.traceState);
  if (s.parentSpanId) w.bytes(span::kParentSpanId, asBytes(s.parentSpanId->bytes));
  if (!s.name.empty()) w.string(span::kName, s.name);
  if (s.kind != SpanKind::Unspecified) w.varint(span::kKind, static_cast<std::uint64_t>(s.kind));
  if (s.startTimeUnixNano != 0) w.fixed64(span::kStartTime, s.startTimeUnixNano);
  if (s.endTimeUnixNano != 0) w.fixed64(span::kEndTime, s.endTimeUnixNano);
  writeAttributes(w, span::kAttributes, s.attributes);
  for (const auto& e : s.events) {
    w.message(span::kEvents, [&] {
      if (e.timeUnixNano != 0) w.fixed64(event::kTime, e.timeUnixNano);
      if (!e.name.view().empty()) w.string(event::kName, e.name.view());
      writeAttributes(w, event::kAttributes, e.attributes);
    });
  }
  if (s.status.code != StatusCode::Unset || !s.status.message.empty()) {
    w.message(span::kStatus, [&] {
      if (!s.status.message.empty()) w.string(status::kMessage, s.status.message);
      if (s.status.code != StatusCode::Unset)
        w.varint(status::kCode, static_cast<std::uint64_t>(s.status.code));
    });
  }
  if (s.flags != 0) w.fixed32(span::kFlags, s.flags);
}

}  // namespace

void encodeExportTraceServiceRequest(const Attributes& resourceAttributes,
                                     const InstrumentationScope& instrumentationScope,
                                     std::span<const Span> spans, std::string& out) {
  ProtoWriter w(out);
  w.message(export_request::kResourceSpans, [&] {
    w.message(resource_spans::kResource,
              [&] { writeAttributes(w, resource::kAttributes, resourceAttributes); });
    w.message(resource_spans::kScopeSpans, [&] {
      w.message(scope_spans::kScope, [&] {
        if (!instrumentationScope.name.empty()) w.string(scope::kName, instrumentationScope.name);
        if (!instrumentationScope.version.empty())
          w.string(scope::kVersion, instrumentationScope.version);
      });
      for (const auto& s : spans) w.message(scope_spans::kSpans, [&] { writeSpan(w, s); });
    });
  });
}

}  // namespace switchyard::telemetry
