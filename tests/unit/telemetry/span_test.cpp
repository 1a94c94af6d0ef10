#include "telemetry/span.hpp"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <variant>

namespace switchyard::telemetry {
namespace {

TEST(Span, LiteralKeysAreViewsAndComputedKeysAreOwned) {
  static constexpr char kLiteral[] = "llm.model_name";
  Span span;
  span.add(kLiteral, "gemini");
  std::string computed = "llm.input_messages.3.message.role";
  span.add(computed, std::string("tool"));
  computed.assign(computed.size(), 'x');  // the span kept its own copy

  ASSERT_EQ(span.attributes.size(), 2u);
  EXPECT_EQ(span.attributes[0].key.view().data(), kLiteral);
  EXPECT_EQ(span.attributes[1].key.view(), "llm.input_messages.3.message.role");
}

TEST(Span, ValuesKeepTheirKind) {
  Span span;
  span.add("int", 3);
  span.add("unsigned", std::uint64_t{4});
  span.add("double", 0.5);
  span.add("bool", true);
  span.add("literal", "text");
  span.add("strings", AttributeValue::StringArray{"stop"});
  // A char pointer must be made a std::string on purpose; it never quietly becomes a bool.
  static_assert(!std::is_convertible_v<const char*, AttributeValue>);
  const auto& a = span.attributes;
  EXPECT_EQ(std::get<std::int64_t>(a[0].value.get()), 3);
  EXPECT_EQ(std::get<std::int64_t>(a[1].value.get()), 4);
  EXPECT_EQ(std::get<double>(a[2].value.get()), 0.5);
  EXPECT_EQ(std::get<bool>(a[3].value.get()), true);
  EXPECT_EQ(std::get<SpanText>(a[4].value.get()).view(), "text");
  EXPECT_EQ(std::get<AttributeValue::StringArray>(a[5].value.get()).at(0), "stop");
}

TEST(Span, EntriesBuiltElsewhereAreMovedIn) {
  struct Entry {
    std::string key;
    std::variant<std::string, std::int64_t, double, bool, std::vector<std::string>> value;
  };
  const std::string longText(1000, 'x');
  std::vector<Entry> entries = {{"input.value", longText},
                                {"llm.token_count.total", std::int64_t{34}}};
  const char* textStorage = std::get<std::string>(entries[0].value).data();
  Span span;
  moveAttributes(std::move(entries), span.attributes);
  ASSERT_EQ(span.attributes.size(), 2u);
  EXPECT_EQ(span.attributes[0].key.view(), "input.value");
  EXPECT_EQ(std::get<SpanText>(span.attributes[0].value.get()).view().data(), textStorage);
  EXPECT_EQ(std::get<std::int64_t>(span.attributes[1].value.get()), 34);
}

TEST(Span, SetReplacesAnExistingKey) {
  Span span;
  span.set("llm.finish_reason", "length");
  span.set(std::string("llm.finish_reason"), "stop");
  ASSERT_EQ(span.attributes.size(), 1u);
  EXPECT_EQ(std::get<SpanText>(span.attributes[0].value.get()).view(), "stop");
}

TEST(Span, RecordErrorSetsStatusAndTheExceptionEvent) {
  Span span;
  span.recordError(42, "upstream_timeout", "no answer within 30000 ms");
  EXPECT_EQ(span.status.code, StatusCode::Error);
  EXPECT_EQ(span.status.message, "no answer within 30000 ms");
  ASSERT_EQ(span.events.size(), 1u);
  EXPECT_EQ(span.events[0].name.view(), "exception");
  EXPECT_EQ(span.events[0].timeUnixNano, 42u);
  ASSERT_EQ(span.events[0].attributes.size(), 2u);
  EXPECT_EQ(span.events[0].attributes[0].key.view(), "exception.type");
  EXPECT_EQ(span.events[0].attributes[1].key.view(), "exception.message");
}

TEST(Span, RootChildAndRemoteChildIdentity) {
  IdGenerator ids(1);
  const Span root = Span::root(ids);
  EXPECT_TRUE(root.traceId.valid());
  EXPECT_TRUE(root.spanId.valid());
  EXPECT_FALSE(root.parentSpanId);
  EXPECT_EQ(root.flags, kTraceFlagSampled | kSpanFlagsHasParentIsRemote);

  const Span child = Span::childOf(root, ids);
  EXPECT_EQ(child.traceId, root.traceId);
  EXPECT_EQ(child.parentSpanId, root.spanId);
  EXPECT_NE(child.spanId, root.spanId);
  EXPECT_EQ(child.flags, kTraceFlagSampled | kSpanFlagsHasParentIsRemote);

  const auto remote = parseTraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                       "rojo=00f067aa0ba902b7");
  ASSERT_TRUE(remote);
  const Span joined = Span::childOf(*remote, ids);
  EXPECT_EQ(toHex(joined.traceId), "4bf92f3577b34da6a3ce929d0e0e4736");
  ASSERT_TRUE(joined.parentSpanId);
  EXPECT_EQ(toHex(*joined.parentSpanId), "00f067aa0ba902b7");
  EXPECT_EQ(joined.traceState, "rojo=00f067aa0ba902b7");
  EXPECT_EQ(joined.flags, 0x301u);
  EXPECT_EQ(joined.traceParent(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-" + toHex(joined.spanId) + "-01");
}

}  // namespace
}  // namespace switchyard::telemetry
