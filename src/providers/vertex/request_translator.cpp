#include "providers/vertex/request_translator.hpp"

#include <boost/container/small_vector.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

#include "providers/json_fields.hpp"
#include "providers/json_writer.hpp"
#include "providers/vertex/wire.hpp"

namespace switchyard::providers::vertex {

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

namespace {

Error invalid(std::string message, std::string param) {
  return Error::make(ErrorKind::InvalidRequest, std::move(message), std::move(param));
}

std::string indexed(std::string_view base, std::size_t index) {
  std::string out(base);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

// Where a value sits in the request (`messages[2].content[0]`), spelled out only when an error
// names it, so that a valid request builds no strings. Each step refers to its parent, which lives
// in a caller's frame: a step is never built on a temporary.
class ParamPath {
 public:
  constexpr explicit ParamPath(std::string_view root) : name_(root) {}
  constexpr ParamPath(const ParamPath& parent, std::string_view member)
      : parent_(&parent), name_(member) {}
  constexpr ParamPath(const ParamPath& parent, std::size_t index)
      : parent_(&parent), index_(index), isIndex_(true) {}
  ParamPath(const ParamPath&&, std::string_view) = delete;
  ParamPath(const ParamPath&&, std::size_t) = delete;

  std::string str() const {
    std::string out;
    appendTo(out);
    return out;
  }

 private:
  void appendTo(std::string& out) const {
    if (parent_) parent_->appendTo(out);
    if (isIndex_) {
      out += '[';
      out += std::to_string(index_);
      out += ']';
      return;
    }
    if (parent_) out += '.';
    out += name_;
  }

  const ParamPath* parent_ = nullptr;
  std::string_view name_;
  std::size_t index_ = 0;
  bool isIndex_ = false;
};

constexpr ParamPath kMessages("messages");
constexpr ParamPath kTools("tools");

// "<where> <rule>", e.g. "messages[1].content must be a string or an array of parts".
Error invalidAt(const ParamPath& where, std::string_view rule) {
  auto param = where.str();
  std::string message = param;
  message += ' ';
  message += rule;
  return invalid(std::move(message), std::move(param));
}

// The same for a member of `where`: "messages[1].role is required and must be a string".
Error invalidAt(const ParamPath& where, std::string_view member, std::string_view rule) {
  return invalidAt(ParamPath(where, member), rule);
}

// A client integer field: a JSON integer within int64's range. A double (even `2.0`) is refused.
std::optional<std::int64_t> asInteger(const json::value& value) {
  if (value.is_double()) return std::nullopt;
  return toInt64(value);
}

enum class Role { System, User, Assistant, Tool, Function };

std::optional<Role> parseRole(std::string_view role) {
  if (role == "system" || role == "developer") return Role::System;
  if (role == "user") return Role::User;
  if (role == "assistant") return Role::Assistant;
  if (role == "tool") return Role::Tool;
  if (role == "function") return Role::Function;
  return std::nullopt;
}

struct ToolCallRef {
  std::string_view id;
  std::string_view name;
};

// `key` spells `name`. The length test lets the compiler turn the comparison into a few loads.
template <std::size_t N>
bool spells(std::string_view key, const char (&name)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), name, N - 1) == 0;
}

// Points each field of `fields` at its member of `object`, in one pass over the members: asking
// the object for each optional field by name scanned all of its keys once per field. Boost.JSON
// keeps one member per key (the last given). Null members are left out: every field read through
// these structs treats null as absent.
template <class Fields>
void findFields(const json::object& object, Fields& fields) {
  for (const auto& member : object) {
    if (member.value().is_null()) continue;
    if (const auto slot = fields.slotFor(member.key())) *slot = &member.value();
  }
}

// The request fields the translator reads.
struct RequestFields {
  const json::value* model = nullptr;
  const json::value* messages = nullptr;
  const json::value* temperature = nullptr;
  const json::value* topP = nullptr;
  const json::value* n = nullptr;
  const json::value* stop = nullptr;
  const json::value* maxTokens = nullptr;
  const json::value* maxCompletionTokens = nullptr;
  const json::value* presencePenalty = nullptr;
  const json::value* frequencyPenalty = nullptr;
  const json::value* seed = nullptr;
  const json::value* responseFormat = nullptr;
  const json::value* logprobs = nullptr;
  const json::value* topLogprobs = nullptr;
  const json::value* reasoningEffort = nullptr;
  const json::value* tools = nullptr;
  const json::value* toolChoice = nullptr;
  const json::value* safetySettingsSnake = nullptr;  // safety_settings
  const json::value* safetySettingsCamel = nullptr;  // safetySettings
  const json::value* labels = nullptr;

  explicit RequestFields(const json::object& body) { findFields(body, *this); }

