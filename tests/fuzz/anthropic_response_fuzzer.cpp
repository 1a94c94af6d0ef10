// libFuzzer target: the Claude response translator on any 2xx body. It must return a value or an
// error, never crash; a value is a chat.completion with exactly one choice whose message has a
// role, whose finish_reason is one of OpenAI's, and whose tool calls' arguments are JSON objects
// (never `{"x":Infinity}`); its usage adds up.
#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "providers/anthropic/chat_translator.hpp"
#include "tool_call_checks.hpp"

namespace json = boost::json;
using namespace switchyard::providers;

namespace {

[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "contract broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const anthropic::ChatTranslator translator;
  static const json::object requestBody{{"model", "claude-sonnet-4-5"}};
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  const ApiRequest request{.body = &requestBody, .model = "claude-sonnet-4-5"};
  const BackendTarget target{"claude-sonnet-4-5", "p", "us-east5", {}, {}};
  const ResponseContext context{1700000000, "req-fuzz"};
  const std::string_view bodies[] = {input};
  const auto translated = translator.translateResponse(bodies, request, target, context);
  if (!translated) {
    if (translated.error().kind != switchyard::core::ErrorKind::UpstreamBadResponse)
      fail("an error that is not UpstreamBadResponse", translated.error().message);
    return 0;
  }

  json::monotonic_resource arena;
  boost::system::error_code ec;
  const json::value out = json::parse(translated->body, ec, &arena);
  if (ec || !out.is_object()) fail("body is not a JSON object", translated->body);
  const auto* choices = out.get_object().if_contains("choices");
  if (!choices || !choices->is_array() || choices->get_array().size() != 1)
    fail("choices is not one choice", translated->body);
  const auto& choice = choices->get_array()[0];
  const auto* message = choice.is_object() ? choice.get_object().if_contains("message") : nullptr;
  if (!message || !message->is_object() || message->get_object().if_contains("role") == nullptr)
    fail("a choice without a message", translated->body);
  if (!switchyard::fuzz::toolCallArgumentsAreJson(message->get_object()))
    fail("tool call arguments that are not a JSON object", translated->body);
  const auto* reason = choice.get_object().if_contains("finish_reason");
  if (!reason || !reason->is_string() ||
      (*reason != "stop" && *reason != "length" && *reason != "tool_calls" &&
       *reason != "content_filter"))
    fail("an unknown finish_reason", translated->body);
  const auto& usage = translated->usage;
  if (usage.promptTokens < usage.cachedTokens && usage.cachedTokens >= 0 && usage.promptTokens >= 0)
    fail("more cached tokens than prompt tokens", translated->body);
  return 0;
}
