#pragma once
// A finished (or finishing) span as the request thread fills it in: plain data, moved whole into
// the exporter. Attribute keys are mostly string literals and stay unallocated views; computed keys
// (`llm.input_messages.3.message.role`) and all non-literal text are owned.

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "telemetry/trace_context.hpp"

namespace switchyard::telemetry {

// Text that is either a view of static storage (a literal) or owned. Implicit only from a string
// literal or a std::string, so a view of a temporary cannot slip in by accident.
class SpanText {
 public:
  SpanText() = default;
  template <std::size_t N>
  SpanText(const char (&literal)[N]) : text_(std::string_view(literal, N - 1)) {}  // NOLINT
  SpanText(std::string owned) : text_(std::move(owned)) {}                         // NOLINT
  // For text in static storage that is not a literal here (e.g. a constexpr string_view constant).
  static SpanText fromStatic(std::string_view text) {
    SpanText out;
    out.text_ = text;
    return out;
  }

  std::string_view view() const {
    return std::visit([](const auto& text) { return std::string_view(text); }, text_);
  }
  bool operator==(std::string_view other) const { return view() == other; }

 private:
  std::variant<std::string_view, std::string> text_;
};

// OTLP AnyValue, the kinds attributes need (string arrays: gen_ai.response.finish_reasons; double
// arrays: embedding vectors).
class AttributeValue {
 public:
  using StringArray = std::vector<std::string>;
  using DoubleArray = std::vector<double>;
  using Variant = std::variant<SpanText, std::int64_t, double, bool, StringArray, DoubleArray>;

  template <std::size_t N>
  AttributeValue(const char (&literal)[N]) : value_(SpanText(literal)) {}  // NOLINT
  AttributeValue(std::string text) : value_(SpanText(std::move(text))) {}  // NOLINT
  AttributeValue(SpanText text) : value_(std::move(text)) {}               // NOLINT
  // Integers of any width are int64; bool stays bool (no pointer or integer quietly becomes one).
  template <std::integral T>
  AttributeValue(T number) {  // NOLINT
    if constexpr (std::same_as<T, bool>) {
      value_ = number;
    } else {
      value_ = static_cast<std::int64_t>(number);
    }
  }
  template <std::floating_point T>
  AttributeValue(T number) : value_(static_cast<double>(number)) {}    // NOLINT
  AttributeValue(StringArray strings) : value_(std::move(strings)) {}  // NOLINT
  AttributeValue(DoubleArray numbers) : value_(std::move(numbers)) {}  // NOLINT

  const Variant& get() const { return value_; }

 private:
  Variant value_;
};

struct Attribute {
  SpanText key;
  AttributeValue value;
};

using Attributes = std::vector<Attribute>;

// Replaces the value of `key` if present, else appends: keys must be unique within one list.
void setAttribute(Attributes& attributes, SpanText key, AttributeValue value);

// Moves key/value entries built elsewhere (anything with a std::string `key` and a std::variant
// `value` of text, integer, double, bool, string array or double array, e.g. AttributeList's) to
// the end of `attributes`, without copying a string. The caller keeps keys unique.
template <class Entries>
requires(!std::is_lvalue_reference_v<Entries>)  // say std::move at the call
    void moveAttributes(Entries&& entries, Attributes& attributes) {
  attributes.reserve(attributes.size() + entries.size());
  for (auto& entry : entries) {
    std::visit(
        [&](auto& value) {
          attributes.push_back({std::move(entry.key), std::move(value)});
        },
        entry.value);
  }
}

// OTLP Span.SpanKind.
enum class SpanKind : std::uint8_t {
  Unspecified = 0,
  Internal = 1,
  Server = 2,
  Client = 3,
  Producer = 4,
  Consumer = 5
};

// OTLP Status.StatusCode.
enum class StatusCode : std::uint8_t { Unset = 0, Ok = 1, Error = 2 };

// OTLP SpanFlags: bits 0-7 are the W3C trace flags; these say whether the parent was remote.
inline constexpr std::uint32_t kSpanFlagsHasParentIsRemote = 0x100;
inline constexpr std::uint32_t kSpanFlagsParentIsRemote = 0x200;

struct SpanEvent {
  SpanText name;
  std::uint64_t timeUnixNano = 0;
  Attributes attributes;
};

struct SpanStatus {
  StatusCode code = StatusCode::Unset;
  std::string message;  // only meaningful with Error
};

struct Span {
  std::string name;  // e.g. "chat gemini-2.5-flash"
  SpanKind kind = SpanKind::Internal;
  TraceId traceId;
  SpanId spanId;
  std::optional<SpanId> parentSpanId;  // none = a root span
  std::string traceState;              // W3C tracestate, carried through
  std::uint32_t flags = 0;             // OTLP SpanFlags
  std::uint64_t startTimeUnixNano = 0;
  std::uint64_t endTimeUnixNano = 0;
  Attributes attributes;
  std::vector<SpanEvent> events;
  SpanStatus status;

  // Identity of a new span: a fresh root (sampled), a child of the caller's `traceparent`, or a
  // child of a span of this process.
  static Span root(IdGenerator& ids);
  static Span childOf(const TraceParent& remote, IdGenerator& ids);
  static Span childOf(const Span& local, IdGenerator& ids);

  // Appends without looking for the key: for code that sets each key once (cheapest).
  void add(SpanText key, AttributeValue value) {
    attributes.push_back({std::move(key), std::move(value)});
  }
  // Replaces an existing value of `key`, else appends.
  void set(SpanText key, AttributeValue value) {
    setAttribute(attributes, std::move(key), std::move(value));
  }
  SpanEvent& addEvent(SpanText name, std::uint64_t timeUnixNano) {
    events.push_back({std::move(name), timeUnixNano, {}});
    return events.back();
  }
  // Status ERROR plus the `exception` event Phoenix shows (exception.type, exception.message).
  void recordError(std::uint64_t timeUnixNano, SpanText type, std::string message);

  // The `traceparent` to send upstream so the next hop continues this span's trace.
  std::string traceParent() const;
};

}  // namespace switchyard::telemetry