  // Where the member named `key` goes; null for a field the translator ignores.
  const json::value** slotFor(std::string_view key) {
    switch (key.size()) {
      case 1:
        if (spells(key, "n")) return &n;
        break;
      case 4:
        if (spells(key, "stop")) return &stop;
        if (spells(key, "seed")) return &seed;
        break;
      case 5:
        if (spells(key, "model")) return &model;
        if (spells(key, "top_p")) return &topP;
        if (spells(key, "tools")) return &tools;
        break;
      case 6:
        if (spells(key, "labels")) return &labels;
        break;
      case 8:
        if (spells(key, "messages")) return &messages;
        if (spells(key, "logprobs")) return &logprobs;
        break;
      case 10:
        if (spells(key, "max_tokens")) return &maxTokens;
        break;
      case 11:
        if (spells(key, "temperature")) return &temperature;
        if (spells(key, "tool_choice")) return &toolChoice;
        break;
      case 12:
        if (spells(key, "top_logprobs")) return &topLogprobs;
        break;
      case 14:
        if (spells(key, "safetySettings")) return &safetySettingsCamel;
        break;
      case 15:
        if (spells(key, "response_format")) return &responseFormat;
        if (spells(key, "safety_settings")) return &safetySettingsSnake;
        break;
      case 16:
        if (spells(key, "presence_penalty")) return &presencePenalty;
        if (spells(key, "reasoning_effort")) return &reasoningEffort;
        break;
      case 17:
        if (spells(key, "frequency_penalty")) return &frequencyPenalty;
        break;
      case 21:
        if (spells(key, "max_completion_tokens")) return &maxCompletionTokens;
        break;
    }
    return nullptr;
  }
};

// One message's fields.
struct MessageFields {
  const json::value* role = nullptr;
  const json::value* content = nullptr;
  const json::value* toolCalls = nullptr;
  const json::value* toolCallId = nullptr;
  const json::value* name = nullptr;

  explicit MessageFields(const json::object& message) { findFields(message, *this); }

  const json::value** slotFor(std::string_view key) {
    switch (key.size()) {
      case 4:
        if (spells(key, "role")) return &role;
        if (spells(key, "name")) return &name;
        break;
      case 7:
        if (spells(key, "content")) return &content;
        break;
      case 10:
        if (spells(key, "tool_calls")) return &toolCalls;
        break;
      case 12:
        if (spells(key, "tool_call_id")) return &toolCallId;
        break;
    }
    return nullptr;
  }
};

// One part of a message's content array.
struct PartFields {
  const json::value* type = nullptr;
  const json::value* text = nullptr;
  const json::value* refusal = nullptr;
  const json::value* imageUrl = nullptr;
  const json::value* inputAudio = nullptr;
  const json::value* file = nullptr;

  explicit PartFields(const json::object& part) { findFields(part, *this); }

  const json::value** slotFor(std::string_view key) {
    switch (key.size()) {
      case 4:
        if (spells(key, "type")) return &type;
        if (spells(key, "text")) return &text;
        if (spells(key, "file")) return &file;
        break;
      case 7:
        if (spells(key, "refusal")) return &refusal;
        break;
      case 9:
        if (spells(key, "image_url")) return &imageUrl;
        break;
      case 11:
        if (spells(key, "input_audio")) return &inputAudio;
        break;
    }
    return nullptr;
  }
};

// A declared tool (`tools[i]`) or a replayed tool call (`tool_calls[j]`): both carry a type and a
// function; a call also has an id.
struct ToolFields {
  const json::value* type = nullptr;
  const json::value* id = nullptr;
  const json::value* function = nullptr;

  explicit ToolFields(const json::object& tool) { findFields(tool, *this); }

  const json::value** slotFor(std::string_view key) {
    switch (key.size()) {
      case 2:
        if (spells(key, "id")) return &id;
        break;
      case 4:
        if (spells(key, "type")) return &type;
        break;
      case 8:
        if (spells(key, "function")) return &function;
        break;
    }
    return nullptr;
  }
};

// The function of a tool (name, description, parameters) or of a tool call (name, arguments).
struct FunctionFields {
  const json::value* name = nullptr;
  const json::value* description = nullptr;
  const json::value* parameters = nullptr;
  const json::value* arguments = nullptr;

  explicit FunctionFields(const json::object& function) { findFields(function, *this); }

  const json::value** slotFor(std::string_view key) {
    switch (key.size()) {
      case 4:
        if (spells(key, "name")) return &name;
        break;
      case 9:
        if (spells(key, "arguments")) return &arguments;
        break;
      case 10:
        if (spells(key, "parameters")) return &parameters;
        break;
      case 11:
        if (spells(key, "description")) return &description;
        break;
    }
    return nullptr;
  }
};

// The value as an object or a string, null for anything else (absent included).
const json::object* asObject(const json::value* value) {
  return value && value->is_object() ? &value->get_object() : nullptr;
}

const json::string* asString(const json::value* value) {
  return value && value->is_string() ? &value->get_string() : nullptr;
}

// A message whose role has been checked.
struct Message {
  Role role;
  MessageFields fields;
};

// One translation: writes the body into `out` as it reads the request.
class Translator {
 public:
  Translator(const json::object& body, std::string& out) : fields_(body), w_(out) {}

