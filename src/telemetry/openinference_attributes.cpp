#include "telemetry/openinference_attributes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <string>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "telemetry/attribute_json.hpp"

namespace switchyard::telemetry::openinference {

using core::arrayField;
using core::objectField;
using core::stringField;

namespace json = boost::json;
using core::arrayField;
using core::objectField;
using core::stringField;

namespace {

constexpr std::string_view kInputMessages = "llm.input_messages.";
constexpr std::string_view kOutputMessages = "llm.output_messages.";
constexpr std::string_view kJsonMimeType = "application/json";

std::string_view shown(bool hidden, std::string_view text) { return hidden ? kRedacted : text; }

// Keys of one message: "<list><i>.message.<field>".
class MessageKeys {
 public:
  MessageKeys(std::string_view list, std::size_t index) : list_(list), index_(index) {}

  std::string field(std::string_view name) const {
    return attributeKey(list_, index_, ".message.", name);
  }
  std::string content(std::size_t part, std::string_view name) const {
    return attributeKey(list_, index_, ".message.contents.", part, ".message_content.", name);
  }
  std::string toolCall(std::size_t call, std::string_view name) const {
    return attributeKey(list_, index_, ".message.tool_calls.", call, ".tool_call.", name);
  }

 private:
  std::string_view list_;
  std::size_t index_;
};

// Asked for (in the request's history) or made (in the answer): the same shape either way.
void addToolCalls(const MessageKeys& keys, const json::array& calls, AttributeList& out) {
  for (std::size_t k = 0; k < calls.size(); ++k) {
    if (!calls[k].is_object()) continue;
    const auto& call = calls[k].get_object();
    if (const auto id = stringField(&call, "id"); !id.empty())
      out.addString(keys.toolCall(k, "id"), id);
    const auto* function = objectField(&call, "function");
    if (const auto name = stringField(function, "name"); !name.empty())
      out.addString(keys.toolCall(k, "function.name"), name);
    if (const auto* arguments = function ? function->if_contains("arguments") : nullptr;
        arguments && arguments->is_string())
      out.addString(keys.toolCall(k, "function.arguments"), core::sv(arguments->get_string()));
  }
}

// The deprecated pre-tools form: `function_call: {name, arguments}`.
void addFunctionCall(const MessageKeys& keys, const json::object& message, AttributeList& out) {
  const auto* call = objectField(&message, "function_call");
  if (!call) return;
  if (const auto name = stringField(call, "name"); !name.empty())
    out.addString(keys.field("function_call_name"), name);
  if (const auto arguments = stringField(call, "arguments"); !arguments.empty())
    out.addString(keys.field("function_call_arguments_json"), arguments);
}

void addContentParts(const Redaction& redaction, const MessageKeys& keys, const json::array& parts,
                     AttributeList& out) {
  for (std::size_t j = 0; j < parts.size(); ++j) {
    if (!parts[j].is_object()) continue;
    const auto& part = parts[j].get_object();
    const auto type = stringField(&part, "type");
    if (type == "text") {
      out.addString(keys.content(j, "type"), "text");
      out.addString(keys.content(j, "text"),
                    shown(redaction.hideInputText, stringField(&part, "text")));
    } else if (type == "image_url") {
      const auto url = stringField(objectField(&part, "image_url"), "url");
      if (url.empty()) continue;
      out.addString(keys.content(j, "type"), "image");
      if (!redaction.hideInputImages)
        out.addString(keys.content(j, "image.image.url"),
                      shown(redaction.redactsImageUrl(url), url));
    }
    // input_audio, file and refusal parts are not recorded (nor by OpenInference's own
    // instrumentation); input.value still holds them.
  }
}

void addInputMessage(const Redaction& redaction, std::size_t index, const json::object& message,
                     AttributeList& out) {
  const MessageKeys keys(kInputMessages, index);
  if (const auto role = stringField(&message, "role"); !role.empty())
    out.addString(keys.field("role"), role);
  if (const auto* content = message.if_contains("content")) {
    if (content->is_string() && !content->get_string().empty()) {
      out.addString(keys.field("content"),
                    shown(redaction.hideInputText, core::sv(content->get_string())));
    } else if (content->is_array()) {
      addContentParts(redaction, keys, content->get_array(), out);
    }
  }
  if (const auto name = stringField(&message, "name"); !name.empty())
    out.addString(keys.field("name"), name);
  if (const auto id = stringField(&message, "tool_call_id"); !id.empty())
    out.addString(keys.field("tool_call_id"), id);
  if (const auto* calls = arrayField(&message, "tool_calls")) addToolCalls(keys, *calls, out);
  addFunctionCall(keys, message, out);
}

// The request minus what has attributes of its own; nullopt when a value cannot be written as JSON.
std::optional<std::string> invocationParameters(const json::object& body) {
  std::string text;
  core::JsonWriter writer(text);
  writer.beginObject();
  for (const auto& member : body) {
    const std::string_view key = member.key();
    if (key == "messages" || key == "tools" || key == "functions") continue;
    writer.escapedKey(key);
    if (!writer.value(member.value())) return std::nullopt;
  }
  writer.endObject();
  return text;
}

void addTools(const json::array& tools, AttributeList& out) {
  for (std::size_t i = 0; i < tools.size(); ++i) {
    std::string schema;
    if (!core::appendJsonValue(schema, tools[i])) continue;
    out.addOwnedString(attributeKey("llm.tools.", i, ".tool.json_schema"), std::move(schema));
  }
}

void addOutputMessage(const Redaction& redaction, std::size_t index, const json::object& message,
                      AttributeList& out) {
  const MessageKeys keys(kOutputMessages, index);
  const auto role = stringField(&message, "role");
  out.addString(keys.field("role"), role.empty() ? std::string_view("assistant") : role);
  const auto content = stringField(&message, "content");
  if (const auto reasoning = stringField(&message, "reasoning_content"); !reasoning.empty()) {
    // One message has either `content` or `contents` (docs/spec/wire.md §5.2): with reasoning,
    // both are items.
    out.addString(keys.content(0, "type"), "reasoning");
    out.addString(keys.content(0, "text"), shown(redaction.hideOutputText, reasoning));
    if (!content.empty()) {
      out.addString(keys.content(1, "type"), "text");
      out.addString(keys.content(1, "text"), shown(redaction.hideOutputText, content));
    }
  } else if (!content.empty()) {
    out.addString(keys.field("content"), shown(redaction.hideOutputText, content));
  }
  if (const auto* calls = arrayField(&message, "tool_calls")) addToolCalls(keys, *calls, out);
  addFunctionCall(keys, message, out);
}

void addTokenCounts(const json::object* usage, AttributeList& out) {
  const auto counts = readTokenCounts(usage);
  if (counts.prompt) out.addInt("llm.token_count.prompt", *counts.prompt);
  if (counts.completion) out.addInt("llm.token_count.completion", *counts.completion);
  if (counts.total) out.addInt("llm.token_count.total", *counts.total);
  if (counts.cacheRead) out.addInt("llm.token_count.prompt_details.cache_read", *counts.cacheRead);
  if (counts.reasoning)
    out.addInt("llm.token_count.completion_details.reasoning", *counts.reasoning);
}

}  // namespace

void addRequestAttributes(const Redaction& redaction, const ChatRequestView& request,
                          AttributeList& out) {
  const auto& body = request.body;
  out.addString("openinference.span.kind", "LLM");
  if (const auto model = stringField(&body, "model"); !model.empty())
    out.addIdentifier("llm.request.model_name", model);
  if (!redaction.hideLlmInvocationParameters) {
    if (auto parameters = invocationParameters(body))
      out.addOwnedString("llm.invocation_parameters", std::move(*parameters));
  }
  out.addString("input.value", shown(redaction.hideInputs, request.rawBody));
  if (!redaction.hideInputs) out.addString("input.mime_type", kJsonMimeType);
  if (!redaction.inputMessagesHidden()) {
    if (const auto* messages = arrayField(&body, "messages")) {
      for (std::size_t i = 0; i < messages->size(); ++i) {
        if ((*messages)[i].is_object())
          addInputMessage(redaction, i, (*messages)[i].get_object(), out);
      }
    }
  }
  if (!redaction.toolsHidden()) {
    if (const auto* tools = arrayField(&body, "tools")) addTools(*tools, out);
  }
}

void addBackendAttributes(const ProviderKind& provider, std::string_view upstreamModel,
                          AttributeList& out) {
  out.addString("llm.system", provider.openInferenceSystem);
  out.addString("llm.provider", provider.openInferenceProvider);
  if (!upstreamModel.empty()) out.addIdentifier("llm.model_name", upstreamModel);
}

void addResponseAttributes(const Redaction& redaction, const json::object& completion,
                           std::string_view completionJson, AttributeList& out) {
  if (const auto model = stringField(&completion, "model"); !model.empty())
    out.addIdentifier("llm.response.model_name", model);
  out.addString("output.value", shown(redaction.hideOutputs, completionJson));
  if (!redaction.hideOutputs) out.addString("output.mime_type", kJsonMimeType);
  if (const auto* choices = arrayField(&completion, "choices")) {
    bool finishRecorded = false;
    for (std::size_t position = 0; position < choices->size(); ++position) {
      if (!(*choices)[position].is_object()) continue;
      const auto& choice = (*choices)[position].get_object();
      const auto* message = objectField(&choice, "message");
      if (message && !redaction.outputMessagesHidden())
        addOutputMessage(redaction, choiceIndex(choice, position), *message, out);
      if (const auto reason = stringField(&choice, "finish_reason");
          !reason.empty() && !finishRecorded) {
        out.addString("llm.finish_reason", reason);
        finishRecorded = true;
      }
    }
  }
  addTokenCounts(objectField(&completion, "usage"), out);
}

}  // namespace switchyard::telemetry::openinference
