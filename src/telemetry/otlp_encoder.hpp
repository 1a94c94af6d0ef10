#pragma once
// OTLP trace export body: an ExportTraceServiceRequest (opentelemetry.proto.collector.trace.v1) in
// binary protobuf, as OTLP/HTTP with `Content-Type: application/x-protobuf` carries it. Field
// numbers and wire types: docs/spec/wire.md §4.1.

#include <span>
#include <string>

#include "telemetry/span.hpp"

namespace switchyard::telemetry {

struct InstrumentationScope {
  std::string name;
  std::string version;  // empty = not sent
};

// One ResourceSpans with `resource` as its attributes, holding one ScopeSpans with all `spans`.
// Fields at their proto3 default are left out; an attribute value is always written (AnyValue is a
// oneof, so an empty string or a 0 is a value). Appends to `out`, which can be a reused buffer.
void encodeExportTraceServiceRequest(const Attributes& resource, const InstrumentationScope& scope,
                                     std::span<const Span> spans, std::string& out);

}  // namespace switchyard::telemetry