  std::optional<Error> run() {
    const auto* model = fields_.model;
    if (!model || !model->is_string() || model->get_string().empty())
      return invalid("you must provide a model parameter", "model");
    const auto* messagesValue = fields_.messages;
    if (!messagesValue || !messagesValue->is_array() || messagesValue->get_array().empty())
      return invalid("messages must be a non-empty array", "messages");
    const auto& messages = messagesValue->get_array();
    messages_.reserve(messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const ParamPath path(kMessages, i);
      if (!messages[i].is_object()) return invalidAt(path, "must be an object");
      const MessageFields message(messages[i].get_object());
      const auto* role = message.role;
      if (!role || !role->is_string())
        return invalidAt(path, "role", "is required and must be a string");
      const auto parsed = parseRole(sv(role->get_string()));
      if (!parsed) {
        const auto param = ParamPath(path, "role").str();
        return invalid("Invalid value for " + param + ": '" + std::string(role->get_string()) +
                           "'. Supported values are: 'system', 'developer', 'user', 'assistant', "
                           "'tool' and 'function'.",
                       param);
      }
      messages_.push_back({*parsed, message});
    }

    w_.beginObject();
    if (auto error = writeSystemInstruction()) return error;
    if (auto error = writeContents()) return error;
    if (auto error = writeTools()) return error;
    if (auto error = writeGenerationConfig()) return error;
    if (auto error = writePassThrough()) return error;
    w_.endObject();
    return std::nullopt;
  }

 private:
  // Writes a client value verbatim. Boost.JSON reads a number beyond double range (`1e999`) as
  // infinity, which has no JSON form: the request is refused naming where the number is.
  std::optional<Error> copyValue(const json::value& value, const ParamPath& where) {
    if (w_.value(value)) return std::nullopt;
    return numberOutOfRange(where.str(), value);
  }

  // ---- text helpers -------------------------------------------------------------------------

  // Calls `onText` for each text of a string-or-text-parts content. Refusal parts count as text
  // when `allowRefusal` (assistant history).
  template <class OnText>
  std::optional<Error> forEachText(const json::value& content, const ParamPath& where,
                                   bool allowRefusal, OnText&& onText) {
    if (content.is_string()) {
      onText(sv(content.get_string()));
      return std::nullopt;
    }
    if (!content.is_array()) return invalidAt(where, "must be a string or an array of parts");
    const auto& parts = content.get_array();
    for (std::size_t j = 0; j < parts.size(); ++j) {
      const ParamPath partPath(where, j);
      if (!parts[j].is_object()) return invalidAt(partPath, "must be an object");
      const PartFields part(parts[j].get_object());
      const auto* type = asString(part.type);
      const std::string_view typeName = type ? sv(*type) : "";
      std::string_view field;
      const json::value* text = nullptr;
      if (typeName == "text") {
        field = "text";
        text = part.text;
      } else if (typeName == "refusal" && allowRefusal) {
        field = "refusal";
        text = part.refusal;
      } else {
        return invalidAt(partPath, "type", "must be 'text' here");
      }
      if (!text || !text->is_string()) return invalidAt(partPath, field, "must be a string");
      onText(sv(text->get_string()));
    }
    return std::nullopt;
  }

  // ---- systemInstruction ----------------------------------------------------------------------

  std::optional<Error> writeSystemInstruction() {
    bool open = false;
    for (std::size_t i = 0; i < messages_.size(); ++i) {
      if (messages_[i].role != Role::System) continue;
      const ParamPath message(kMessages, i);
      const ParamPath path(message, "content");
      const auto* content = messages_[i].fields.content;
      if (!content) return invalidAt(path, "is required");
      auto error = forEachText(*content, path, false, [&](std::string_view text) {
        if (text.empty()) return;
        if (!open) {
          w_.key("systemInstruction");
          w_.beginObject();
          w_.key("parts");
          w_.beginArray();
          open = true;
        }
        w_.beginObject();
        w_.field("text", text);
        w_.endObject();
      });
      if (error) return error;
    }
    if (open) {
      w_.endArray();
      w_.endObject();
    }
    return std::nullopt;
  }

  // ---- contents -------------------------------------------------------------------------------

  // Opens a content of `role` unless the open one already has it (adjacent same-role merge).
  void beginPart(std::string_view role) {
    if (openRole_ != role) {
      if (!openRole_.empty()) {
        w_.endArray();
        w_.endObject();
      } else {
        w_.key("contents");
        w_.beginArray();
      }
      w_.beginObject();
      w_.field("role", role);
      w_.key("parts");
      w_.beginArray();
      openRole_ = role;
    }
    w_.beginObject();
  }

  void textPart(std::string_view role, std::string_view text) {
    if (text.empty()) return;  // Vertex rejects empty text parts in some positions
    beginPart(role);
    w_.field("text", text);
    w_.endObject();
  }

