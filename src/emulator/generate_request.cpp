#include "emulator/generate_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <array>
#include <cctype>

#include "emulator/base64.hpp"
#include "emulator/json_fields.hpp"

namespace switchyard::emulator {

namespace json = boost::json;

namespace {

using ValidationResult = boost::system::result<void, GoogleError>;

GoogleError invalid(std::string message) { return GoogleError{400, std::move(message), {}}; }

GoogleError unknownName(std::string_view name, std::string_view at) {
  std::string message = "Invalid JSON payload received. Unknown name \"" + std::string(name) + "\"";
  if (!at.empty()) message += " at '" + std::string(at) + "'";
  return invalid(message + ": Cannot find field.");
}

// Rejects members whose camelCase form is not in `known`, as proto3 JSON parsing does.
template <std::size_t N>
ValidationResult checkNames(const json::object& object,
                            const std::array<std::string_view, N>& known, std::string_view at) {
  for (const auto& member : object) {
    const std::string camel = camelCase(member.key());
    if (std::find(known.begin(), known.end(), camel) == known.end()) {
      return unknownName(member.key(), at);
    }
  }
  return {};
}

constexpr std::array<std::string_view, 10> kRequestFields = {
    "contents",   "systemInstruction", "tools",
    "toolConfig", "generationConfig",  "safetySettings",
    "labels",     "cachedContent",     "modelArmorConfig",
    "model"};

constexpr std::array<std::string_view, 7> kDataMembers = {
    "text",           "inlineData",         "fileData", "functionCall", "functionResponse",
    "executableCode", "codeExecutionResult"};

constexpr std::array<std::string_view, 11> kPartFields = {
    "text",           "inlineData",          "fileData", "functionCall",     "functionResponse",
    "executableCode", "codeExecutionResult", "thought",  "thoughtSignature", "videoMetadata",
    "mediaResolution"};

constexpr std::array<std::string_view, 23> kGenerationConfigFields = {"temperature",
                                                                      "topP",
                                                                      "topK",
                                                                      "candidateCount",
                                                                      "maxOutputTokens",
                                                                      "stopSequences",
                                                                      "presencePenalty",
                                                                      "frequencyPenalty",
                                                                      "seed",
                                                                      "responseMimeType",
                                                                      "responseSchema",
                                                                      "responseJsonSchema",
                                                                      "responseLogprobs",
                                                                      "logprobs",
                                                                      "thinkingConfig",
                                                                      "responseModalities",
                                                                      "mediaResolution",
                                                                      "routingConfig",
                                                                      "speechConfig",
                                                                      "imageConfig",
                                                                      "audioTimestamp",
                                                                      "enableAffectiveDialog",
                                                                      "modelConfig"};

constexpr std::string_view kNoParts =
    "Unable to submit request because it must include at least one parts field, which describes "
    "the "
    "prompt input. Learn more: "
    "https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini";

constexpr std::string_view kFunctionResponseCount =
    "Please ensure that the number of function response parts is equal to the number of function "
    "call parts of the function call turn.";

constexpr std::string_view kFunctionCallTurnOrder =
    "Please ensure that function call turn comes immediately after a user turn or after a function "
    "response turn.";

bool validFunctionName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!std::isalpha(static_cast<unsigned char>(name[0])) && name[0] != '_') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
  });
}

