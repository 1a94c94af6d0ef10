#include "providers/anthropic/response_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <limits>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"

namespace switchyard::providers::anthropic {

using core::appendJsonValue;

using core::appendJsonEscaped;
using core::appendJsonInteger;
using core::appendJsonString;
using core::arrayField;
using core::JsonWriter;
using core::objectField;
using core::stringField;
using core::toInt64;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

namespace {

Error bad(std::string message) {
  return Error::make(ErrorKind::UpstreamBadResponse,
                     "Claude on Vertex AI returned an unreadable response: " + std::move(message));
}

std::int64_t saturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max()
               : std::numeric_limits<std::int64_t>::min();
}

}  // namespace

std::string_view mapStopReason(std::string_view reason) {
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") return "length";
  if (reason == "tool_use") return "tool_calls";
  if (reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn, and anything new
}

unsigned openAiStatus(unsigned anthropicStatus) {
  return anthropicStatus == 529 ? 503 : anthropicStatus;
}

void readUsage(const json::object* usage, UsageCounts& counts) {
  if (!usage) return;
  const auto read = [&](std::string_view key, std::int64_t& count) {
    if (const auto* value = usage->if_contains(key); value && !value->is_null())
      count = std::max<std::int64_t>(toInt64(*value).value_or(0), 0);
  };
  read("input_tokens", counts.input);
  read("output_tokens", counts.output);
  read("cache_read_input_tokens", counts.cacheRead);
  read("cache_creation_input_tokens", counts.cacheCreation);
}

Usage usageFromCounts(const UsageCounts& counts) {
  Usage usage;
  usage.promptTokens =
      saturatingAdd(saturatingAdd(counts.input, counts.cacheRead), counts.cacheCreation);
  usage.completionTokens = counts.output;
  usage.totalTokens = saturatingAdd(usage.promptTokens, usage.completionTokens);
  usage.cachedTokens = counts.cacheRead;
  usage.cacheCreationTokens = counts.cacheCreation;
  return usage;
}

void writeUsage(std::string& out, const Usage& usage) {
  out.append(R"("usage":{"prompt_tokens":)");
  appendJsonInteger(out, usage.promptTokens);
  out.append(R"(,"completion_tokens":)");
  appendJsonInteger(out, usage.completionTokens);
  out.append(R"(,"total_tokens":)");
  appendJsonInteger(out, usage.totalTokens);
  out.append(R"(,"prompt_tokens_details":{"cached_tokens":)");
  appendJsonInteger(out, usage.cachedTokens);
  out.append(R"(},"completion_tokens_details":{"reasoning_tokens":)");
  appendJsonInteger(out, usage.reasoningTokens);
  out.append("}}");
}

core::Result<TranslatedResponse> translateResponse(std::string_view upstreamBody,
                                                   const BackendTarget& target,
                                                   const ResponseContext& context) {
  unsigned char initial[8192];
  json::monotonic_resource arena(initial, sizeof initial);
  boost::system::error_code ec;
  const json::value parsed = json::parse(upstreamBody, ec, json::storage_ptr(&arena));
  if (ec) return bad("the body is not JSON (" + ec.message() + ")");
  if (!parsed.is_object()) return bad("the body is not a JSON object");
  const auto& root = parsed.get_object();
  if (stringField(&root, "type") == "error") {
    const auto message = stringField(objectField(&root, "error"), "message");
    return bad("an error in a successful response: " + std::string(message));
  }
  const auto* content = arrayField(&root, "content");
  if (!content) return bad("no `content` array");

  // One pass to learn what the message holds, one to write it.
  bool hasText = false, hasThinking = false, hasBlocks = false, hasCalls = false;
  for (const auto& item : *content) {
    const auto* block = item.if_object();
    if (!block) return bad("a content block is not an object");
    const auto type = stringField(block, "type");
    if (type == "text") hasText = true;
    if (type == "thinking") {
      hasThinking |= !stringField(block, "thinking").empty();
      hasBlocks = true;
    }
    if (type == "redacted_thinking") hasBlocks = true;
    if (type == "tool_use") hasCalls = true;
  }

  TranslatedResponse response;
  const auto model = stringField(&root, "model");
  response.responseModel = std::string(model.empty() ? target.model : model);
  UsageCounts counts;
  readUsage(objectField(&root, "usage"), counts);
  response.usage = usageFromCounts(counts);

  std::string& out = response.body;
  out.reserve(512 + upstreamBody.size());
  const auto id = stringField(&root, "id");
  out.append(R"({"id":"chatcmpl-)");
  appendJsonEscaped(out, id.empty() ? context.requestId : id);
  out.append(R"(","object":"chat.completion","created":)");
  appendJsonInteger(out, context.nowSeconds);
  out.append(R"(,"model":)");
  appendJsonString(out, response.responseModel);
  out.append(R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)");
  const auto texts = [&](std::string_view type, std::string_view key) {
    out.push_back('"');
    for (const auto& item : *content) {
      const auto* block = &item.get_object();
      if (stringField(block, "type") == type) appendJsonEscaped(out, stringField(block, key));
    }
    out.push_back('"');
  };
  if (hasText)
    texts("text", "text");
  else
    out.append("null");
  if (hasThinking) {
    out.append(R"(,"reasoning_content":)");
    texts("thinking", "thinking");
  }
  if (hasBlocks) {
    out.append(R"(,"thinking_blocks":)");
    JsonWriter w(out);
    w.beginArray();
    for (const auto& item : *content) {
      const auto* block = &item.get_object();
      const auto type = stringField(block, "type");
      if (type == "thinking") {
        w.beginObject();
        w.field("type", "thinking");
        w.field("thinking", stringField(block, "thinking"));
        w.field("signature", stringField(block, "signature"));
        w.endObject();
      } else if (type == "redacted_thinking") {
        w.beginObject();
        w.field("type", "redacted_thinking");
        w.field("data", stringField(block, "data"));
        w.endObject();
      }
    }
    w.endArray();
  }
  out.append(R"(,"refusal":null)");
  if (hasCalls) {
    out.append(R"(,"tool_calls":)");
    JsonWriter w(out);
    w.beginArray();
    std::string arguments;
    for (const auto& item : *content) {
      const auto* block = &item.get_object();
      if (stringField(block, "type") != "tool_use") continue;
      arguments.clear();
      if (const auto* input = block->if_contains("input"); input && input->is_object()) {
        if (!appendJsonValue(arguments, *input))
          return bad("a tool_use input holds a number out of range");
      } else {
        arguments = "{}";
      }
      w.beginObject();
      w.field("id", stringField(block, "id"));
      w.field("type", "function");
      w.key("function");
      w.beginObject();
      w.field("name", stringField(block, "name"));
      w.field("arguments", arguments);
      w.endObject();
      w.endObject();
    }
    w.endArray();
  }
  out.append(R"(},"logprobs":null,"finish_reason":")");
  out.append(mapStopReason(stringField(&root, "stop_reason")));
  out.append(R"("}],)");
  writeUsage(out, response.usage);
  out.push_back('}');
  return response;
}

}  // namespace switchyard::providers::anthropic