  std::optional<Error> writeContents() {
    Role previous = Role::System;  // last non-system role seen; System = none yet
    for (std::size_t i = 0; i < messages_.size();) {
      const auto role = messages_[i].role;
      const auto& message = messages_[i].fields;
      std::optional<Error> error;
      if (role != Role::System) {
        // Adjacent assistant messages form one model turn: their tool calls add up.
        if (role == Role::Assistant && previous != Role::Assistant) lastCalls_.clear();
        previous = role;
      }
      switch (role) {
        case Role::System:
          ++i;
          continue;
        case Role::User:
          error = writeUser(message, i);
          break;
        case Role::Assistant:
          error = writeAssistant(message, i);
          break;
        case Role::Function:
          error = writeFunction(message, i);
          break;
        case Role::Tool: {
          std::size_t end = i;
          while (end < messages_.size() && messages_[end].role == Role::Tool) ++end;
          error = writeToolResults(i, end);
          i = end;
          if (error) return error;
          continue;
        }
      }
      if (error) return error;
      ++i;
    }
    if (openRole_.empty())
      return invalid("messages must contain at least one user, assistant or tool message",
                     "messages");
    w_.endArray();
    w_.endObject();
    w_.endArray();
    return std::nullopt;
  }

  std::optional<Error> writeUser(const MessageFields& message, std::size_t i) {
    const ParamPath messagePath(kMessages, i);
    const ParamPath path(messagePath, "content");
    const auto* content = message.content;
    if (!content) return invalidAt(path, "is required");
    if (content->is_string()) {
      textPart("user", sv(content->get_string()));
      return std::nullopt;
    }
    if (!content->is_array()) return invalidAt(path, "must be a string or an array of parts");
    const auto& parts = content->get_array();
    for (std::size_t j = 0; j < parts.size(); ++j) {
      if (auto error = writeUserPart(parts[j], ParamPath(path, j))) return error;
    }
    return std::nullopt;
  }

  // `member` of `part` as an object, e.g. part.image_url.
  static const json::object* memberObject(const json::object& part, std::string_view member) {
    const auto* value = part.if_contains(member);
    return value && value->is_object() ? &value->get_object() : nullptr;
  }

  static const json::string* memberString(const json::object* object, std::string_view member) {
    if (!object) return nullptr;
    const auto* value = object->if_contains(member);
    return value && value->is_string() ? &value->get_string() : nullptr;
  }

  void inlineData(std::string_view mimeType, std::string_view data) {
    beginPart("user");
    w_.key("inlineData");
    w_.beginObject();
    w_.field("mimeType", mimeType);
    w_.field("data", data);
    w_.endObject();
    w_.endObject();
  }

  void fileData(std::string_view mimeType, std::string_view uri) {
    beginPart("user");
    w_.key("fileData");
    w_.beginObject();
    w_.field("mimeType", mimeType);
    w_.field("fileUri", uri);
    w_.endObject();
    w_.endObject();
  }

  std::optional<Error> writeUserPart(const json::value& value, const ParamPath& path) {
    if (!value.is_object()) return invalidAt(path, "must be an object");
    const PartFields part(value.get_object());
    const auto* typeName = asString(part.type);
    const std::string_view type = typeName ? sv(*typeName) : "";
    if (type == "text") {
      const auto* text = part.text;
      if (!text || !text->is_string()) return invalidAt(path, "text", "must be a string");
      textPart("user", sv(text->get_string()));
      return std::nullopt;
    }
    if (type == "image_url") {
      const auto* url = memberString(asObject(part.imageUrl), "url");
      if (!url || url->empty()) return invalidAt(path, "image_url.url", "must be a string");
      const std::string_view text = sv(*url);
      if (const auto data = parseDataUrl(text)) {
        inlineData(data->mimeType, data->data);
        return std::nullopt;
      }
      if (text.starts_with("https://") || text.starts_with("http://") ||
          text.starts_with("gs://")) {
        fileData(mimeTypeFromName(text, "image/jpeg"), text);
        return std::nullopt;
      }
      return invalidAt(path, "image_url.url",
                       "must be an http(s) URL, a gs:// URI or a base64 data URL");
    }
    if (type == "input_audio") {
      const auto* audio = asObject(part.inputAudio);
      const auto* data = memberString(audio, "data");
      const auto* format = memberString(audio, "format");
      if (!data || data->empty())
        return invalidAt(path, "input_audio.data", "must be a base64 string");
      std::string_view mime;
      if (format && *format == "wav") mime = "audio/wav";
      if (format && *format == "mp3") mime = "audio/mp3";
      if (mime.empty()) return invalidAt(path, "input_audio.format", "must be 'wav' or 'mp3'");
      inlineData(mime, sv(*data));
      return std::nullopt;
    }
    if (type == "file") {
      const auto* file = asObject(part.file);
      const auto* data = memberString(file, "file_data");
      if (!data || data->empty())
        return invalidAt(path, "file.file_data",
                         "is required (file_id is not supported by this backend)");
      if (const auto url = parseDataUrl(sv(*data))) {
        inlineData(url->mimeType, url->data);
        return std::nullopt;
      }
      const auto* name = memberString(file, "filename");
      inlineData(mimeTypeFromName(name ? sv(*name) : "", "application/pdf"), sv(*data));
      return std::nullopt;
    }
    return invalidAt(path, "type", "must be one of 'text', 'image_url', 'input_audio', 'file'");
  }