std::string at(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

// An enum value as proto3 JSON reads it: one of the names (numbers are not used by our clients).
template <std::size_t N>
bool oneOf(const json::value& value, const std::array<std::string_view, N>& names) {
  return value.is_string() &&
         std::find(names.begin(), names.end(), std::string_view(value.as_string())) != names.end();
}

GoogleError invalidEnum(std::string_view where, std::string_view type, const json::value& value) {
  return invalid("Invalid value at '" + std::string(where) + "' (type.googleapis.com/" +
                 std::string(type) + "), " + json::serialize(value));
}

// Part.media_resolution: {"level": PartMediaResolutionLevel}.
ValidationResult checkPartMediaResolution(const json::value& value, const std::string& where) {
  const auto* object = value.if_object();
  if (!object) return invalid("Invalid value at '" + where + "', expected an object");
  constexpr std::array<std::string_view, 1> kFields = {"level"};
  if (auto r = checkNames(*object, kFields, where); !r) return r;
  constexpr std::array<std::string_view, 5> kLevels = {
      "MEDIA_RESOLUTION_UNSPECIFIED", "MEDIA_RESOLUTION_LOW", "MEDIA_RESOLUTION_MEDIUM",
      "MEDIA_RESOLUTION_HIGH", "MEDIA_RESOLUTION_ULTRA_HIGH"};
  if (const auto* level = field(*object, "level"); level && !oneOf(*level, kLevels))
    return invalidEnum(where + ".level", "google.cloud.aiplatform.v1.PartMediaResolutionLevel",
                       *level);
  return {};
}

struct PartCounts {
  int functionCalls = 0;
  int functionResponses = 0;
  int text = 0;
};

// One Part: exactly one data member, each member well formed.
boost::system::result<PartCounts, GoogleError> checkPart(const json::value& value,
                                                         const std::string& where) {
  const auto* part = value.if_object();
  if (!part)
    return invalid("Invalid value at '" + where +
                   "' (type.googleapis.com/google.cloud.aiplatform.v1.Part), expected an object");
  if (auto r = checkNames(*part, kPartFields, where); !r) return r.error();

  std::string_view first;
  for (const auto& member : *part) {
    const std::string camel = camelCase(member.key());
    if (std::find(kDataMembers.begin(), kDataMembers.end(), camel) == kDataMembers.end()) continue;
    if (!first.empty()) {
      return invalid(
          "Invalid JSON payload received. Oneof field 'data' is already set. Cannot set '" +
          std::string(member.key()) + "'");
    }
    first = member.key();
  }
  if (first.empty()) {
    return invalid(
        "Unable to submit request because it has an empty part at '" + where +
        "'. Each part needs one of text, inlineData, fileData, functionCall or functionResponse.");
  }

  PartCounts counts;
  if (const auto* thought = field(*part, "thought"); thought && !thought->is_bool())
    return invalid("Invalid value at '" + where + ".thought' (TYPE_BOOL)");
  if (const auto* resolution = field(*part, "mediaResolution")) {
    if (auto r = checkPartMediaResolution(*resolution, where + ".media_resolution"); !r)
      return r.error();
  }
  if (const auto* sig = field(*part, "thoughtSignature")) {
    if (!sig->is_string() || !base64Decode(sig->as_string())) {
      return invalid("Invalid value at '" + where +
                     ".thought_signature' (TYPE_BYTES), Base64 decoding failed");
    }
  }
  if (const auto* text = field(*part, "text")) {
    if (!text->is_string()) return invalid("Invalid value at '" + where + ".text' (TYPE_STRING)");
    ++counts.text;
  } else if (const auto* inline_ = field(*part, "inlineData")) {
    const auto* blob = inline_->if_object();
    if (!blob || stringField(*blob, "mimeType").empty()) {
      return invalid(
          "Unable to submit request because it has an empty inlineData.mimeType parameter at '" +
          where + "'.");
    }
    const auto* data = field(*blob, "data");
    if (!data || !data->is_string() || !base64Decode(data->as_string())) {
      return invalid("Invalid value at '" + where +
                     ".inline_data.data' (TYPE_BYTES), Base64 decoding failed");
    }
  } else if (const auto* file = field(*part, "fileData")) {
    const auto* f = file->if_object();
    if (!f || stringField(*f, "mimeType").empty() || stringField(*f, "fileUri").empty()) {
      return invalid("Unable to submit request because fileData at '" + where +
                     "' needs both mimeType and fileUri.");
    }
  } else if (const auto* call = field(*part, "functionCall")) {
    const auto* c = call->if_object();
    if (!c || stringField(*c, "name").empty()) {
      return invalid("Unable to submit request because functionCall at '" + where +
                     "' has no name.");
    }
    if (const auto* args = field(*c, "args"); args && !args->is_object()) {
      return invalid(
          "Invalid value at '" + where +
          ".function_call.args' (type.googleapis.com/google.protobuf.Struct), expected an object");
    }
    ++counts.functionCalls;
  } else if (const auto* response = field(*part, "functionResponse")) {
    const auto* r = response->if_object();
    if (!r || stringField(*r, "name").empty()) {
      return invalid("Unable to submit request because functionResponse at '" + where +
                     "' has no name.");
    }
    if (const auto* body = field(*r, "response"); body && !body->is_object()) {
      return invalid("Invalid value at '" + where +
                     ".function_response.response' (type.googleapis.com/google.protobuf.Struct), "
                     "expected an object");
    }
    ++counts.functionResponses;
  }
  return counts;
}

ValidationResult checkContents(const json::object& request, std::string_view model) {
  const auto* contents = arrayField(request, "contents");
  if (!contents || contents->empty()) return invalid("contents is not specified");

  std::vector<PartCounts> turns;
  std::vector<std::string_view> roles;
  for (std::size_t i = 0; i < contents->size(); ++i) {
    const std::string where = at("contents", i);
    const auto* content = (*contents)[i].if_object();
    if (!content)
      return invalid(
          "Invalid value at '" + where +
          "' (type.googleapis.com/google.cloud.aiplatform.v1.Content), expected an object");
    constexpr std::array<std::string_view, 2> kContentFields = {"role", "parts"};
    if (auto r = checkNames(*content, kContentFields, where); !r) return r;
    const auto* roleValue = field(*content, "role");
    std::string_view role =
        roleValue && roleValue->is_string() ? std::string_view(roleValue->as_string()) : "";
    if (roleValue && role != "user" && role != "model")
      return invalid("Please use a valid role: user, model.");
    if (role.empty()) role = "user";
    const auto* parts = arrayField(*content, "parts");
    if (!parts || parts->empty()) return invalid(std::string(kNoParts));
    PartCounts turn;
    for (std::size_t j = 0; j < parts->size(); ++j) {
      auto counts = checkPart((*parts)[j], where + ".parts[" + std::to_string(j) + "]");
      if (!counts) return counts.error();
      turn.functionCalls += counts->functionCalls;
      turn.functionResponses += counts->functionResponses;
      turn.text += counts->text;
    }
    turns.push_back(turn);
    roles.push_back(role);
  }

  for (std::size_t i = 0; i < turns.size(); ++i) {
    if (turns[i].functionCalls > 0 && (i == 0 || roles[i - 1] != "user")) {
      return invalid(std::string(kFunctionCallTurnOrder));
    }
    if (turns[i].functionResponses > 0) {
      const bool answersCall = i > 0 && roles[i - 1] == "model" &&
                               turns[i - 1].functionCalls == turns[i].functionResponses;
      if (!answersCall) return invalid(std::string(kFunctionResponseCount));
    }
    if (turns[i].functionCalls > 0 &&
        (i + 1 >= turns.size() || turns[i + 1].functionResponses != turns[i].functionCalls)) {
      return invalid(std::string(kFunctionResponseCount));
    }
  }

  // Gemini 3 models insist on the thought signature of the first call of each step of the current
  // turn.
  if (model.starts_with("gemini-3")) {
    std::size_t turnStart = 0;
    for (std::size_t i = 0; i < turns.size(); ++i) {
      if (roles[i] == "user" && turns[i].text > 0 && turns[i].functionResponses == 0) turnStart = i;
    }
    for (std::size_t i = turnStart; i < turns.size(); ++i) {
      if (roles[i] != "model" || turns[i].functionCalls == 0) continue;
      const auto& parts = *arrayField((*contents)[i].as_object(), "parts");
      for (std::size_t j = 0; j < parts.size(); ++j) {
        const auto& part = parts[j].as_object();
        const auto* call = objectField(part, "functionCall");
        if (!call) continue;
        if (!field(part, "thoughtSignature")) {
          return invalid(
              "Function call is missing a thought_signature in functionCall parts. This is "
              "required for tools to work correctly, and missing thought_signature may lead "
              "to degraded model performance. Additional data, function call `default_api:" +
              std::string(stringField(*call, "name")) + "` , position " + std::to_string(i + 1) +
              ". Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for "
              "more details.");
        }
        break;  // only the first call of a step carries one
      }
    }
  }
  return {};
}

ValidationResult checkSystemInstruction(const json::object& request) {
  const auto* system = field(request, "systemInstruction");
  if (!system) return {};
  const auto* content = system->if_object();
  const auto* parts = content ? arrayField(*content, "parts") : nullptr;
  if (!parts)
    return invalid(
        "Invalid value at 'system_instruction' "
        "(type.googleapis.com/google.cloud.aiplatform.v1.Content)");
  for (std::size_t j = 0; j < parts->size(); ++j) {
    const std::string where = "system_instruction.parts[" + std::to_string(j) + "]";
    auto counts = checkPart((*parts)[j], where);
    if (!counts) return counts.error();
    if (counts->text == 0)
      return invalid(
          "Unable to submit request because system_instruction accepts text parts only.");
  }
  return {};
}

// v1 Tool members.
constexpr std::array<std::string_view, 9> kToolFields = {
    "functionDeclarations", "retrieval",  "googleSearchRetrieval",
    "googleSearch",         "googleMaps", "enterpriseWebSearch",
    "codeExecution",        "urlContext", "computerUse"};

// Tool.GoogleSearch and EnterpriseWebSearch: excludeDomains and blockingConfidence (v1 has no
// time range filter).
ValidationResult checkSearchTool(const json::value& value, const std::string& where) {
  const auto* options = value.if_object();
  if (!options) return invalid("Invalid value at '" + where + "', expected an object");
  constexpr std::array<std::string_view, 2> kFields = {"excludeDomains", "blockingConfidence"};
  if (auto r = checkNames(*options, kFields, where); !r) return r;
  if (const auto* domains = field(*options, "excludeDomains")) {
    const auto* list = domains->if_array();
    if (!list || !std::all_of(list->begin(), list->end(),
                              [](const json::value& d) { return d.is_string(); }))
      return invalid("Invalid value at '" + where + ".exclude_domains' (TYPE_STRING)");
  }
  constexpr std::array<std::string_view, 7> kThresholds = {"PHISH_BLOCK_THRESHOLD_UNSPECIFIED",
                                                           "BLOCK_LOW_AND_ABOVE",
                                                           "BLOCK_MEDIUM_AND_ABOVE",
                                                           "BLOCK_HIGH_AND_ABOVE",
                                                           "BLOCK_HIGHER_AND_ABOVE",
                                                           "BLOCK_VERY_HIGH_AND_ABOVE",
                                                           "BLOCK_ONLY_EXTREMELY_HIGH"};
  if (const auto* threshold = field(*options, "blockingConfidence");
      threshold && !oneOf(*threshold, kThresholds))
    return invalidEnum(where + ".blocking_confidence",
                       "google.cloud.aiplatform.v1.Tool.PhishBlockThreshold", *threshold);
  return {};
}

ValidationResult checkTools(const json::object& request) {
  if (const auto* tools = field(request, "tools")) {
    if (!tools->is_array()) return invalid("Invalid value at 'tools', expected a list");
    for (std::size_t i = 0; i < tools->as_array().size(); ++i) {
      const auto* tool = tools->as_array()[i].if_object();
      if (!tool) return invalid("Invalid value at '" + at("tools", i) + "', expected an object");
      if (auto r = checkNames(*tool, kToolFields, at("tools", i)); !r) return r;
      for (const std::string_view search : {"googleSearch", "enterpriseWebSearch"}) {
        if (const auto* options = field(*tool, search)) {
          if (auto r = checkSearchTool(*options, at("tools", i) + "." + snakeCase(search)); !r)
            return r;
        }
      }
      const auto* declarations = field(*tool, "functionDeclarations");
      if (!declarations) continue;
      if (!declarations->is_array())
        return invalid("Invalid value at '" + at("tools", i) +
                       ".function_declarations', expected a list");
      for (std::size_t j = 0; j < declarations->as_array().size(); ++j) {
        const std::string where = at("tools", i) + "." + at("function_declarations", j);
        const auto* declaration = declarations->as_array()[j].if_object();
        if (!declaration || !validFunctionName(stringField(*declaration, "name"))) {
          return invalid(
              "* GenerateContentRequest." + where +
              ".name: Invalid function name. Must start with a letter or an underscore. Must "
              "be a-z, A-Z, 0-9, or contain underscores, dots and dashes, with a maximum "
              "length of 64.");
        }
        if (field(*declaration, "parameters") && field(*declaration, "parametersJsonSchema")) {
          return invalid("* GenerateContentRequest." + where +
                         ": parameters and parameters_json_schema are mutually exclusive.");
        }
      }
    }
  }
  if (const auto* config = field(request, "toolConfig")) {
    const auto* object = config->if_object();
    if (!object) return invalid("Invalid value at 'tool_config', expected an object");
    if (const auto* calling = objectField(*object, "functionCallingConfig")) {
      if (const auto* mode = field(*calling, "mode")) {
        const std::string_view m = mode->is_string() ? std::string_view(mode->as_string()) : "";
        if (m != "AUTO" && m != "ANY" && m != "NONE" && m != "VALIDATED") {
          return invalid(
              "Invalid value at 'tool_config.function_calling_config.mode' "
              "(type.googleapis.com/google.cloud.aiplatform.v1.FunctionCallingConfig.Mode), \"" +
              std::string(m) + "\"");
        }
      }
    }
  }
  return {};
}

// google.cloud.aiplatform.v1.Schema (OpenAPI subset): known names, a Type enum, nested schemas.
ValidationResult checkSchema(const json::value& value, const std::string& where, int depth = 0) {
  const auto* schema = value.if_object();
  if (!schema || depth > 32) return invalid("Invalid value at '" + where + "', expected an object");
  constexpr std::array<std::string_view, 25> kSchemaFields = {"type",
                                                              "format",
                                                              "title",
                                                              "description",
                                                              "nullable",
                                                              "default",
                                                              "items",
                                                              "minItems",
                                                              "maxItems",
                                                              "enum",
                                                              "properties",
                                                              "propertyOrdering",
                                                              "required",
                                                              "minProperties",
                                                              "maxProperties",
                                                              "minimum",
                                                              "maximum",
                                                              "minLength",
                                                              "maxLength",
                                                              "pattern",
                                                              "example",
                                                              "anyOf",
                                                              "additionalProperties",
                                                              "ref",
                                                              "defs"};
  if (auto r = checkNames(*schema, kSchemaFields, where); !r) return r;
  constexpr std::array<std::string_view, 8> kTypes = {
      "TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"};
  if (const auto* type = field(*schema, "type"); type && !oneOf(*type, kTypes))
    return invalidEnum(where + ".type", "google.cloud.aiplatform.v1.Type", *type);
  if (const auto* items = field(*schema, "items")) {
    if (auto r = checkSchema(*items, where + ".items", depth + 1); !r) return r;
  }
  if (const auto* properties = field(*schema, "properties")) {
    const auto* map = properties->if_object();
    if (!map) return invalid("Invalid value at '" + where + ".properties', expected an object");
    for (const auto& property : *map) {
      if (auto r =
              checkSchema(property.value(),
                          where + ".properties[" + std::string(property.key()) + "]", depth + 1);
          !r)
        return r;
    }
  }
  if (const auto* anyOf = field(*schema, "anyOf")) {
    const auto* list = anyOf->if_array();
    if (!list) return invalid("Invalid value at '" + where + ".any_of', expected a list");
    for (std::size_t k = 0; k < list->size(); ++k) {
      if (auto r = checkSchema((*list)[k], where + "." + at("any_of", k), depth + 1); !r) return r;
    }
  }
  if (const auto* values = field(*schema, "enum")) {
    const auto* list = values->if_array();
    if (!list || !std::all_of(list->begin(), list->end(),
                              [](const json::value& v) { return v.is_string(); }))
      return invalid("Invalid value at '" + where + ".enum' (TYPE_STRING)");
  }
  return {};
}

// GenerationConfig.ThinkingConfig. Gemini 3 takes a thinking level or a budget (not both); older
// models take a budget only.
ValidationResult checkThinkingConfig(const json::value& value, std::string_view model) {
  const auto* thinking = value.if_object();
  if (!thinking)
    return invalid("Invalid value at 'generation_config.thinking_config', expected an object");
  constexpr std::array<std::string_view, 3> kFields = {"includeThoughts", "thinkingBudget",
                                                       "thinkingLevel"};
  if (auto r = checkNames(*thinking, kFields, "generation_config.thinking_config"); !r) return r;
  if (const auto* include = field(*thinking, "includeThoughts"); include && !include->is_bool())
    return invalid(
        "Invalid value at 'generation_config.thinking_config.include_thoughts' (TYPE_BOOL)");
  const auto* budget = field(*thinking, "thinkingBudget");
  if (budget && !budget->is_int64() && !budget->is_uint64())
    return invalid(
        "Invalid value at 'generation_config.thinking_config.thinking_budget' (TYPE_INT32)");
  const auto* level = field(*thinking, "thinkingLevel");
  if (!level) return {};
  constexpr std::array<std::string_view, 5> kLevels = {"THINKING_LEVEL_UNSPECIFIED", "MINIMAL",
                                                       "LOW", "MEDIUM", "HIGH"};
  if (!oneOf(*level, kLevels))
    return invalidEnum("generation_config.thinking_config.thinking_level",
                       "google.cloud.aiplatform.v1.GenerationConfig.ThinkingConfig.ThinkingLevel",
                       *level);
  if (budget)
    return invalid(
        "Unable to submit request because thinking_budget and thinking_level are mutually "
        "exclusive.");
  if (!model.starts_with("gemini-3"))
    return invalid(
        "Unable to submit request because thinking_level is not supported by this model. Use "
        "thinking_budget instead.");
  if (level->as_string() == "MINIMAL" && model.find("pro") != std::string_view::npos)
    return invalid(
        "Unable to submit request because thinking_level MINIMAL is not supported by this model.");
  return {};
}

ValidationResult checkGenerationConfig(const json::object& request, std::string_view model) {
  const auto* value = field(request, "generationConfig");
  if (!value) return {};
  const auto* config = value->if_object();
  if (!config) return invalid("Invalid value at 'generation_config', expected an object");
  if (auto r = checkNames(*config, kGenerationConfigFields, "generation_config"); !r) return r;
  if (const auto* thinking = field(*config, "thinkingConfig")) {
    if (auto r = checkThinkingConfig(*thinking, model); !r) return r;
  }
  constexpr std::array<std::string_view, 4> kResolutions = {
      "MEDIA_RESOLUTION_UNSPECIFIED", "MEDIA_RESOLUTION_LOW", "MEDIA_RESOLUTION_MEDIUM",
      "MEDIA_RESOLUTION_HIGH"};
  if (const auto* resolution = field(*config, "mediaResolution");
      resolution && !oneOf(*resolution, kResolutions))
    return invalidEnum("generation_config.media_resolution",
                       "google.cloud.aiplatform.v1.GenerationConfig.MediaResolution", *resolution);
  if (const auto* schema = field(*config, "responseSchema")) {
    if (auto r = checkSchema(*schema, "generation_config.response_schema"); !r) return r;
  }

  if (field(*config, "candidateCount")) {
    const long long n = integerField(*config, "candidateCount", 0);
    if (n < 1 || n > 8)
      return invalid(
          "Unable to submit request because candidateCount must be in the range [1, 8].");
  }
  if (field(*config, "maxOutputTokens") && integerField(*config, "maxOutputTokens", 0) < 1) {
    return invalid("Unable to submit request because maxOutputTokens must be at least 1.");
  }
  if (const auto* t = field(*config, "temperature")) {
    if (!t->is_number() || t->to_number<double>() < 0 || t->to_number<double>() > 2) {
      return invalid("Unable to submit request because temperature must be in the range [0, 2].");
    }
  }
  const bool jsonSchema = field(*config, "responseJsonSchema") != nullptr;
  const bool schema = field(*config, "responseSchema") != nullptr;
  if (jsonSchema && schema) {
    return invalid(
        "Unable to submit request because response_schema and response_json_schema are mutually "
        "exclusive.");
  }
  if (jsonSchema || schema) {
    const std::string_view mime = stringField(*config, "responseMimeType");
    if (mime != "application/json" && mime != "text/x.enum") {
      return invalid(
          "Unable to submit request because setting a response schema requires "
          "response_mime_type application/json.");
    }
  }
  return {};
}

}  // namespace

