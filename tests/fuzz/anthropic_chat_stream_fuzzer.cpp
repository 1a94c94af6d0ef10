// libFuzzer target: the Claude stream translator on any sequence of upstream event data (layout
// and client contract in stream_contract.hpp). Beyond that contract, every chunk is a
// chat.completion.chunk carrying the first chunk's id, created and model, with one choice of index
// 0 and a delta object; a tool call's header (its id) comes once per index, in order, before any
// piece of its arguments; `usage` rides only on the final, choice-less chunk, and only when the
// client asked for it; a finish_reason comes at most once.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "providers/anthropic/stream_translator.hpp"
#include "stream_contract.hpp"

namespace json = boost::json;
using namespace switchyard;
using fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::StreamInput input;
  if (!fuzz::parseStreamInput(data, size, input)) return 0;

  const json::object body{{"model", "claude-sonnet-4-5"}, {"stream", true}};
  const providers::ApiRequest request{.body = &body,
                                      .model = "claude-sonnet-4-5",
                                      .stream = true,
                                      .includeUsage = input.includeUsage};
  const providers::BackendTarget target{"claude-sonnet-4-5", "p", "us-east5", {}, {}};
  const providers::ResponseContext context{1700000000, "req-fuzz"};
  const auto translator = providers::anthropic::makeStreamTranslator(request, target, context);

  std::optional<json::object> header;
  bool sawUsage = false;
  bool sawFinish = false;
  std::int64_t calls = 0;  // tool call headers seen
  const auto check = [&](const json::object& chunk, std::string_view payload) {
    if (sawUsage) fail("a chunk after the usage chunk", payload);
    json::object head;
    for (const auto* key : {"id", "object", "created", "model"}) {
      const auto* value = chunk.if_contains(key);
      if (!value) fail("a chunk without its header fields", payload);
      head[key] = *value;
    }
    if (!head["id"].is_string() || !head["id"].get_string().starts_with("chatcmpl-") ||
        head["object"] != "chat.completion.chunk" || !head["created"].is_int64() ||
        !head["model"].is_string())
      fail("a malformed chunk header", payload);
    if (!header) header = head;
    if (head != *header) fail("the header changed between chunks", payload);

    const auto* choices = chunk.if_contains("choices");
    if (!choices || !choices->is_array()) fail("a chunk without a choices array", payload);
    for (const auto& item : choices->get_array()) {
      const auto* choice = item.if_object();
      if (!choice) fail("a choice that is not an object", payload);
      const auto* index = choice->if_contains("index");
      if (!index || *index != 0) fail("a choice index other than 0", payload);
      const auto* delta = choice->if_contains("delta");
      if (!delta || !delta->is_object()) fail("a choice without a delta object", payload);
      if (const auto* toolCalls = delta->get_object().if_contains("tool_calls")) {
        if (!toolCalls->is_array() || toolCalls->get_array().size() != 1)
          fail("a tool_calls delta that is not one call", payload);
        const auto& call = toolCalls->get_array()[0].as_object();
        const auto* callIndex = call.if_contains("index");
        if (!callIndex || !callIndex->is_int64()) fail("a tool call without an index", payload);
        const auto* function = call.if_contains("function");
        const auto* arguments = function && function->is_object()
                                    ? function->get_object().if_contains("arguments")
                                    : nullptr;
        if (!arguments || !arguments->is_string())
          fail("a tool call delta without arguments text", payload);
        if (call.contains("id")) {
          if (callIndex->get_int64() != calls) fail("tool call headers out of order", payload);
          ++calls;
        } else if (callIndex->get_int64() >= calls) {
          fail("arguments for a tool call whose header was not sent", payload);
        }
      }
      const auto* reason = choice->if_contains("finish_reason");
      if (!reason || !(reason->is_null() || reason->is_string()))
        fail("a finish_reason that is neither null nor a string", payload);
      if (reason->is_string()) {
        if (sawFinish) fail("a second finish_reason", payload);
        sawFinish = true;
      }
    }
    if (chunk.contains("usage")) {
      if (!input.includeUsage) fail("usage sent without include_usage", payload);
      if (!choices->get_array().empty()) fail("usage on a chunk with choices", payload);
      sawUsage = true;
    }
  };

  fuzz::StreamContract contract(*translator, check);
  contract.run(input.events);
  if (contract.finished()) {
    if (input.includeUsage && !sawUsage)
      fail("include_usage without a usage chunk", contract.output());
    if (!sawFinish) fail("a finished stream without a finish_reason", contract.output());
  }
  return 0;
}