  std::optional<Error> writeAssistant(const MessageFields& message, std::size_t i) {
    const ParamPath path(kMessages, i);
    if (const auto* content = message.content) {
      auto error = forEachText(*content, ParamPath(path, "content"), true,
                               [&](std::string_view text) { textPart("model", text); });
      if (error) return error;
    }
    const auto* toolCalls = message.toolCalls;
    if (!toolCalls) return std::nullopt;
    const ParamPath callsPath(path, "tool_calls");
    if (!toolCalls->is_array()) return invalidAt(callsPath, "must be an array");
    const auto& calls = toolCalls->get_array();
    for (std::size_t j = 0; j < calls.size(); ++j) {
      const ParamPath callPath(callsPath, j);
      if (!calls[j].is_object()) return invalidAt(callPath, "must be an object");
      const ToolFields call(calls[j].get_object());
      if (const auto* type = call.type;
          type && !(type->is_string() && type->get_string() == "function"))
        return invalidAt(callPath, "type", "must be 'function'");
      const auto* id = call.id;
      if (!id || !id->is_string() || id->get_string().empty())
        return invalidAt(callPath, "id", "must be a non-empty string");
      const auto* functionObject = asObject(call.function);
      if (!functionObject)
        return invalidAt(callPath, "function.name", "must be a non-empty string");
      const FunctionFields function(*functionObject);
      const auto* name = asString(function.name);
      if (!name || name->empty())
        return invalidAt(callPath, "function.name", "must be a non-empty string");
      const ParamPath argsPath(callPath, "function.arguments");
      std::string_view arguments;
      if (const auto* args = function.arguments) {
        if (!args->is_string()) return invalidAt(argsPath, "must be a string of JSON");
        arguments = sv(args->get_string());
      }
      // Empty arguments mean a call without arguments: `{}`.
      const bool hasArguments = arguments.find_first_not_of(" \t\r\n") != std::string_view::npos;
      boost::system::error_code ec;
      const json::value parsed =
          hasArguments ? json::parse(arguments, ec, &argumentsArena()) : json::value();
      if (ec) return invalidAt(argsPath, "is not valid JSON: " + ec.message());
      if (hasArguments && !parsed.is_object()) return invalidAt(argsPath, "must be a JSON object");
      beginPart("model");
      w_.key("functionCall");
      w_.beginObject();
      w_.field("name", sv(*name));
      w_.key("args");
      if (hasArguments) {
        if (auto error = copyValue(parsed, argsPath)) return error;
      } else {
        w_.beginObject();
        w_.endObject();
      }
      w_.endObject();
      if (const auto signature = thoughtSignatureFromToolCallId(sv(id->get_string())))
        w_.field("thoughtSignature", *signature);
      w_.endObject();
      lastCalls_.push_back({sv(id->get_string()), sv(*name)});
    }
    return std::nullopt;
  }

  json::monotonic_resource& argumentsArena() {
    if (!arena_) arena_.emplace();
    return *arena_;
  }

  void functionResponse(std::string_view name, std::string_view output) {
    beginPart("user");
    w_.key("functionResponse");
    w_.beginObject();
    w_.field("name", name);
    w_.key("response");
    w_.beginObject();
    w_.field("output", output);
    w_.endObject();
    w_.endObject();
    w_.endObject();
  }

  // Messages [begin, end) are consecutive tool results: one functionResponse each, in call order.
  std::optional<Error> writeToolResults(std::size_t begin, std::size_t end) {
    struct Result {
      std::size_t callIndex;
      std::size_t message;
      std::string text;
    };
    std::vector<Result> results;
    results.reserve(end - begin);
    for (std::size_t i = begin; i < end; ++i) {
      const auto& message = messages_[i].fields;
      const ParamPath path(kMessages, i);
      const auto* id = message.toolCallId;
      if (!id || !id->is_string() || id->get_string().empty())
        return invalidAt(path, "tool_call_id", "must be a non-empty string");
      const auto found =
          std::find_if(lastCalls_.begin(), lastCalls_.end(),
                       [&](const ToolCallRef& call) { return call.id == sv(id->get_string()); });
      if (found == lastCalls_.end())
        return invalidAt(path, "tool_call_id",
                         "'" + std::string(id->get_string()) +
                             "' does not match any tool call of the preceding assistant message");
      std::string text;
      const ParamPath contentPath(path, "content");
      const auto* content = message.content;
      if (!content) return invalidAt(contentPath, "is required");
      auto error = forEachText(*content, contentPath, false,
                               [&](std::string_view piece) { text.append(piece); });
      if (error) return error;
      results.push_back({static_cast<std::size_t>(found - lastCalls_.begin()), i, std::move(text)});
    }
    std::stable_sort(results.begin(), results.end(),
                     [](const Result& a, const Result& b) { return a.callIndex < b.callIndex; });
    for (const auto& result : results)
      functionResponse(lastCalls_[result.callIndex].name, result.text);
    return std::nullopt;
  }

