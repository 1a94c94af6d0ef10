#pragma once
// Checks on the OpenAI tool calls the Vertex targets produce, shared by the streamed and the
// non-streamed fuzzers.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace switchyard::fuzz {

// Whether every `tool_calls[].function.arguments` under `message` (a choice's message or delta) is
// a string holding a JSON object, as clients parse it.
inline bool toolCallArgumentsAreJson(const boost::json::object& message) {
  const auto* calls = message.if_contains("tool_calls");
  if (!calls) return true;
  if (!calls->is_array()) return false;
  for (const auto& call : calls->get_array()) {
    const auto* function = call.is_object() ? call.get_object().if_contains("function") : nullptr;
    const auto* arguments = function && function->is_object()
                                ? function->get_object().if_contains("arguments")
                                : nullptr;
    if (!arguments || !arguments->is_string()) return false;
    boost::json::monotonic_resource arena;
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(arguments->get_string(), ec, &arena);
    if (ec || !parsed.is_object()) return false;
  }
  return true;
}

}  // namespace switchyard::fuzz
