// libFuzzer target: the Vertex stream translator on any sequence of upstream SSE event data
// (layout and client contract in stream_contract.hpp). Beyond that contract, every chunk is a
// chat.completion.chunk carrying the first chunk's id, created and model; its choices have an index
// in Vertex's range and a delta object, whose tool calls' arguments are JSON objects (each call
// comes whole); `usage` rides only on the final, choice-less chunk, and
// only when the client asked for it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "providers/vertex/stream_translator.hpp"
#include "stream_contract.hpp"
#include "tool_call_checks.hpp"

namespace json = boost::json;
using namespace switchyard;
using fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::StreamInput input;
  if (!fuzz::parseStreamInput(data, size, input)) return 0;

  const json::object body{{"model", "gemini-2.5-flash"}, {"stream", true}};
  const providers::ApiRequest request{.body = &body,
                                      .model = "gemini-2.5-flash",
                                      .stream = true,
                                      .includeUsage = input.includeUsage};
  const providers::BackendTarget target{"gemini-2.5-flash", "p", "us-central1", {}};
  const providers::ResponseContext context{1700000000, "req-fuzz"};
  const auto translator = providers::vertex::makeStreamTranslator(request, target, context);

  std::optional<json::object> header;  // id, object, created, model of the first chunk
  bool sawUsage = false;
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
      if (!index || !index->is_int64() || index->get_int64() < 0 || index->get_int64() >= 128)
        fail("a choice index out of range", payload);
      const auto* delta = choice->if_contains("delta");
      if (!delta || !delta->is_object()) fail("a choice without a delta object", payload);
      if (!fuzz::toolCallArgumentsAreJson(delta->get_object()))
        fail("tool call arguments that are not a JSON object", payload);
      const auto* reason = choice->if_contains("finish_reason");
      if (!reason || !(reason->is_null() || reason->is_string()))
        fail("a finish_reason that is neither null nor a string", payload);
    }
    if (chunk.contains("usage")) {
      if (!input.includeUsage) fail("usage sent without include_usage", payload);
      if (!choices->get_array().empty()) fail("usage on a chunk with choices", payload);
      sawUsage = true;
    }
  };

  fuzz::StreamContract contract(*translator, check);
  contract.run(input.events);
  if (contract.finished() && input.includeUsage && !sawUsage)
    fail("include_usage without a usage chunk", contract.output());
  return 0;
}
