#pragma once
// Table-driven span-content cases: JSON in (environment, request headers, request, backend,
// answer), the complete attribute list out. A case is
//   {"name", "env": {VAR: value}, "headers": {name: value}, "request": {...},
//    "backend": {"provider": "vertex"|"openai", "model"}, "response": {...}, "expect": {key:
//    value}}
// and may say "inputs": <a set in kSharedInputs> to take those inputs, or "like": <earlier case> to
// take that case's inputs and expectation; either way its own inputs replace those taken, its "env"
// adds to theirs, and with "like" its "changes" apply to the expectation (a value replaces, null
// removes, a key ending in "*" removes every key with that prefix). Expected values: a string, an
// integer, a double, a bool, an array of strings (a string-array attribute), an array of numbers
// written with a decimal point (a double-array attribute), or an object / array of objects: then
// the attribute is JSON text equal to it once parsed. "{{request}}" and "{{response}}" stand for
// the exact text of the case's request/response.

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "providers/registry.hpp"
#include "telemetry/attribute_list.hpp"
#include "telemetry/attribute_semconv.hpp"

namespace switchyard::telemetry::testing {

namespace json = boost::json;

struct Case {
  std::string name;
  json::object data;
};

inline void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }
inline std::string caseName(const ::testing::TestParamInfo<Case>& info) { return info.param.name; }

inline std::string text(const json::object& data, std::string_view key) {
  const auto* value = data.if_contains(key);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

inline json::object objectOf(const json::object& data, std::string_view key) {
  const auto* value = data.if_contains(key);
  return value && value->is_object() ? value->get_object() : json::object();
}

inline void applyChanges(json::object& expect, const json::object& changes) {
  for (const auto& change : changes) {
    const std::string_view key = change.key();
    if (key.ends_with('*')) {
      const auto prefix = key.substr(0, key.size() - 1);
      for (auto it = expect.begin(); it != expect.end();) {
        it = std::string_view(it->key()).starts_with(prefix) ? expect.erase(it) : std::next(it);
      }
    } else if (change.value().is_null()) {
      expect.erase(key);
    } else {
      expect[key] = change.value();
    }
  }
}

// Inputs that both conventions' tables run: one request that exercises every switch (text, images
// under and over a base64 limit of 40, a tool call and its result, a tool), and an answer with
// reasoning, text and a tool call.
inline constexpr std::string_view kSharedInputs = R"json({
"everything": {
  "env": {"OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH": "40"},
  "headers": {"agent-session-id": "sess-1"},
  "request": {"model": "gemini-2.5-flash", "temperature": 0.2, "max_completion_tokens": 512,
    "stream": false,
    "messages": [
      {"role": "system", "content": "You are terse."},
      {"role": "user", "content": [
        {"type": "text", "text": "What is in these images?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"}}]},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_abc", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
      {"role": "tool", "tool_call_id": "call_abc", "name": "get_weather", "content": "18C, cloudy"}],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather by city",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]},
  "backend": {"provider": "vertex", "model": "gemini-2.5-flash"},
  "response": {"id": "chatcmpl-2", "object": "chat.completion", "created": 1700000000,
    "model": "gemini-2.5-flash-001",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Let me check tomorrow.",
        "reasoning_content": "The user may want tomorrow too.", "refusal": null,
        "tool_calls": [{"id": "call_def", "type": "function",
          "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\",\"day\":1}"}}]},
      "logprobs": null, "finish_reason": "tool_calls"}],
    "usage": {"prompt_tokens": 50, "completion_tokens": 30, "total_tokens": 80,
              "prompt_tokens_details": {"cached_tokens": 10},
              "completion_tokens_details": {"reasoning_tokens": 12}}}
}
})json";

// `base` with `own`'s inputs on top: its keys replace base's, its "env" adds to base's.
inline json::object onTopOf(const json::object& base, const json::object& own) {
  json::object merged = base;
  for (const auto& entry : own) {
    const std::string_view key = entry.key();
    if (key != "env" && key != "changes" && key != "like" && key != "inputs")
      merged[key] = entry.value();
  }
  auto env = objectOf(base, "env");
  for (const auto& entry : objectOf(own, "env")) env[entry.key()] = entry.value();
  merged["env"] = env;
  return merged;
}

inline std::vector<Case> loadCases(std::string_view cases) {
  static const auto shared = json::parse(kSharedInputs);
  std::vector<Case> loaded;
  const auto parsed = json::parse(cases);
  for (const auto& item : parsed.as_array()) {
    Case c{text(item.as_object(), "name"), item.as_object()};
    if (const auto inputs = text(c.data, "inputs"); !inputs.empty()) {
      c.data = onTopOf(shared.at(inputs).as_object(), c.data);
    } else if (const auto like = text(c.data, "like"); !like.empty()) {
      const auto base =
          std::find_if(loaded.begin(), loaded.end(), [&](const Case& b) { return b.name == like; });
      if (base == loaded.end()) throw std::runtime_error(c.name + ": no earlier case " + like);
      auto expect = objectOf(base->data, "expect");
      applyChanges(expect, objectOf(c.data, "changes"));
      c.data = onTopOf(base->data, c.data);
      c.data["expect"] = expect;
    }
    loaded.push_back(std::move(c));
  }
  return loaded;
}

