#include "telemetry/genai_attributes.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "telemetry/attribute_json.hpp"

namespace switchyard::telemetry::genai {

using core::arrayField;
using core::JsonWriter;
using core::objectField;
using core::stringField;

namespace json = boost::json;
using core::arrayField;
using core::JsonWriter;
using core::objectField;
using core::stringField;

namespace {

std::string_view shown(bool hidden, std::string_view text) { return hidden ? kRedacted : text; }

std::optional<double> number(const json::object& body, std::string_view field) {
  const auto* value = body.if_contains(field);
  if (!value || !value->is_number()) return std::nullopt;
  const double number = value->to_number<double>();
  return std::isfinite(number) ? std::optional(number) : std::nullopt;
}

std::optional<std::int64_t> integer(const json::object& body, std::string_view field) {
  const auto* value = body.if_contains(field);
  return value ? core::toInt64(*value) : std::nullopt;
}

void addDouble(const json::object& body, std::string_view field, std::string_view key,
               AttributeList& out) {
  if (const auto value = number(body, field)) out.addDouble(std::string(key), *value);
}

// `stop`: one string or an array of them.
std::vector<std::string> stopSequences(const json::value* stop) {
  std::vector<std::string> sequences;
  if (!stop) return sequences;
  if (stop->is_string()) {
    sequences.emplace_back(core::sv(stop->get_string()));
  } else if (stop->is_array()) {
    for (const auto& item : stop->get_array())
      if (item.is_string()) sequences.emplace_back(core::sv(item.get_string()));
  }
  return sequences;
}

void textPart(JsonWriter& w, std::string_view type, std::string_view content) {
  w.beginObject();
  w.field("type", type);
  w.field("content", content);
  w.endObject();
}

// A data URL carrying base64 is inline bytes (a blob part); any other URL is a reference (uri).
void imagePart(JsonWriter& w, const Redaction& redaction, std::string_view url) {
  w.beginObject();
  if (url.starts_with("data:")) {
    const auto comma = url.find(',');
    const auto header = url.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
    if (comma != std::string_view::npos && header.ends_with(";base64")) {
      w.field("type", "blob");
      w.field("modality", "image");
      w.field("mime_type", header.substr(0, header.size() - 7));
      w.field("content", shown(redaction.redactsImageUrl(url), url.substr(comma + 1)));
      w.endObject();
      return;
    }
  }
  w.field("type", "uri");
  w.field("modality", "image");
  w.field("uri", url);
  w.endObject();
}

// Arguments as the JSON they hold, or as the text itself when it is not JSON.
void toolCallPart(JsonWriter& w, std::string_view id, std::string_view name,
                  std::string_view arguments) {
  w.beginObject();
  w.field("type", "tool_call");
  if (!id.empty()) w.field("id", id);
  w.field("name", name);
  w.key("arguments");
  boost::system::error_code ec;
  const auto parsed = json::parse(arguments, ec);
  if (ec || !w.value(parsed)) w.string(arguments);
  w.endObject();
}

void toolCallParts(JsonWriter& w, const json::object& message) {
  if (const auto* calls = arrayField(&message, "tool_calls")) {
    for (const auto& item : *calls) {
      if (!item.is_object()) continue;
      const auto* function = objectField(&item.get_object(), "function");
      toolCallPart(w, stringField(&item.get_object(), "id"), stringField(function, "name"),
                   stringField(function, "arguments"));
    }
  }
  if (const auto* call = objectField(&message, "function_call"))
    toolCallPart(w, {}, stringField(call, "name"), stringField(call, "arguments"));
}

// A tool message's result: its text, the text parts joined when it came in parts.
void toolResponsePart(JsonWriter& w, const Redaction& redaction, const json::object& message) {
  w.beginObject();
  w.field("type", "tool_call_response");
  if (const auto id = stringField(&message, "tool_call_id"); !id.empty()) w.field("id", id);
  w.key("response");
  w.beginString();
  if (redaction.hideInputText) {
    w.stringPiece(kRedacted);
  } else if (const auto* content = message.if_contains("content");
             content && content->is_string()) {
    w.stringPiece(core::sv(content->get_string()));
  } else if (const auto* parts = arrayField(&message, "content")) {
    for (const auto& part : *parts)
      if (part.is_object()) w.stringPiece(stringField(&part.get_object(), "text"));
  }
  w.endString();
  w.endObject();
}

void contentParts(JsonWriter& w, const Redaction& redaction, const json::array& parts) {
  for (const auto& item : parts) {
    if (!item.is_object()) continue;
    const auto& part = item.get_object();
    const auto type = stringField(&part, "type");
    if (type == "text") {
      textPart(w, "text", shown(redaction.hideInputText, stringField(&part, "text")));
    } else if (type == "image_url" && !redaction.hideInputImages) {
      const auto url = stringField(objectField(&part, "image_url"), "url");
      if (!url.empty()) imagePart(w, redaction, url);
    }
  }
}

// A JSON array with what `write` makes of each object in `items` (other items are skipped).
template <class Write>
std::string arrayOfObjects(const json::array& items, Write write) {
  std::string text;
  JsonWriter w(text);
  w.beginArray();
  for (const auto& item : items) {
    if (!item.is_object()) continue;
    w.beginObject();
    write(w, item.get_object());
    w.endObject();
  }
  w.endArray();
  return text;
}

std::string inputMessages(const Redaction& redaction, const json::array& messages) {
  return arrayOfObjects(messages, [&](JsonWriter& w, const json::object& message) {
    const auto role = stringField(&message, "role");
    w.field("role", role);
    w.key("parts");
    w.beginArray();
    if (role == "tool") {
      toolResponsePart(w, redaction, message);
    } else {
      if (const auto* content = message.if_contains("content")) {
        if (content->is_string() && !content->get_string().empty()) {
          textPart(w, "text", shown(redaction.hideInputText, core::sv(content->get_string())));
        } else if (content->is_array()) {
          contentParts(w, redaction, content->get_array());
        }
      }
      toolCallParts(w, message);
    }
    w.endArray();
  });
}

std::string toolDefinitions(const json::array& tools) {
  return arrayOfObjects(tools, [](JsonWriter& w, const json::object& tool) {
    const auto* function = objectField(&tool, "function");
    const auto type = stringField(&tool, "type");
    w.field("type", type.empty() ? std::string_view("function") : type);
    w.field("name", stringField(function, "name"));
    w.field("description", stringField(function, "description"));
    if (const auto* parameters = function ? function->if_contains("parameters") : nullptr) {
      w.key("parameters");
      if (!w.value(*parameters)) w.null();
    }
  });
}

std::string outputMessages(const Redaction& redaction, const json::array& choices) {
  return arrayOfObjects(choices, [&](JsonWriter& w, const json::object& choice) {
    const auto* message = objectField(&choice, "message");
    const auto role = stringField(message, "role");
    w.field("role", role.empty() ? std::string_view("assistant") : role);
    w.key("parts");
    w.beginArray();
    if (const auto reasoning = stringField(message, "reasoning_content"); !reasoning.empty())
      textPart(w, "reasoning", shown(redaction.hideOutputText, reasoning));
    if (const auto content = stringField(message, "content"); !content.empty())
      textPart(w, "text", shown(redaction.hideOutputText, content));
    if (message) toolCallParts(w, *message);
    w.endArray();
    if (const auto reason = stringField(&choice, "finish_reason"); !reason.empty())
      w.field("finish_reason", reason);
  });
}

}  // namespace

std::string spanName(std::string_view requestModel) {
  std::string name;
  name.reserve(5 + std::min(requestModel.size(), kMaxIdentifierBytes + 32));
  name.append("chat");
  if (!requestModel.empty()) appendIdentifier(name.append(" "), requestModel);
  return name;
}

void addRequestAttributes(const Redaction& redaction, const ChatRequestView& request,
                          AttributeList& out) {
  const auto& body = request.body;
  out.addString("gen_ai.operation.name", "chat");
  if (const auto model = stringField(&body, "model"); !model.empty())
    out.addIdentifier("gen_ai.request.model", model);
  auto maxTokens = integer(body, "max_completion_tokens");
  if (!maxTokens) maxTokens = integer(body, "max_tokens");
  if (maxTokens) out.addInt("gen_ai.request.max_tokens", *maxTokens);
  addDouble(body, "temperature", "gen_ai.request.temperature", out);
  addDouble(body, "top_p", "gen_ai.request.top_p", out);
  addDouble(body, "frequency_penalty", "gen_ai.request.frequency_penalty", out);
  addDouble(body, "presence_penalty", "gen_ai.request.presence_penalty", out);
  if (const auto seed = integer(body, "seed")) out.addInt("gen_ai.request.seed", *seed);
  if (const auto n = integer(body, "n"); n && *n != 1)
    out.addInt("gen_ai.request.choice.count", *n);
  if (auto stop = stopSequences(body.if_contains("stop")); !stop.empty())
    out.addStrings("gen_ai.request.stop_sequences", std::move(stop));
  const auto* stream = body.if_contains("stream");
  out.addBool("gen_ai.request.stream", stream && stream->is_bool() && stream->get_bool());
  if (const auto format = stringField(objectField(&body, "response_format"), "type");
      !format.empty())
    out.addString("gen_ai.output.type", format == "text" ? "text" : "json");

  if (!redaction.inputMessagesHidden()) {
    if (const auto* messages = arrayField(&body, "messages"))
      out.addOwnedString("gen_ai.input.messages", inputMessages(redaction, *messages));
  }
  if (!redaction.toolsHidden()) {
    if (const auto* tools = arrayField(&body, "tools"))
      out.addOwnedString("gen_ai.tool.definitions", toolDefinitions(*tools));
  }
}

void addBackendAttributes(const ProviderKind& provider, AttributeList& out) {
  out.addString("gen_ai.provider.name", provider.genAiProviderName);
}

void addResponseAttributes(const Redaction& redaction, const json::object& completion,
                           AttributeList& out) {
  if (const auto id = stringField(&completion, "id"); !id.empty())
    out.addString("gen_ai.response.id", id);
  if (const auto model = stringField(&completion, "model"); !model.empty())
    out.addIdentifier("gen_ai.response.model", model);
  const auto* choices = arrayField(&completion, "choices");
  if (choices) {
    std::vector<std::string> reasons;
    for (const auto& choice : *choices) {
      if (!choice.is_object()) continue;
      if (const auto reason = stringField(&choice.get_object(), "finish_reason"); !reason.empty())
        reasons.emplace_back(reason);
    }
    if (!reasons.empty()) out.addStrings("gen_ai.response.finish_reasons", std::move(reasons));
  }
  const auto counts = readTokenCounts(objectField(&completion, "usage"));
  if (counts.prompt) out.addInt("gen_ai.usage.input_tokens", *counts.prompt);
  if (counts.completion) out.addInt("gen_ai.usage.output_tokens", *counts.completion);
  if (counts.cacheRead) out.addInt("gen_ai.usage.cache_read.input_tokens", *counts.cacheRead);
  if (counts.reasoning) out.addInt("gen_ai.usage.reasoning.output_tokens", *counts.reasoning);
  if (choices && !redaction.outputMessagesHidden())
    out.addOwnedString("gen_ai.output.messages", outputMessages(redaction, *choices));
}

void addErrorAttributes(const core::Error& error, AttributeList& out) {
  if (error.kind == core::ErrorKind::UpstreamStatus && error.upstreamStatus != 0) {
    out.addOwnedString("error.type", std::to_string(error.upstreamStatus));
  } else {
    out.addString("error.type", core::kindName(error.kind));
  }
}

}  // namespace switchyard::telemetry::genai