  // Deprecated `function` role: a result named by the message itself.
  std::optional<Error> writeFunction(const MessageFields& message, std::size_t i) {
    const ParamPath path(kMessages, i);
    const auto* name = message.name;
    if (!name || !name->is_string() || name->get_string().empty())
      return invalidAt(path, "name", "must be a non-empty string");
    std::string text;
    if (const auto* content = message.content) {
      auto error = forEachText(*content, ParamPath(path, "content"), false,
                               [&](std::string_view piece) { text.append(piece); });
      if (error) return error;
    }
    functionResponse(sv(name->get_string()), text);
    return std::nullopt;
  }

  // ---- tools and toolConfig -------------------------------------------------------------------

  std::optional<Error> writeTools() {
    bool declared = false;
    if (const auto* toolsValue = fields_.tools) {
      if (!toolsValue->is_array()) return invalid("tools must be an array", "tools");
      const auto& tools = toolsValue->get_array();
      for (std::size_t i = 0; i < tools.size(); ++i) {
        const ParamPath path(kTools, i);
        if (!tools[i].is_object()) return invalidAt(path, "must be an object");
        const ToolFields tool(tools[i].get_object());
        const auto* type = tool.type;
        if (!type || !type->is_string() || type->get_string() != "function")
          return invalidAt(path, "type", "must be 'function' (other tool types are not supported)");
        const auto* functionObject = asObject(tool.function);
        if (!functionObject) return invalidAt(path, "function", "must be an object");
        const FunctionFields function(*functionObject);
        const auto* name = asString(function.name);
        if (!name || name->empty())
          return invalidAt(path, "function.name", "must be a non-empty string");
        const auto* description = function.description;
        if (description && !description->is_string())
          return invalidAt(path, "function.description", "must be a string");
        const ParamPath parametersPath(path, "function.parameters");
        const auto* parameters = function.parameters;
        if (parameters && !parameters->is_object())
          return invalidAt(parametersPath, "must be a JSON Schema object");
        if (!declared) {
          w_.key("tools");
          w_.beginArray();
          w_.beginObject();
          w_.key("functionDeclarations");
          w_.beginArray();
          declared = true;
        }
        w_.beginObject();
        w_.field("name", sv(*name));
        if (description) w_.field("description", sv(description->get_string()));
        if (parameters) {
          w_.key("parametersJsonSchema");
          if (auto error = copyValue(*parameters, parametersPath)) return error;
        }
        w_.endObject();
      }
      if (declared) {
        w_.endArray();
        w_.endObject();
        w_.endArray();
      }
    }
    return writeToolConfig(declared);
  }

  static std::optional<std::string_view> toolName(const json::value& value) {
    if (!value.is_object()) return std::nullopt;
    const auto& tool = value.get_object();
    if (const auto* type = tool.if_contains("type");
        type && !(type->is_string() && type->get_string() == "function"))
      return std::nullopt;
    const auto* name = memberString(memberObject(tool, "function"), "name");
    if (!name || name->empty()) return std::nullopt;
    return sv(*name);
  }

  std::optional<Error> writeToolConfig(bool declared) {
    const auto* choice = fields_.toolChoice;
    if (!choice) return std::nullopt;
    std::string_view mode;
    std::vector<std::string_view> allowed;
    if (choice->is_string()) {
      const auto value = sv(choice->get_string());
      if (value == "none")
        mode = "NONE";
      else if (value == "auto")
        mode = "AUTO";
      else if (value == "required")
        mode = "ANY";
      else
        return invalid("tool_choice must be 'none', 'auto', 'required' or an object",
                       "tool_choice");
    } else if (choice->is_object()) {
      const auto& object = choice->get_object();
      const auto* type = object.if_contains("type");
      const std::string_view typeName = type && type->is_string() ? sv(type->get_string()) : "";
      if (typeName == "function") {
        const auto name = toolName(*choice);
        if (!name)
          return invalid("tool_choice.function.name must be a non-empty string",
                         "tool_choice.function.name");
        mode = "ANY";
        allowed.push_back(*name);
      } else if (typeName == "allowed_tools") {
        const auto* spec = memberObject(object, "allowed_tools");
        if (!spec)
          return invalid("tool_choice.allowed_tools must be an object",
                         "tool_choice.allowed_tools");
        const auto* allowedMode = memberString(spec, "mode");
        if (allowedMode && *allowedMode == "auto")
          mode = "VALIDATED";
        else if (allowedMode && *allowedMode == "required")
          mode = "ANY";
        else
          return invalid("tool_choice.allowed_tools.mode must be 'auto' or 'required'",
                         "tool_choice.allowed_tools.mode");
        const auto* tools = spec->if_contains("tools");
        if (!tools || !tools->is_array())
          return invalid("tool_choice.allowed_tools.tools must be an array",
                         "tool_choice.allowed_tools.tools");
        const auto& list = tools->get_array();
        for (std::size_t k = 0; k < list.size(); ++k) {
          const auto name = toolName(list[k]);
          if (!name) {
            const auto param = indexed("tool_choice.allowed_tools.tools", k);
            return invalid(param + " must name a function tool", param);
          }
          allowed.push_back(*name);
        }
      } else {
        return invalid("tool_choice.type must be 'function' or 'allowed_tools'",
                       "tool_choice.type");
      }
    } else {
      return invalid("tool_choice must be a string or an object", "tool_choice");
    }
    if (!declared) return std::nullopt;  // nothing to configure without declarations
    w_.key("toolConfig");
    w_.beginObject();
    w_.key("functionCallingConfig");
    w_.beginObject();
    w_.field("mode", mode);
    if (!allowed.empty()) {
      w_.key("allowedFunctionNames");
      w_.beginArray();
      for (const auto name : allowed) w_.string(name);
      w_.endArray();
    }
    w_.endObject();
    w_.endObject();
    return std::nullopt;
  }

