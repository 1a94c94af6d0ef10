// libFuzzer target: the Vertex response translator on any 2xx body. It must return a value or an
// error, never crash; a value is a chat.completion with at least one choice, and the arguments of
// its tool calls are JSON objects (never `{"x":Infinity}`).
#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "providers/vertex/chat_translator.hpp"
#include "tool_call_checks.hpp"

namespace json = boost::json;
using namespace switchyard::providers;

namespace {

// A broken contract: say which one, then abort so libFuzzer records the input.
[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "contract broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const vertex::ChatTranslator translator;
  static const json::object requestBody{{"model", "gemini-2.5-flash"}};
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  ApiRequest request;
  request.body = &requestBody;
  request.model = "gemini-2.5-flash";
  const BackendTarget target{"gemini-2.5-flash", "p", "us-central1", {}};
  ResponseContext context;
  context.nowSeconds = 1700000000;
  context.requestId = "req-fuzz";

  const std::string_view bodies[] = {input};
  const auto translated = translator.translateResponse(bodies, request, target, context);
  if (!translated) return 0;

  json::monotonic_resource arena;
  boost::system::error_code ec;
  const json::value out = json::parse(translated->body, ec, &arena);
  if (ec || !out.is_object()) fail("body is not a JSON object", translated->body);
  const auto* choices = out.get_object().if_contains("choices");
  if (!choices || !choices->is_array() || choices->get_array().empty())
    fail("choices is not a non-empty array", translated->body);
  for (const auto& choice : choices->get_array()) {
    const auto* message = choice.is_object() ? choice.get_object().if_contains("message") : nullptr;
    if (!message || !message->is_object()) fail("a choice without a message", translated->body);
    if (!switchyard::fuzz::toolCallArgumentsAreJson(message->get_object()))
      fail("tool call arguments that are not a JSON object", translated->body);
  }
  return 0;
}
