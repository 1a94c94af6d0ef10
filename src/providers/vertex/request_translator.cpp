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

#include "core/base64.hpp"
#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "providers/vertex/model_path.hpp"
#include "providers/vertex/wire.hpp"

namespace switchyard::providers::vertex {

using core::JsonKey;
using core::JsonWriter;
using core::numberOutOfRange;
using core::sv;
using core::toInt64;

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
  const json::value* thinking = nullptr;
  const json::value* guidedChoice = nullptr;
  const json::value* guidedRegex = nullptr;
  const json::value* guidedJson = nullptr;
  const json::value* mediaResolution = nullptr;
  const json::value* parallelToolCalls = nullptr;
  const json::value* logitBias = nullptr;
  const json::value* serviceTier = nullptr;

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
        if (spells(key, "thinking")) return &thinking;
        break;
      case 10:
        if (spells(key, "max_tokens")) return &maxTokens;
        if (spells(key, "logit_bias")) return &logitBias;
        break;
      case 11:
        if (spells(key, "temperature")) return &temperature;
        if (spells(key, "tool_choice")) return &toolChoice;
        if (spells(key, "guided_json")) return &guidedJson;
        break;
      case 12:
        if (spells(key, "top_logprobs")) return &topLogprobs;
        if (spells(key, "guided_regex")) return &guidedRegex;
        if (spells(key, "service_tier")) return &serviceTier;
        break;
      case 13:
        if (spells(key, "guided_choice")) return &guidedChoice;
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
        if (spells(key, "media_resolution")) return &mediaResolution;
        break;
      case 17:
        if (spells(key, "frequency_penalty")) return &frequencyPenalty;
        break;
      case 19:
        if (spells(key, "parallel_tool_calls")) return &parallelToolCalls;
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
  const json::value* thinkingBlocks = nullptr;

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
      case 15:
        if (spells(key, "thinking_blocks")) return &thinkingBlocks;
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
  const json::value* thinking = nullptr;   // a `thinking` part or block: its text
  const json::value* signature = nullptr;  // ... and its thought signature

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
      case 8:
        if (spells(key, "thinking")) return &thinking;
        break;
      case 9:
        if (spells(key, "image_url")) return &imageUrl;
        if (spells(key, "signature")) return &signature;
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
  const json::value* googleSearch = nullptr;      // tools[i].google_search
  const json::value* enterpriseSearch = nullptr;  // tools[i].enterprise_search

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
      case 13:
        if (spells(key, "google_search")) return &googleSearch;
        break;
      case 17:
        if (spells(key, "enterprise_search")) return &enterpriseSearch;
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

// What the upstream model takes, read from its id (`gemini-3-pro-preview`, `gemini-2.0-flash-001`).
// An id that does not start with gemini-<major> (a tuned or unknown model) counts as a current one.
struct ModelTraits {
  bool gemini3 = false;  // Gemini 3 or later: thinkingLevel, per-part mediaResolution, signatures
  bool flash = false;    // a Flash or Flash-Lite model: thinking can go down to MINIMAL
  bool legacySchema = false;  // Gemini 1.x and 2.0: responseSchema only, no responseJsonSchema

  explicit ModelTraits(std::string_view model) {
    flash = model.find("flash") != std::string_view::npos;
    constexpr std::string_view kPrefix = "gemini-";
    if (!model.starts_with(kPrefix)) return;
    const auto rest = model.substr(kPrefix.size());
    std::size_t i = 0;
    int major = 0;
    while (i < rest.size() && i < 4 && rest[i] >= '0' && rest[i] <= '9')
      major = major * 10 + (rest[i++] - '0');
    if (i == 0) return;
    int minor = -1;
    if (i + 1 < rest.size() && rest[i] == '.' && rest[i + 1] >= '0' && rest[i + 1] <= '9')
      minor = rest[i + 1] - '0';
    gemini3 = major >= 3;
    legacySchema = major < 2 || (major == 2 && minor < 5);
  }
};

// Google's documented stand-in for a thought signature Switchyard never saw (a tool call replayed
// with an id it did not mint): the bytes "skip_thought_signature_validator", base64 as proto3 JSON
// spells a bytes field.
constexpr std::string_view kDummyThoughtSignature = "c2tpcF90aG91Z2h0X3NpZ25hdHVyZV92YWxpZGF0b3I=";

// A message whose role has been checked.
struct Message {
  Role role;
  MessageFields fields;
};

// One translation: writes the body into `out` as it reads the request.
class Translator {
 public:
  // `upstreamModel` is the model the request goes to; empty means the body's `model`.
  Translator(const json::object& body, std::string_view upstreamModel, std::string& out)
      : fields_(body), traits_(modelFor(fields_, upstreamModel)), w_(out) {}

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
    if (auto error = checkUnmappedFields()) return error;
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