  // ---- generationConfig -----------------------------------------------------------------------

  void genKey(JsonKey name) {
    if (!genOpen_) {
      w_.key("generationConfig");
      w_.beginObject();
      genOpen_ = true;
    }
    w_.key(name);
  }

  std::optional<Error> copyNumber(const json::value* value, std::string_view from, JsonKey to) {
    if (!value) return std::nullopt;
    if (!value->is_number())
      return invalid(std::string(from) + " must be a number", std::string(from));
    genKey(to);
    return copyValue(*value, ParamPath(from));
  }

  // An integer field that must fit Vertex's int32 and be at least `minimum`.
  std::optional<Error> readInt32(const json::value* value, std::string_view from,
                                 std::int64_t minimum, std::optional<std::int64_t>& out) {
    if (!value) return std::nullopt;
    const auto number = asInteger(*value);
    if (!number || *number < minimum || *number > std::numeric_limits<std::int32_t>::max())
      return invalid(std::string(from) + " must be an integer between " + std::to_string(minimum) +
                         " and 2147483647",
                     std::string(from));
    out = *number;
    return std::nullopt;
  }

  std::optional<Error> writeGenerationConfig() {
    if (auto error = copyNumber(fields_.temperature, "temperature", "temperature")) return error;
    if (auto error = copyNumber(fields_.topP, "top_p", "topP")) return error;

    std::optional<std::int64_t> n;
    if (auto error = readInt32(fields_.n, "n", 1, n)) return error;
    if (n) {
      genKey("candidateCount");
      w_.integer(*n);
    }

    if (const auto* stop = fields_.stop) {
      if (stop->is_string()) {
        if (!stop->get_string().empty()) {
          genKey("stopSequences");
          w_.beginArray();
          w_.string(sv(stop->get_string()));
          w_.endArray();
        }
      } else if (stop->is_array()) {
        const auto& list = stop->get_array();
        for (std::size_t k = 0; k < list.size(); ++k)
          if (!list[k].is_string())
            return invalid("stop must be a string or an array of strings", indexed("stop", k));
        if (!list.empty()) {
          genKey("stopSequences");
          if (auto error = copyValue(*stop, ParamPath("stop"))) return error;
        }
      } else {
        return invalid("stop must be a string or an array of strings", "stop");
      }
    }

    std::optional<std::int64_t> maxTokens;
    if (auto error = readInt32(fields_.maxCompletionTokens, "max_completion_tokens", 1, maxTokens))
      return error;
    if (!maxTokens)
      if (auto error = readInt32(fields_.maxTokens, "max_tokens", 1, maxTokens)) return error;
    if (maxTokens) {
      genKey("maxOutputTokens");
      w_.integer(*maxTokens);
    }

    if (auto error = copyNumber(fields_.presencePenalty, "presence_penalty", "presencePenalty"))
      return error;
    if (auto error = copyNumber(fields_.frequencyPenalty, "frequency_penalty", "frequencyPenalty"))
      return error;

    if (const auto* seed = fields_.seed) {
      const auto number = asInteger(*seed);
      if (!number || *number < std::numeric_limits<std::int32_t>::min() ||
          *number > std::numeric_limits<std::int32_t>::max())
        return invalid("seed must be an integer that fits in 32 bits for this backend", "seed");
      genKey("seed");
      w_.integer(*number);
    }

    if (auto error = writeResponseFormat()) return error;
    if (auto error = writeLogprobs()) return error;
    if (auto error = writeThinking()) return error;

    if (genOpen_) w_.endObject();
    return std::nullopt;
  }

  std::optional<Error> writeResponseFormat() {
    const auto* format = fields_.responseFormat;
    if (!format) return std::nullopt;
    if (!format->is_object())
      return invalid("response_format must be an object", "response_format");
    const auto* type = memberString(&format->get_object(), "type");
    if (type && *type == "text") return std::nullopt;
    if (type && *type == "json_object") {
      genKey("responseMimeType");
      w_.string("application/json");
      return std::nullopt;
    }
    if (type && *type == "json_schema") {
      const auto* spec = memberObject(format->get_object(), "json_schema");
      if (!spec)
        return invalid("response_format.json_schema must be an object",
                       "response_format.json_schema");
      const auto* schema = spec->if_contains("schema");
      if (!schema || !schema->is_object())
        return invalid("response_format.json_schema.schema must be a JSON Schema object",
                       "response_format.json_schema.schema");
      genKey("responseMimeType");
      w_.string("application/json");
      genKey("responseJsonSchema");
      return copyValue(*schema, ParamPath("response_format.json_schema.schema"));
    }
    return invalid("response_format.type must be 'text', 'json_object' or 'json_schema'",
                   "response_format.type");
  }