inline AttributeSettings settingsOf(const json::object& data) {
  const auto env = objectOf(data, "env");
  auto loaded = loadAttributeSettings([&env](std::string_view name) -> std::optional<std::string> {
    const auto* value = env.if_contains(name);
    if (!value) return std::nullopt;
    return std::string(value->as_string());
  });
  if (!loaded) throw std::runtime_error("settings: " + loaded.error());
  return loaded->settings;
}

inline const ProviderKind& providerOf(const json::object& backend) {
  return providers::findProvider(text(backend, "provider") == "openai" ? "OpenAI" : "GCPVertexAI")
      ->descriptor;
}

struct CaseRun {
  AttributeList attributes;
  std::string requestText;
  std::string responseText;
};

// The case through the public entry points, as the gateway calls them.
inline CaseRun runCase(const json::object& data) {
  const auto settings = settingsOf(data);
  const auto request = objectOf(data, "request");
  const auto headers = objectOf(data, "headers");
  CaseRun run;
  run.requestText = json::serialize(request);
  const ChatRequestView view{request, run.requestText, [&headers](std::string_view name) {
                               const auto* value = headers.if_contains(name);
                               return value ? std::string_view(value->as_string())
                                            : std::string_view();
                             }};
  addChatRequestAttributes(settings, view, run.attributes);
  if (const auto* backend = data.if_contains("backend")) {
    addChatBackendAttributes(settings, providerOf(backend->as_object()),
                             text(backend->as_object(), "model"), run.attributes);
  }
  if (const auto* response = data.if_contains("response")) {
    run.responseText = json::serialize(*response);
    EXPECT_TRUE(addChatResponseAttributes(settings, run.responseText, run.attributes));
  }
  return run;
}

inline bool holdsJsonText(const json::value& expected) {
  if (expected.is_object()) return true;
  return expected.is_array() && !expected.get_array().empty() &&
         expected.get_array()[0].is_object();
}

// The attributes as a JSON object shaped like `expect` (see the top of this file). A key that comes
// twice fails the test: a span's keys are unique.
inline json::object asJson(const AttributeList& attributes, const json::object& expect) {
  json::object actual;
  for (const auto& entry : attributes.entries()) {
    if (actual.contains(entry.key)) ADD_FAILURE() << "duplicate attribute " << entry.key;
    const auto* expected = expect.if_contains(entry.key);
    json::value value = std::visit(
        [&](const auto& v) -> json::value {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::vector<std::string>>) {
            json::array strings;
            for (const auto& s : v) strings.emplace_back(s);
            return strings;
          } else if constexpr (std::is_same_v<V, std::vector<double>>) {
            json::array numbers;
            for (const double d : v) numbers.emplace_back(d);
            return numbers;
          } else if constexpr (std::is_same_v<V, std::string>) {
            boost::system::error_code ec;
            if (expected && holdsJsonText(*expected)) {
              auto parsed = json::parse(v, ec);
              if (!ec) return parsed;
            }
            return json::value(v);
          } else {
            return json::value(v);
          }
        },
        entry.value);
    actual[entry.key] = std::move(value);
  }
  return actual;
}

inline json::object expectationOf(const json::object& data, const CaseRun& run) {
  auto expect = objectOf(data, "expect");
  for (auto& entry : expect) {
    if (!entry.value().is_string()) continue;
    if (entry.value().get_string() == "{{request}}") entry.value() = run.requestText;
    if (entry.value().get_string() == "{{response}}") entry.value() = run.responseText;
  }
  return expect;
}

// Every difference, one line each, or "" when equal.
inline std::string differences(const json::object& expected, const json::object& actual) {
  std::string out;
  for (const auto& entry : expected) {
    const auto* got = actual.if_contains(entry.key());
    if (!got) {
      out +=
          "  missing   " + std::string(entry.key()) + " = " + json::serialize(entry.value()) + "\n";
    } else if (*got != entry.value()) {
      out += "  differs   " + std::string(entry.key()) + "\n    expected " +
             json::serialize(entry.value()) + "\n    actual   " + json::serialize(*got) + "\n";
    }
  }
  for (const auto& entry : actual) {
    if (!expected.contains(entry.key()))
      out += "  unexpected " + std::string(entry.key()) + " = " + json::serialize(entry.value()) +
             "\n";
  }
  return out;
}

// The case run and held against its expectation: every difference, or "" when the attributes are
// exactly the expected ones.
inline std::string mismatches(const json::object& data) {
  const auto run = runCase(data);
  const auto expected = expectationOf(data, run);
  return differences(expected, asJson(run.attributes, expected));
}

}  // namespace switchyard::telemetry::testing