  // `level` (a MediaResolution level, empty for none) is the part's own media resolution.
  void inlineData(std::string_view mimeType, std::string_view data, std::string_view level = {}) {
    beginPart("user");
    w_.key("inlineData");
    w_.beginObject();
    w_.field("mimeType", mimeType);
    w_.field("data", data);
    w_.endObject();
    partMediaResolution(level);
    w_.endObject();
  }

  void fileData(std::string_view mimeType, std::string_view uri, std::string_view level = {}) {
    beginPart("user");
    w_.key("fileData");
    w_.beginObject();
    w_.field("mimeType", mimeType);
    w_.field("fileUri", uri);
    w_.endObject();
    partMediaResolution(level);
    w_.endObject();
  }

  void partMediaResolution(std::string_view level) {
    if (level.empty()) return;
    w_.key("mediaResolution");
    w_.beginObject();
    w_.field("level", level);
    w_.endObject();
  }

  // `image_url.detail` → the part's media resolution level. Only Gemini 3 models take a level per
  // part; older ones get none (their default, as Vertex's own OpenAI endpoint does for `detail`).
  std::optional<Error> imageDetail(const json::object* image, const ParamPath& path,
                                   std::string_view& level) {
    const auto* detail = image ? image->if_contains("detail") : nullptr;
    if (!detail || detail->is_null()) return std::nullopt;
    static constexpr std::pair<std::string_view, std::string_view> kLevels[] = {
        {"auto", ""},
        {"low", "MEDIA_RESOLUTION_LOW"},
        {"medium", "MEDIA_RESOLUTION_MEDIUM"},
        {"high", "MEDIA_RESOLUTION_HIGH"}};
    if (detail->is_string()) {
      for (const auto& [name, vertex] : kLevels) {
        if (detail->get_string() != name) continue;
        if (traits_.gemini3) level = vertex;
        return std::nullopt;
      }
    }
    return invalidAt(path, "image_url.detail", "must be 'auto', 'low', 'medium' or 'high'");
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
      const auto* image = asObject(part.imageUrl);
      const auto* url = memberString(image, "url");
      if (!url || url->empty()) return invalidAt(path, "image_url.url", "must be a string");
      std::string_view level;
      if (auto error = imageDetail(image, path, level)) return error;
      const std::string_view text = sv(*url);
      if (const auto data = parseDataUrl(text)) {
        inlineData(data->mimeType, data->data, level);
        return std::nullopt;
      }
      if (text.starts_with("https://") || text.starts_with("http://") ||
          text.starts_with("gs://")) {
        fileData(mimeTypeFromName(text, "image/jpeg"), text, level);
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

  // A model text part; it takes the pending thought signature of a thinking block before it.
  void modelText(std::string_view text) {
    if (text.empty()) return;
    beginPart("model");
    w_.field("text", text);
    if (pendingSignature_) w_.field("thoughtSignature", *pendingSignature_);
    pendingSignature_.reset();
    w_.endObject();
  }

  // Whether a non-empty answer part (text, refusal, tool call) comes after content part `from`.
  static bool answerFollows(const json::value* content, std::size_t from,
                            const json::value* toolCalls) {
    if (toolCalls && toolCalls->is_array() && !toolCalls->get_array().empty()) return true;
    if (!content) return false;
    if (content->is_string()) return from == 0 && !content->get_string().empty();
    if (!content->is_array()) return false;
    const auto& parts = content->get_array();
    for (std::size_t j = from; j < parts.size(); ++j) {
      if (!parts[j].is_object()) continue;
      const PartFields part(parts[j].get_object());
      const auto* type = asString(part.type);
      const json::value* text = nullptr;
      if (type && *type == "text") text = part.text;
      if (type && *type == "refusal") text = part.refusal;
      if (text && text->is_string() && !text->get_string().empty()) return true;
    }
    return false;
  }

  // A thinking block sent back by the client (`thinking_blocks[k]` or a content part of type
  // `thinking`): its text becomes a `thought: true` part. Its signature goes on the first answer
  // part after it in the same message (where Gemini put it), or on the thought part when none
  // follows.
  std::optional<Error> writeThought(const PartFields& block, const ParamPath& path,
                                    bool answerAfter) {
    const auto* textValue = block.thinking ? block.thinking : block.text;
    if (textValue && !textValue->is_string())
      return invalidAt(path, block.thinking ? "thinking" : "text", "must be a string");
    const std::string_view text = textValue ? sv(textValue->get_string()) : std::string_view();
    std::optional<std::string_view> signature;
    if (const auto* value = block.signature) {
      if (!value->is_string() || value->get_string().empty() ||
          !core::base64::decode(sv(value->get_string()), kLenientBase64))
        return invalidAt(path, "signature", "must be a base64 thought signature");
      signature = sv(value->get_string());
    }
    if (!text.empty()) {
      beginPart("model");
      w_.field("text", text);
      w_.key("thought");
      w_.boolean(true);
      if (signature && !answerAfter) w_.field("thoughtSignature", *signature);
      w_.endObject();
    }
    if (signature && (answerAfter || text.empty())) pendingSignature_ = signature;
    return std::nullopt;
  }

  std::optional<Error> writeAssistant(const MessageFields& message, std::size_t i) {
    const ParamPath path(kMessages, i);
    pendingSignature_.reset();
    if (const auto* blocks = message.thinkingBlocks) {
      const ParamPath blocksPath(path, "thinking_blocks");
      if (!blocks->is_array()) return invalidAt(blocksPath, "must be an array");
      const auto& list = blocks->get_array();
      for (std::size_t k = 0; k < list.size(); ++k) {
        const ParamPath blockPath(blocksPath, k);
        if (!list[k].is_object()) return invalidAt(blockPath, "must be an object");
        const PartFields block(list[k].get_object());
        const auto* type = asString(block.type);
        if (!type || *type != "thinking") return invalidAt(blockPath, "type", "must be 'thinking'");
        const bool after =
            k + 1 < list.size() || answerFollows(message.content, 0, message.toolCalls);
        if (auto error = writeThought(block, blockPath, after)) return error;
      }
    }
    if (const auto* content = message.content) {
      const ParamPath contentPath(path, "content");
      if (content->is_string()) {
        modelText(sv(content->get_string()));
      } else if (content->is_array()) {
        const auto& parts = content->get_array();
        for (std::size_t j = 0; j < parts.size(); ++j) {
          const ParamPath partPath(contentPath, j);
          if (!parts[j].is_object()) return invalidAt(partPath, "must be an object");
          const PartFields part(parts[j].get_object());
          const auto* type = asString(part.type);
          const std::string_view typeName = type ? sv(*type) : "";
          if (typeName == "thinking") {
            if (auto error =
                    writeThought(part, partPath, answerFollows(content, j + 1, message.toolCalls)))
              return error;
            continue;
          }
          std::string_view field;
          const json::value* text = nullptr;
          if (typeName == "text") {
            field = "text";
            text = part.text;
          } else if (typeName == "refusal") {
            field = "refusal";
            text = part.refusal;
          } else {
            return invalidAt(partPath, "type", "must be 'text', 'refusal' or 'thinking' here");
          }
          if (!text || !text->is_string()) return invalidAt(partPath, field, "must be a string");
          modelText(sv(text->get_string()));
        }
      } else {
        return invalidAt(contentPath, "must be a string or an array of parts");
      }
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
      // The call's own signature (carried by an id Switchyard minted), else a thinking block's; on
      // Gemini 3, which refuses a step whose first call has none, Google's stand-in for the first
      // call of the turn.
      if (const auto signature = thoughtSignatureFromToolCallId(sv(id->get_string())))
        w_.field("thoughtSignature", *signature);
      else if (pendingSignature_)
        w_.field("thoughtSignature", *pendingSignature_);
      else if (traits_.gemini3 && lastCalls_.empty())
        w_.field("thoughtSignature", kDummyThoughtSignature);
      pendingSignature_.reset();
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
    bool declaredFunctions = false;
    if (const auto* toolsValue = fields_.tools) {
      if (!toolsValue->is_array()) return invalid("tools must be an array", "tools");
      const auto& tools = toolsValue->get_array();
      for (std::size_t i = 0; i < tools.size(); ++i) {
        const ParamPath path(kTools, i);
        if (!tools[i].is_object()) return invalidAt(path, "must be an object");
        const ToolFields tool(tools[i].get_object());
        const auto* type = tool.type;
        const std::string_view typeName =
            type && type->is_string() ? sv(type->get_string()) : std::string_view();
        if (typeName == "google_search" || typeName == "enterprise_search") {
          const bool google = typeName == "google_search";
          if (auto error = checkSearchOptions(google ? tool.googleSearch : tool.enterpriseSearch,
                                              ParamPath(path, typeName), google))
            return error;
          searchTools_.push_back(i);
          continue;
        }
        if (typeName != "function")
          return invalidAt(path, "type",
                           "must be 'function', 'google_search' or 'enterprise_search' (other "
                           "tool types are not supported)");
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
      declaredFunctions = declared;
      if (declared) {
        w_.endArray();
        w_.endObject();
      }
      // Each search tool is a Tool of its own, after the function declarations.
      for (const auto index : searchTools_) {
        if (!declared) {
          w_.key("tools");
          w_.beginArray();
          declared = true;
        }
        const ToolFields tool(tools[index].get_object());
        const bool google = sv(tool.type->get_string()) == "google_search";
        writeSearchTool(google ? tool.googleSearch : tool.enterpriseSearch, google);
      }
      if (declared) w_.endArray();
    }
    if (auto error = checkParallelToolCalls(declaredFunctions)) return error;
    return writeToolConfig(declaredFunctions);
  }

  static constexpr std::string_view kBlockingConfidences[] = {
      "BLOCK_LOW_AND_ABOVE",    "BLOCK_MEDIUM_AND_ABOVE",    "BLOCK_HIGH_AND_ABOVE",
      "BLOCK_HIGHER_AND_ABOVE", "BLOCK_VERY_HIGH_AND_ABOVE", "BLOCK_ONLY_EXTREMELY_HIGH"};

  // The options of a google_search / enterprise_search tool: `exclude_domains` (strings) and
  // `blocking_confidence` (a PhishBlockThreshold name), both optional. Anything else is refused:
  // an option dropped silently would change the search results (Vertex v1 has no time range
  // filter, which the Gemini API's google_search takes).
  std::optional<Error> checkSearchOptions(const json::value* options, const ParamPath& path,
                                          bool google) {
    if (!options) return std::nullopt;
    if (!options->is_object()) return invalidAt(path, "must be an object");
    for (const auto& member : options->get_object()) {
      const std::string_view key = std::string_view(member.key());
      const auto& value = member.value();
      if (value.is_null()) continue;
      if (key == "exclude_domains") {
        bool ok = value.is_array();
        if (ok)
          for (const auto& domain : value.get_array()) ok = ok && domain.is_string();
        if (!ok) return invalidAt(path, "exclude_domains", "must be an array of strings");
      } else if (key == "blocking_confidence") {
        const bool ok = value.is_string() &&
                        std::find(std::begin(kBlockingConfidences), std::end(kBlockingConfidences),
                                  sv(value.get_string())) != std::end(kBlockingConfidences);
        if (!ok)
          return invalidAt(path, "blocking_confidence",
                           "must be one of BLOCK_LOW_AND_ABOVE, BLOCK_MEDIUM_AND_ABOVE, "
                           "BLOCK_HIGH_AND_ABOVE, BLOCK_HIGHER_AND_ABOVE, "
                           "BLOCK_VERY_HIGH_AND_ABOVE, BLOCK_ONLY_EXTREMELY_HIGH");
      } else if (google && key == "time_range_filter") {
        return invalidAt(path, "time_range_filter",
                         "is not available on Vertex AI (its v1 GoogleSearch tool has no time "
                         "range filter)");
      } else {
        return invalid(ParamPath(path, key).str() +
                           " is not a known option (supported: exclude_domains, "
                           "blocking_confidence)",
                       ParamPath(path, key).str());
      }
    }
    return std::nullopt;
  }

  void writeSearchTool(const json::value* options, bool google) {
    w_.beginObject();
    w_.key(google ? JsonKey("googleSearch") : JsonKey("enterpriseWebSearch"));
    w_.beginObject();
    if (const auto* object = asObject(options)) {
      for (const auto& member : *object) {
        if (member.value().is_null()) continue;
        if (member.key() == "exclude_domains") {
          w_.key("excludeDomains");
          w_.beginArray();
          for (const auto& domain : member.value().get_array()) w_.string(sv(domain.get_string()));
          w_.endArray();
        } else if (member.key() == "blocking_confidence") {
          w_.field("blockingConfidence", sv(member.value().get_string()));
        }
      }
    }
    w_.endObject();
    w_.endObject();
  }

  // Vertex has no switch for one call per turn: `parallel_tool_calls: false` with functions
  // declared would be silently ignored, and the caller could get several calls it said it cannot
  // handle.
  std::optional<Error> checkParallelToolCalls(bool declared) {
    const auto* parallel = fields_.parallelToolCalls;
    if (!parallel) return std::nullopt;
    if (!parallel->is_bool())
      return invalid("parallel_tool_calls must be a boolean", "parallel_tool_calls");
    if (!parallel->get_bool() && declared)
      return invalid(
          "parallel_tool_calls: false is not supported by this backend (Vertex AI Gemini may "
          "return "
          "several function calls in one turn); leave it out or set it to true",
          "parallel_tool_calls");
    return std::nullopt;
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
    if (auto error = writeMediaResolution()) return error;

    if (genOpen_) w_.endObject();
    return std::nullopt;
  }

  // The structured-output requests: `response_format` (json_object, json_schema) and vLLM's guided
  // decoding fields. At most one of them may be given.
  std::optional<Error> writeResponseFormat() {
    const char* given = nullptr;
    auto claim = [&](const char* name) -> std::optional<Error> {
      if (given)
        return invalid(std::string("give only one of response_format, guided_choice, guided_regex "
                                   "and guided_json (") +
                           given + " is already given)",
                       name);
      given = name;
      return std::nullopt;
    };
    if (const auto* format = fields_.responseFormat) {
      if (!format->is_object())
        return invalid("response_format must be an object", "response_format");
      const auto* type = memberString(&format->get_object(), "type");
      if (type && *type == "text") {
        // plain text: nothing to send
      } else if (type && *type == "json_object") {
        if (auto error = claim("response_format")) return error;
        genKey("responseMimeType");
        w_.string("application/json");
      } else if (type && *type == "json_schema") {
        const auto* spec = memberObject(format->get_object(), "json_schema");
        if (!spec)
          return invalid("response_format.json_schema must be an object",
                         "response_format.json_schema");
        const auto* schema = spec->if_contains("schema");
        if (!schema || !schema->is_object())
          return invalid("response_format.json_schema.schema must be a JSON Schema object",
                         "response_format.json_schema.schema");
        if (auto error = claim("response_format")) return error;
        static constexpr ParamPath kSchemaPath("response_format.json_schema.schema");
        if (auto error = writeJsonSchemaOutput(*schema, kSchemaPath)) return error;
      } else {
        return invalid("response_format.type must be 'text', 'json_object' or 'json_schema'",
                       "response_format.type");
      }
    }
    if (const auto* choice = fields_.guidedChoice) {
      bool ok = choice->is_array() && !choice->get_array().empty();
      if (ok)
        for (const auto& item : choice->get_array()) ok = ok && item.is_string();
      if (!ok)
        return invalid("guided_choice must be a non-empty array of strings", "guided_choice");
      if (auto error = claim("guided_choice")) return error;
      // Vertex's enum mode answers with one of the strings, unquoted.
      genKey("responseMimeType");
      w_.string("text/x.enum");
      genKey("responseSchema");
      w_.beginObject();
      w_.field("type", "STRING");
      w_.key("enum");
      if (auto error = copyValue(*choice, ParamPath("guided_choice"))) return error;
      w_.endObject();
    }
    if (const auto* regex = fields_.guidedRegex) {
      if (!regex->is_string() || regex->get_string().empty())
        return invalid("guided_regex must be a non-empty string", "guided_regex");
      if (auto error = claim("guided_regex")) return error;
      // Vertex constrains a JSON string with the pattern: the answer is that string, in JSON.
      genKey("responseMimeType");
      w_.string("application/json");
      genKey("responseSchema");
      w_.beginObject();
      w_.field("type", "STRING");
      w_.field("pattern", sv(regex->get_string()));
      w_.endObject();
    }
    if (const auto* guided = fields_.guidedJson) {
      static constexpr ParamPath kGuidedPath("guided_json");
      const json::value* schema = guided;
      json::value parsed;
      if (guided->is_string()) {  // vLLM also takes the schema as JSON text
        boost::system::error_code ec;
        parsed = json::parse(sv(guided->get_string()), ec, &argumentsArena());
        if (ec || !parsed.is_object())
          return invalid("guided_json must be a JSON Schema object (or its JSON text)",
                         "guided_json");
        schema = &parsed;
      } else if (!guided->is_object()) {
        return invalid("guided_json must be a JSON Schema object (or its JSON text)",
                       "guided_json");
      }
      if (auto error = claim("guided_json")) return error;
      if (auto error = writeJsonSchemaOutput(*schema, kGuidedPath)) return error;
    }
    return std::nullopt;
  }

  // JSON output constrained by a JSON Schema: `responseJsonSchema` verbatim, or on models that only
  // take `responseSchema` (Gemini 1.x, 2.0) the schema converted to Vertex's OpenAPI subset.
  std::optional<Error> writeJsonSchemaOutput(const json::value& schema, const ParamPath& where) {
    genKey("responseMimeType");
    w_.string("application/json");
    if (!traits_.legacySchema) {
      genKey("responseJsonSchema");
      return copyValue(schema, where);
    }
    // Checked on a scratch writer first, so that a refusal leaves no half schema in the body; the
    // second conversion cannot fail.
    std::string scratchText;
    JsonWriter scratch(scratchText);
    if (auto error = convertSchema(schema, where, scratch)) return error;
    genKey("responseSchema");
    return convertSchema(schema, where, w_);
  }

  // JSON Schema → Vertex Schema (OpenAPI 3.0 subset, docs/spec/wire.md §2.2). Types become
  // upper-case enum names, `["T", "null"]` becomes `T` + `nullable`, oneOf becomes anyOf. Keywords
  // the subset cannot express ($ref, allOf, not, const, ...) are refused naming where they are;
  // annotations with no effect on the output ($schema, $id, $comment, examples,
  // additionalProperties: false) are dropped.
  std::optional<Error> convertSchema(const json::value& value, const ParamPath& where,
                                     JsonWriter& w) {
    if (!value.is_object()) return invalidAt(where, "must be a JSON Schema object");
    const auto& schema = value.get_object();
    w.beginObject();
    for (const auto& member : schema) {
      const std::string_view key = std::string_view(member.key());
      const auto& item = member.value();
      const ParamPath at(where, key);
      if (key == "type") {
        std::string_view name;
        bool nullable = false;
        if (item.is_string()) {
          name = sv(item.get_string());
        } else if (item.is_array()) {
          for (const auto& entry : item.get_array()) {
            if (!entry.is_string()) return invalidAt(at, "must be a type name or an array of them");
            if (entry.get_string() == "null")
              nullable = true;
            else if (name.empty())
              name = sv(entry.get_string());
            else
              return invalidAt(at, "can name one type besides null on this model");
          }
        }
        static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
            {"string", "STRING"},   {"number", "NUMBER"}, {"integer", "INTEGER"},
            {"boolean", "BOOLEAN"}, {"array", "ARRAY"},   {"object", "OBJECT"}};
        std::string_view vertex;
        for (const auto& [json, upper] : kTypes)
          if (name == json) vertex = upper;
        if (vertex.empty())
          return invalidAt(at,
                           "must be string, number, integer, boolean, array or object (with "
                           "optional null) on this model");
        w.field("type", vertex);
        if (nullable) {
          w.key("nullable");
          w.boolean(true);
        }
      } else if (key == "properties") {
        if (!item.is_object()) return invalidAt(at, "must be an object of schemas");
        w.key("properties");
        w.beginObject();
        for (const auto& property : item.get_object()) {
          const ParamPath propertyPath(at, std::string_view(property.key()));
          w.escapedKey(std::string_view(property.key()));
          if (auto error = convertSchema(property.value(), propertyPath, w)) return error;
        }
        w.endObject();
      } else if (key == "items") {
        w.key("items");
        if (auto error = convertSchema(item, at, w)) return error;
      } else if (key == "anyOf" || key == "oneOf") {
        if (!item.is_array() || item.get_array().empty())
          return invalidAt(at, "must be a non-empty array of schemas");
        w.key("anyOf");
        w.beginArray();
        const auto& list = item.get_array();
        for (std::size_t k = 0; k < list.size(); ++k) {
          const ParamPath branch(at, k);
          if (auto error = convertSchema(list[k], branch, w)) return error;
        }
        w.endArray();
      } else if (key == "enum") {
        bool ok = item.is_array();
        if (ok)
          for (const auto& entry : item.get_array()) ok = ok && entry.is_string();
        if (!ok) return invalidAt(at, "must be an array of strings on this model");
        w.key("enum");
        if (!w.value(item)) return numberOutOfRange(at.str(), item);
      } else if (key == "description" || key == "title" || key == "format" || key == "pattern") {
        if (!item.is_string()) return invalidAt(at, "must be a string");
        writeSchemaKey(w, key);
        w.string(sv(item.get_string()));
      } else if (key == "required" || key == "propertyOrdering") {
        bool ok = item.is_array();
        if (ok)
          for (const auto& entry : item.get_array()) ok = ok && entry.is_string();
        if (!ok) return invalidAt(at, "must be an array of strings");
        writeSchemaKey(w, key);
        if (!w.value(item)) return numberOutOfRange(at.str(), item);
      } else if (key == "minimum" || key == "maximum" || key == "minItems" || key == "maxItems" ||
                 key == "minLength" || key == "maxLength" || key == "minProperties" ||
                 key == "maxProperties") {
        if (!item.is_number()) return invalidAt(at, "must be a number");
        writeSchemaKey(w, key);
        if (!w.value(item)) return numberOutOfRange(at.str(), item);
      } else if (key == "nullable") {
        if (!item.is_bool()) return invalidAt(at, "must be a boolean");
        w.key("nullable");
        w.boolean(item.get_bool());
      } else if (key == "default" || key == "example") {
        writeSchemaKey(w, key);
        if (!w.value(item)) return numberOutOfRange(at.str(), item);
      } else if (key == "additionalProperties" && item.is_bool() && !item.get_bool()) {
        // Vertex's schema allows no other properties anyway.
      } else if (key == "$schema" || key == "$id" || key == "$comment" || key == "examples") {
        // annotations only
      } else {
        return invalidAt(at,
                         "cannot be expressed for this model, which takes responseSchema (an "
                         "OpenAPI subset) rather than a JSON Schema");
      }
    }
    w.endObject();
    return std::nullopt;
  }

  static void writeSchemaKey(JsonWriter& w, std::string_view key) {
    // The keys convertSchema copies, spelled as literals for JsonKey.
    if (key == "description") return w.key("description");
    if (key == "title") return w.key("title");
    if (key == "format") return w.key("format");
    if (key == "pattern") return w.key("pattern");
    if (key == "required") return w.key("required");
    if (key == "propertyOrdering") return w.key("propertyOrdering");
    if (key == "minimum") return w.key("minimum");
    if (key == "maximum") return w.key("maximum");
    if (key == "minItems") return w.key("minItems");
    if (key == "maxItems") return w.key("maxItems");
    if (key == "minLength") return w.key("minLength");
    if (key == "maxLength") return w.key("maxLength");
    if (key == "minProperties") return w.key("minProperties");
    if (key == "maxProperties") return w.key("maxProperties");
    if (key == "default") return w.key("default");
    if (key == "example") return w.key("example");
    w.escapedKey(key);
  }

  // `media_resolution` (low, medium, high, or Vertex's MEDIA_RESOLUTION_* names) →
  // generationConfig.mediaResolution.
  std::optional<Error> writeMediaResolution() {
    const auto* value = fields_.mediaResolution;
    if (!value) return std::nullopt;
    static constexpr std::pair<std::string_view, std::string_view> kLevels[] = {
        {"low", "MEDIA_RESOLUTION_LOW"},
        {"medium", "MEDIA_RESOLUTION_MEDIUM"},
        {"high", "MEDIA_RESOLUTION_HIGH"},
        {"MEDIA_RESOLUTION_LOW", "MEDIA_RESOLUTION_LOW"},
        {"MEDIA_RESOLUTION_MEDIUM", "MEDIA_RESOLUTION_MEDIUM"},
        {"MEDIA_RESOLUTION_HIGH", "MEDIA_RESOLUTION_HIGH"}};
    if (value->is_string())
      for (const auto& [name, vertex] : kLevels)
        if (value->get_string() == name) {
          genKey("mediaResolution");
          w_.string(vertex);
          return std::nullopt;
        }
    return invalid("media_resolution must be 'low', 'medium' or 'high'", "media_resolution");
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
    const auto* thinking = fields_.thinking;
    if (effort && thinking)
      return invalid("give either thinking or reasoning_effort, not both", "thinking");
    if (thinking) return writeThinkingField(*thinking);
    if (!effort) return std::nullopt;
    if (traits_.gemini3) return writeThinkingLevel(*effort);
    static constexpr std::pair<std::string_view, int> kBudgets[] = {
        {"none", 0},     {"minimal", 512}, {"low", 1024}, {"medium", 8192},
        {"high", 24576}, {"xhigh", 24576}, {"max", 24576}};
    if (effort->is_string()) {
      for (const auto& [name, budget] : kBudgets) {
        if (effort->get_string() != name) continue;
        writeThinkingConfig(budget, {}, budget > 0);
        return std::nullopt;
      }
    }
    return invalidEffort();
  }

  static Error invalidEffort() {
    return invalid(
        "reasoning_effort must be one of 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', "
        "'max'",
        "reasoning_effort");
  }

  // thinkingConfig with a budget (nullopt: none), a level (empty: none) and includeThoughts.
  void writeThinkingConfig(std::optional<int> budget, std::string_view level, bool thoughts) {
    genKey("thinkingConfig");
    w_.beginObject();
    if (budget) w_.fieldInt("thinkingBudget", *budget);
    if (!level.empty()) w_.field("thinkingLevel", level);
    if (thoughts) {
      w_.key("includeThoughts");
      w_.boolean(true);
    }
    w_.endObject();
  }

  // Gemini 3 takes a thinking level, not a budget. Flash models go down to MINIMAL (`none`:
  // thinking as good as off); Pro models know LOW and HIGH and cannot turn thinking off.
  std::optional<Error> writeThinkingLevel(const json::value& effort) {
    struct Level {
      std::string_view effort, flash, pro;
    };
    static constexpr Level kLevels[] = {{"none", "MINIMAL", ""},  {"minimal", "MINIMAL", "LOW"},
                                        {"low", "LOW", "LOW"},    {"medium", "MEDIUM", "HIGH"},
                                        {"high", "HIGH", "HIGH"}, {"xhigh", "HIGH", "HIGH"},
                                        {"max", "HIGH", "HIGH"}};
    if (!effort.is_string()) return invalidEffort();
    for (const auto& level : kLevels) {
      if (effort.get_string() != level.effort) continue;
      const auto name = traits_.flash ? level.flash : level.pro;
      if (name.empty())
        return invalid(
            "reasoning_effort 'none' is not available on this model: Gemini 3 Pro models cannot "
            "turn thinking off (use 'minimal' or 'low')",
            "reasoning_effort");
      writeThinkingConfig(std::nullopt, name, level.effort != "none");
      return std::nullopt;
    }
    return invalidEffort();
  }

  // The `thinking` request field (Anthropic's shape, which Envoy AI Gateway also reads):
  // {"type":"enabled","budget_tokens":N} → thinkingBudget N; {"type":"adaptive"} → the model's own
  // dynamic thinking (budget -1 before Gemini 3); {"type":"disabled"} → budget 0, or on Gemini 3
  // Flash the MINIMAL level (Gemini 3 Pro cannot turn thinking off: 400). Thoughts are included
  // unless `display` is "omitted".
  std::optional<Error> writeThinkingField(const json::value& value) {
    if (!value.is_object())
      return invalid(
          "thinking must be an object: {\"type\": \"enabled\", \"budget_tokens\": N}, "
          "{\"type\": \"adaptive\"} or {\"type\": \"disabled\"}",
          "thinking");
    const auto& object = value.get_object();
    bool thoughts = true;
    if (const auto* display = object.if_contains("display"); display && !display->is_null()) {
      if (display->is_string() && display->get_string() == "omitted")
        thoughts = false;
      else if (!(display->is_string() && display->get_string() == "summarized"))
        return invalid("thinking.display must be 'summarized' or 'omitted'", "thinking.display");
    }
    const auto* type = memberString(&object, "type");
    if (type && *type == "enabled") {
      const auto* budgetValue = object.if_contains("budget_tokens");
      const auto budget = budgetValue ? asInteger(*budgetValue) : std::nullopt;
      if (!budget || *budget < 1 || *budget > std::numeric_limits<std::int32_t>::max())
        return invalid("thinking.budget_tokens must be an integer between 1 and 2147483647",
                       "thinking.budget_tokens");
      writeThinkingConfig(static_cast<int>(*budget), {}, thoughts);
      return std::nullopt;
    }
    if (type && *type == "adaptive") {
      if (traits_.gemini3) {
        if (thoughts) writeThinkingConfig(std::nullopt, {}, true);
      } else {
        writeThinkingConfig(-1, {}, thoughts);
      }
      return std::nullopt;
    }
    if (type && *type == "disabled") {
      if (!traits_.gemini3) {
        writeThinkingConfig(0, {}, false);
      } else if (traits_.flash) {
        writeThinkingConfig(std::nullopt, "MINIMAL", false);
      } else {
        return invalid(
            "thinking cannot be disabled on this model: Gemini 3 Pro models always think",
            "thinking.type");
      }
      return std::nullopt;
    }
    return invalid("thinking.type must be 'enabled', 'adaptive' or 'disabled'", "thinking.type");
  }

  // OpenAI fields with no Vertex equivalent. `user` and `metadata` change nothing in the answer
  // and are ignored; `logit_bias` and a paid `service_tier` would, so they are refused rather
  // than dropped.
  std::optional<Error> checkUnmappedFields() {
    if (const auto* bias = fields_.logitBias) {
      if (!bias->is_object()) return invalid("logit_bias must be an object", "logit_bias");
      if (!bias->get_object().empty())
        return invalid(
            "logit_bias is not supported by this backend (Vertex AI Gemini has no token bias)",
            "logit_bias");
    }
    if (const auto* tier = fields_.serviceTier) {
      if (!tier->is_string()) return invalid("service_tier must be a string", "service_tier");
      if (tier->get_string() != "auto" && tier->get_string() != "default")
        return invalid("service_tier '" + std::string(tier->get_string()) +
                           "' is not supported by this backend (only 'auto' and 'default')",
                       "service_tier");
    }
    return std::nullopt;
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

  static std::string_view modelFor(const RequestFields& fields, std::string_view upstreamModel) {
    if (!upstreamModel.empty()) return upstreamModel;
    const auto* model = asString(fields.model);
    return model ? sv(*model) : std::string_view();
  }

  const RequestFields fields_;
  const ModelTraits traits_;
  JsonWriter w_;
  // Inline room for a typical conversation: a heap vector was one allocation per request.
  boost::container::small_vector<Message, 8> messages_;
  std::string_view openRole_;           // role of the content being written, empty before the first
  std::vector<ToolCallRef> lastCalls_;  // tool calls of the latest assistant turn
  boost::container::small_vector<std::size_t, 2> searchTools_;  // indexes of search tools
  bool genOpen_ = false;
  // A thought signature of a thinking block, waiting for the next answer part of the same message.
  std::optional<std::string_view> pendingSignature_;
  // Parsed tool-call arguments live until the body is written; most requests replay no tool call,
  // so the arena is made on first use.
  std::optional<json::monotonic_resource> arena_;
};

}  // namespace

core::Result<std::string> buildTarget(const BackendTarget& target, bool stream) {
  return modelPath(target, stream ? "streamGenerateContent?alt=sse" : "generateContent");
}

core::Result<std::string> translateRequestBody(const boost::json::object& body) {
  return translateRequestBody(body, {});
}

core::Result<std::string> translateRequestBody(const boost::json::object& body,
                                               std::string_view upstreamModel) {
  std::string out;
  out.reserve(1024);
  Translator translator(body, upstreamModel, out);
  if (auto error = translator.run()) return std::move(*error);
  return out;
}

}  // namespace switchyard::providers::vertex