std::optional<ModelCall> parseModelCall(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  const auto segments = url->segments();  // decoded
  std::vector<std::string> parts(segments.begin(), segments.end());
  if (parts.size() != 9) return std::nullopt;
  if ((parts[0] != "v1" && parts[0] != "v1beta1") || parts[1] != "projects" ||
      parts[3] != "locations" || parts[5] != "publishers" || parts[6] != "google" ||
      parts[7] != "models") {
    return std::nullopt;
  }
  const std::string& last = parts[8];
  const auto colon = last.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string_view method = std::string_view(last).substr(colon + 1);
  if (method != "generateContent" && method != "streamGenerateContent" && method != "countTokens")
    return std::nullopt;
  ModelCall call;
  call.apiVersion = parts[0];
  call.project = parts[2];
  call.location = parts[4];
  call.model = last.substr(0, colon);
  call.stream = method == "streamGenerateContent";
  call.countTokens = method == "countTokens";
  for (const auto& param : url->params()) {
    if (param.key == "alt" && param.value == "sse") call.sse = true;
  }
  return call;
}

bool isKnownModel(std::string_view model) {
  constexpr std::string_view kPrefix = "gemini-";
  if (!model.starts_with(kPrefix) || model.size() == kPrefix.size()) return false;
  return std::all_of(model.begin() + kPrefix.size(), model.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
  });
}