  std::optional<Error> writeLogprobs() {
    bool wanted = false;
    if (const auto* logprobs = fields_.logprobs) {
      if (!logprobs->is_bool()) return invalid("logprobs must be a boolean", "logprobs");
      wanted = logprobs->get_bool();
    }
    std::optional<std::int64_t> top;
    if (const auto* topValue = fields_.topLogprobs) {
      top = asInteger(*topValue);
      if (!top || *top < 0 || *top > 20)
        return invalid("top_logprobs must be an integer between 0 and 20", "top_logprobs");
      if (!wanted) return invalid("top_logprobs requires logprobs to be true", "top_logprobs");
    }
    if (!wanted) return std::nullopt;
    genKey("responseLogprobs");
    w_.boolean(true);
    if (top && *top > 0) {
      genKey("logprobs");
      w_.integer(*top);
    }
    return std::nullopt;
  }

  std::optional<Error> writeThinking() {
    const auto* effort = fields_.reasoningEffort;
    if (!effort) return std::nullopt;
    static constexpr std::pair<std::string_view, int> kBudgets[] = {
        {"none", 0},     {"minimal", 512}, {"low", 1024}, {"medium", 8192},
        {"high", 24576}, {"xhigh", 24576}, {"max", 24576}};
    if (effort->is_string()) {
      for (const auto& [name, budget] : kBudgets) {
        if (effort->get_string() != name) continue;
        genKey("thinkingConfig");
        w_.beginObject();
        w_.fieldInt("thinkingBudget", budget);
        if (budget > 0) {
          w_.key("includeThoughts");
          w_.boolean(true);
        }
        w_.endObject();
        return std::nullopt;
      }
    }
    return invalid(
        "reasoning_effort must be one of 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', "
        "'max'",
        "reasoning_effort");
  }

  // ---- vendor extensions ----------------------------------------------------------------------

  std::optional<Error> writePassThrough() {
    const auto* snake = fields_.safetySettingsSnake;
    const auto* camel = fields_.safetySettingsCamel;
    if (snake && camel)
      return invalid("give either safety_settings or safetySettings, not both", "safety_settings");
    if (const auto* settings = snake ? snake : camel) {
      const std::string param = snake ? "safety_settings" : "safetySettings";
      if (!settings->is_array())
        return invalid(param + " must be an array of SafetySetting objects", param);
      const auto& list = settings->get_array();
      for (std::size_t k = 0; k < list.size(); ++k)
        if (!list[k].is_object())
          return invalid(indexed(param, k) + " must be an object", indexed(param, k));
      w_.key("safetySettings");
      if (auto error = copyValue(*settings, ParamPath(param))) return error;
    }
    if (const auto* labels = fields_.labels) {
      if (!labels->is_object()) return invalid("labels must be an object of strings", "labels");
      for (const auto& entry : labels->get_object())
        if (!entry.value().is_string())
          return invalid("labels must be an object of strings",
                         "labels." + std::string(entry.key()));
      w_.key("labels");
      if (auto error = copyValue(*labels, ParamPath("labels"))) return error;
    }
    return std::nullopt;
  }

  const RequestFields fields_;
  JsonWriter w_;
  // Inline room for a typical conversation: a heap vector was one allocation per request.
  boost::container::small_vector<Message, 8> messages_;
  std::string_view openRole_;           // role of the content being written, empty before the first
  std::vector<ToolCallRef> lastCalls_;  // tool calls of the latest assistant turn
  bool genOpen_ = false;
  // Parsed tool-call arguments live until the body is written; most requests replay no tool call,
  // so the arena is made on first use.
  std::optional<json::monotonic_resource> arena_;
};

}  // namespace

core::Result<std::string> buildTarget(const BackendTarget& target, bool stream) {
  if (!isSafePathSegment(target.model))
    return invalid("The model name '" + std::string(target.model) +
                       "' is not valid for this backend: it must be a plain model id without '/', "
                       "'..', '?', '#', '%', ':', spaces or non-ASCII characters",
                   "model");
  if (!isSafePathSegment(target.project))
    return Error::make(ErrorKind::Internal,
                       "the Vertex AI backend has no valid GCP project configured");
  if (!isSafePathSegment(target.region))
    return Error::make(ErrorKind::Internal,
                       "the Vertex AI backend has no valid GCP region configured");
  std::string path;
  path.reserve(96 + target.project.size() + target.region.size() + target.model.size());
  path.append("/v1/projects/").append(target.project);
  path.append("/locations/").append(target.region);
  path.append("/publishers/google/models/").append(target.model);
  path.append(stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  return path;
}

core::Result<std::string> translateRequestBody(const boost::json::object& body) {
  std::string out;
  out.reserve(1024);
  Translator translator(body, out);
  if (auto error = translator.run()) return std::move(*error);
  return out;
}

}  // namespace switchyard::providers::vertex