GoogleError modelNotFound(const ModelCall& call) {
  return GoogleError{
      404,
      "Publisher Model `projects/" + call.project + "/locations/" + call.location +
          "/publishers/google/models/" + call.model +
          "` was not found or your project does not have access to it. Please ensure "
          "you are using a valid model version. For more information, see: "
          "https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions",
      {}};
}

boost::system::result<json::object, GoogleError> parseGenerateRequest(std::string_view body,
                                                                      std::string_view model) {
  boost::system::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec) return invalid("Invalid JSON payload received. " + ec.message() + ".");
  if (!parsed.is_object()) {
    return invalid("Invalid JSON payload received. Expected an object at the top level.");
  }
  json::object& request = parsed.as_object();
  if (auto r = checkNames(request, kRequestFields, ""); !r) return r.error();
  if (auto r = checkContents(request, model); !r) return r.error();
  if (auto r = checkSystemInstruction(request); !r) return r.error();
  if (auto r = checkTools(request); !r) return r.error();
  if (auto r = checkGenerationConfig(request, model); !r) return r.error();
  return std::move(request);
}

boost::system::result<json::object, GoogleError> parseCountTokensRequest(std::string_view body,
                                                                         std::string_view model) {
  auto parsed = parseGenerateRequest(body, model);
  if (!parsed) return parsed;
  constexpr std::array<std::string_view, 6> kCountFields = {
      "model", "instances", "contents", "systemInstruction", "tools", "generationConfig"};
  if (auto r = checkNames(*parsed, kCountFields, ""); !r) return r.error();
  return parsed;
}

}  // namespace switchyard::emulator
