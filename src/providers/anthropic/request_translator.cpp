#include "providers/anthropic/request_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "providers/vertex/model_path.hpp"

namespace switchyard::providers::anthropic {

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

// `param` followed by a rule: "messages[1].content must be a string or an array of parts".
Error invalidAt(const std::string& param, std::string_view rule) {
  return invalid(param + " " + std::string(rule), param);
}

std::string at(std::string_view base, std::size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

std::string at(std::string_view base, std::string_view member) {
  return std::string(base) + "." + std::string(member);
}

// A member, null read as absent.
const json::value* member(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && !value->is_null() ? value : nullptr;
}

const json::string* memberString(const json::object& object, std::string_view key) {
  const auto* value = member(object, key);
  return value && value->is_string() ? &value->get_string() : nullptr;
}

// A client integer: a JSON integer within int64's range (a double, even 2.0, is refused).
std::optional<std::int64_t> asInteger(const json::value& value) {
  if (value.is_double()) return std::nullopt;
  return toInt64(value);
}

std::optional<double> asNumber(const json::value& value) {
  if (value.is_double()) return value.get_double();
  if (value.is_int64()) return static_cast<double>(value.get_int64());
  if (value.is_uint64()) return static_cast<double>(value.get_uint64());
  return std::nullopt;
}

bool isImageMediaType(std::string_view type) {
  return type == "image/jpeg" || type == "image/png" || type == "image/gif" || type == "image/webp";
}

bool endsWithPdf(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  if (url.size() < 4) return false;
  const auto tail = url.substr(url.size() - 4);
  return (tail[0] == '.') && (tail[1] | 0x20) == 'p' && (tail[2] | 0x20) == 'd' &&
         (tail[3] | 0x20) == 'f';
}

// reasoning_effort → thinking budget. `none` sends no thinking (Claude does not think unless
// asked); 1024 is Claude's smallest budget.
std::optional<std::int64_t> effortBudget(std::string_view effort) {
  static constexpr std::pair<std::string_view, std::int64_t> kBudgets[] = {
      {"none", 0},     {"minimal", 1024}, {"low", 2048}, {"medium", 8192},
      {"high", 16384}, {"xhigh", 24576},  {"max", 32000}};
  for (const auto& [name, budget] : kBudgets)
    if (effort == name) return budget;
  return std::nullopt;
}

enum class Role { System, User, Assistant, Tool };

class RequestWriter {
 public:
  RequestWriter(const json::object& body, std::string_view version, bool stream, std::string& out)
      : body_(body), version_(version), stream_(stream), w_(out) {}

  std::optional<Error> run() {
    const auto* model = memberString(body_, "model");
    if (!model || model->empty()) return invalid("you must provide a model parameter", "model");
    const auto* messagesValue = member(body_, "messages");
    if (!messagesValue || !messagesValue->is_array() || messagesValue->get_array().empty())
      return invalid("messages must be a non-empty array", "messages");
    const auto& messages = messagesValue->get_array();
    if (auto error = checkRefused()) return error;
    if (auto error = readThinking()) return error;
    if (auto error = readMaxTokens()) return error;

    w_.beginObject();
    w_.field("anthropic_version", version_.empty() ? kDefaultAnthropicVersion : version_);
    if (auto error = writeSystem(messages)) return error;
    if (auto error = writeMessages(messages)) return error;
    w_.fieldInt("max_tokens", maxTokens_);
    if (auto error = writeSampling()) return error;
    if (auto error = writeTools()) return error;
    writeThinking();
    if (const auto* user = memberString(body_, "user"); user && !user->empty()) {
      w_.key("metadata");
      w_.beginObject();
      w_.field("user_id", sv(*user));
      w_.endObject();
    } else if (const auto* value = member(body_, "user"); value && !value->is_string()) {
      return invalid("user must be a string", "user");
    }
    if (stream_) {
      w_.key("stream");
      w_.boolean(true);
    }
    w_.endObject();
    return std::nullopt;
  }

 private:
  // ---- fields Claude cannot honour --------------------------------------------------------------

  std::optional<Error> checkRefused() {
    if (const auto* n = member(body_, "n")) {
      const auto count = asInteger(*n);
      if (!count || *count < 1) return invalid("n must be a positive integer", "n");
      if (*count > 1)
        return invalid("n > 1 is not supported by this backend (Claude gives one choice)", "n");
    }
    if (const auto* logprobs = member(body_, "logprobs")) {
      if (!logprobs->is_bool()) return invalid("logprobs must be a boolean", "logprobs");
      if (logprobs->get_bool())
        return invalid("logprobs is not supported by this backend (Claude returns none)",
                       "logprobs");
    }
    if (member(body_, "top_logprobs"))
      return invalid("top_logprobs is not supported by this backend (Claude returns no logprobs)",
                     "top_logprobs");
    for (const std::string_view penalty : {"presence_penalty", "frequency_penalty"}) {
      const auto* value = member(body_, penalty);
      if (!value) continue;
      const auto number = asNumber(*value);
      if (!number) return invalidAt(std::string(penalty), "must be a number");
      if (*number != 0)
        return invalidAt(std::string(penalty),
                         "is not supported by this backend (Claude has no penalties); send 0 or "
                         "leave it out");
    }
    if (const auto* bias = member(body_, "logit_bias")) {
      if (!bias->is_object()) return invalid("logit_bias must be an object", "logit_bias");
      if (!bias->get_object().empty())
        return invalid("logit_bias is not supported by this backend (Claude has no token bias)",
                       "logit_bias");
    }
    if (const auto* format = member(body_, "response_format")) {
      const auto* type = format->is_object() ? memberString(format->get_object(), "type") : nullptr;
      if (!type) return invalid("response_format.type is required", "response_format.type");
      if (*type != "text")
        return invalid("response_format '" + std::string(*type) +
                           "' is not supported by this backend (Claude on Vertex has no JSON "
                           "mode here); use a tool with the schema instead",
                       "response_format");
    }
    if (member(body_, "audio"))
      return invalid("audio output is not supported by this backend", "audio");
    if (const auto* modalities = member(body_, "modalities")) {
      if (!modalities->is_array()) return invalid("modalities must be an array", "modalities");
      for (const auto& item : modalities->get_array())
        if (!(item.is_string() && item.get_string() == "text"))
          return invalid("only the 'text' modality is supported by this backend", "modalities");
    }
    if (member(body_, "prediction"))
      return invalid("prediction is not supported by this backend", "prediction");
    if (member(body_, "web_search_options"))
      return invalid("web_search_options is not supported by this backend", "web_search_options");
    if (const auto* tier = member(body_, "service_tier")) {
      if (!tier->is_string()) return invalid("service_tier must be a string", "service_tier");
      if (tier->get_string() != "auto" && tier->get_string() != "default")
        return invalid("service_tier '" + std::string(tier->get_string()) +
                           "' is not supported by this backend (only 'auto' and 'default')",
                       "service_tier");
    }
    return std::nullopt;
  }

  // ---- thinking and max_tokens -----------------------------------------------------------------

  // Reads `thinking` or `reasoning_effort` (not both) into thinking_ / budget_.
  std::optional<Error> readThinking() {
    const auto* effort = member(body_, "reasoning_effort");
    const auto* thinking = member(body_, "thinking");
    if (effort && thinking)
      return invalid("give either thinking or reasoning_effort, not both", "thinking");
    if (effort) {
      const auto budget = effort->is_string() ? effortBudget(sv(effort->get_string()))
                                              : std::optional<std::int64_t>();
      if (!budget)
        return invalid(
            "reasoning_effort must be one of 'none', 'minimal', 'low', 'medium', 'high', "
            "'xhigh', 'max'",
            "reasoning_effort");
      budget_ = *budget;
      return std::nullopt;
    }
    if (!thinking) return std::nullopt;
    if (!thinking->is_object())
      return invalid(
          "thinking must be an object: {\"type\": \"enabled\", \"budget_tokens\": N}, "
          "{\"type\": \"adaptive\"} or {\"type\": \"disabled\"}",
          "thinking");
    const auto& object = thinking->get_object();
    if (const auto* display = member(object, "display")) {
      if (!(display->is_string() &&
            (display->get_string() == "summarized" || display->get_string() == "omitted")))
        return invalid("thinking.display must be 'summarized' or 'omitted'", "thinking.display");
      display_ = sv(display->get_string());
    }
    const auto* type = memberString(object, "type");
    if (type && *type == "enabled") {
      const auto* value = member(object, "budget_tokens");
      const auto budget = value ? asInteger(*value) : std::nullopt;
      if (!budget || *budget < 1024 || *budget > 100000000)
        return invalid("thinking.budget_tokens must be an integer of at least 1024",
                       "thinking.budget_tokens");
      budget_ = *budget;
      return std::nullopt;
    }
    if (type && (*type == "adaptive" || *type == "disabled")) {
      thinkingType_ = sv(*type);
      return std::nullopt;
    }
    return invalid("thinking.type must be 'enabled', 'adaptive' or 'disabled'", "thinking.type");
  }

  std::optional<Error> readMaxTokens() {
    std::string_view param = "max_completion_tokens";
    const auto* value = member(body_, "max_completion_tokens");
    if (!value) {
      param = "max_tokens";
      value = member(body_, "max_tokens");
    }
    if (!value) {
      maxTokens_ = kDefaultMaxTokens + budget_;
      return std::nullopt;
    }
    const auto limit = asInteger(*value);
    if (!limit || *limit < 1) return invalidAt(std::string(param), "must be a positive integer");
    if (budget_ > 0 && *limit <= budget_)
      return invalidAt(std::string(param),
                       "must be greater than the thinking budget (" + std::to_string(budget_) +
                           " tokens): Claude counts thinking inside max_tokens");
    maxTokens_ = *limit;
    return std::nullopt;
  }

  void writeThinking() {
    if (budget_ == 0 && thinkingType_.empty()) return;
    w_.key("thinking");
    w_.beginObject();
    if (budget_ > 0) {
      w_.field("type", "enabled");
      w_.fieldInt("budget_tokens", budget_);
    } else {
      w_.field("type", thinkingType_);
    }
    if (!display_.empty() && thinkingType_ != "disabled") w_.field("display", display_);
    w_.endObject();
  }

  // ---- sampling
  // ----------------------------------------------------------------------------------

  std::optional<Error> writeSampling() {
    if (const auto* stop = member(body_, "stop")) {
      if (stop->is_string()) {
        if (!stop->get_string().empty()) {
          w_.key("stop_sequences");
          w_.beginArray();
          w_.string(sv(stop->get_string()));
          w_.endArray();
        }
      } else if (stop->is_array()) {
        bool open = false;
        for (const auto& item : stop->get_array()) {
          if (!item.is_string())
            return invalid("stop must be a string or an array of strings", "stop");
          if (item.get_string().empty()) continue;
          if (!open) {
            w_.key("stop_sequences");
            w_.beginArray();
            open = true;
          }
          w_.string(sv(item.get_string()));
        }
        if (open) w_.endArray();
      } else {
        return invalid("stop must be a string or an array of strings", "stop");
      }
    }
    if (const auto* value = member(body_, "temperature")) {
      const auto number = asNumber(*value);
      if (!number || !(*number >= 0 && *number <= 1))
        return invalid(
            "temperature must be a number between 0 and 1 on this backend (Claude's range; "
            "OpenAI's 1 to 2 has no equivalent)",
            "temperature");
      w_.key("temperature");
      if (!w_.value(*value)) return numberOutOfRange("temperature", *value);
    }
    if (const auto* value = member(body_, "top_p")) {
      const auto number = asNumber(*value);
      if (!number || !(*number >= 0 && *number <= 1))
        return invalid("top_p must be a number between 0 and 1", "top_p");
      w_.key("top_p");
      if (!w_.value(*value)) return numberOutOfRange("top_p", *value);
    }
    if (const auto* value = member(body_, "top_k")) {
      const auto k = asInteger(*value);
      if (!k || *k < 1) return invalid("top_k must be a positive integer", "top_k");
      w_.fieldInt("top_k", *k);
    }
    return std::nullopt;
  }

  // ---- tools
  // -------------------------------------------------------------------------------------

  std::optional<Error> writeTools() {
    const auto* tools = member(body_, "tools");
    if (tools && !tools->is_array()) return invalid("tools must be an array", "tools");
    const bool haveTools = tools && !tools->get_array().empty();
    bool disableParallel = false;
    if (const auto* parallel = member(body_, "parallel_tool_calls")) {
      if (!parallel->is_bool())
        return invalid("parallel_tool_calls must be a boolean", "parallel_tool_calls");
      disableParallel = !parallel->get_bool();
    }

    // tool_choice first, so that an invalid one writes nothing.
    std::string_view choiceType;  // auto, any, none, tool; empty: not given
    std::string_view choiceName;
    if (const auto* choice = member(body_, "tool_choice")) {
      if (choice->is_string()) {
        const auto text = sv(choice->get_string());
        if (text == "auto")
          choiceType = "auto";
        else if (text == "none")
          choiceType = "none";
        else if (text == "required")
          choiceType = "any";
      } else if (choice->is_object()) {
        const auto& object = choice->get_object();
        const auto* type = memberString(object, "type");
        const auto* function = member(object, "function");
        const auto* name = function && function->is_object()
                               ? memberString(function->get_object(), "name")
                               : nullptr;
        if (type && *type == "allowed_tools")
          return invalid("tool_choice of type 'allowed_tools' is not supported by this backend",
                         "tool_choice");
        if (type && *type == "function" && name && !name->empty()) {
          choiceType = "tool";
          choiceName = sv(*name);
        } else {
          return invalid(
              "tool_choice must be {\"type\": \"function\", \"function\": {\"name\": ...}}",
              "tool_choice");
        }
      }
      if (choiceType.empty())
        return invalid("tool_choice must be 'none', 'auto', 'required' or a named function",
                       "tool_choice");
      if (!haveTools && (choiceType == "any" || choiceType == "tool"))
        return invalid("tool_choice requires tools", "tool_choice");
    }
    if (!haveTools) return std::nullopt;

    w_.key("tools");
    w_.beginArray();
    const auto& list = tools->get_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string param = at("tools", i);
      if (!list[i].is_object()) return invalidAt(param, "must be an object");
      const auto& tool = list[i].get_object();
      const auto* type = memberString(tool, "type");
      if (type && *type != "function")
        return invalidAt(at(param, "type"), "'" + std::string(*type) +
                                                "' is not supported by this backend (only "
                                                "function tools)");
      const auto* functionValue = member(tool, "function");
      if (!functionValue || !functionValue->is_object())
        return invalidAt(at(param, "function"), "is required and must be an object");
      const auto& function = functionValue->get_object();
      const auto* name = memberString(function, "name");
      if (!name || name->empty())
        return invalidAt(at(param, "function.name"), "is required and must be a string");
      w_.beginObject();
      w_.field("name", sv(*name));
      if (const auto* description = member(function, "description")) {
        if (!description->is_string())
          return invalidAt(at(param, "function.description"), "must be a string");
        w_.field("description", sv(description->get_string()));
      }
      w_.key("input_schema");
      if (const auto* parameters = member(function, "parameters")) {
        if (!parameters->is_object())
          return invalidAt(at(param, "function.parameters"), "must be an object");
        if (!w_.value(*parameters))
          return numberOutOfRange(at(param, "function.parameters"), *parameters);
      } else {
        w_.beginObject();
        w_.field("type", "object");
        w_.key("properties");
        w_.beginObject();
        w_.endObject();
        w_.endObject();
      }
      const auto* cache = member(tool, "cache_control");
      if (!cache) cache = member(function, "cache_control");
      if (cache) {
        if (auto error = writeCacheControl(*cache, at(param, "cache_control"))) return error;
      }
      w_.endObject();
    }
    w_.endArray();

    if (choiceType.empty() && disableParallel) choiceType = "auto";
    if (!choiceType.empty()) {
      w_.key("tool_choice");
      w_.beginObject();
      w_.field("type", choiceType);
      if (choiceType == "tool") w_.field("name", choiceName);
      if (disableParallel && choiceType != "none") {
        w_.key("disable_parallel_tool_use");
        w_.boolean(true);
      }
      w_.endObject();
    }
    return std::nullopt;
  }

  std::optional<Error> writeCacheControl(const json::value& cache, const std::string& param) {
    if (!cache.is_object()) return invalidAt(param, "must be an object");
    w_.key("cache_control");
    if (!w_.value(cache)) return numberOutOfRange(param, cache);
    return std::nullopt;
  }

  // ---- messages
  // ----------------------------------------------------------------------------------

  static std::optional<Role> roleOf(const json::object& message) {
    const auto* role = memberString(message, "role");
    if (!role) return std::nullopt;
    if (*role == "system" || *role == "developer") return Role::System;
    if (*role == "user") return Role::User;
    if (*role == "assistant") return Role::Assistant;
    if (*role == "tool") return Role::Tool;
    return std::nullopt;
  }

  std::optional<Error> checkMessage(const json::value& value, std::size_t i,
                                    std::optional<Role>& role) {
    const std::string param = at("messages", i);
    if (!value.is_object()) return invalidAt(param, "must be an object");
    role = roleOf(value.get_object());
    if (!role)
      return invalidAt(at(param, "role"),
                       "must be one of 'system', 'developer', 'user', 'assistant', 'tool'");
    return std::nullopt;
  }

  // The top-level `system` blocks, from every system and developer message in order.
  std::optional<Error> writeSystem(const json::array& messages) {
    for (std::size_t i = 0; i < messages.size(); ++i) {
      std::optional<Role> role;
      if (auto error = checkMessage(messages[i], i, role)) return error;
      if (*role != Role::System) continue;
      const auto& message = messages[i].get_object();
      const std::string param = at(at("messages", i), "content");
      const auto* content = member(message, "content");
      if (!content) return invalidAt(param, "is required");
      if (content->is_string()) {
        textBlock(sv(content->get_string()));
      } else if (content->is_array()) {
        const auto& parts = content->get_array();
        for (std::size_t j = 0; j < parts.size(); ++j) {
          const std::string partParam = at(param, j);
          const auto* part = parts[j].is_object() ? &parts[j].get_object() : nullptr;
          const auto* type = part ? memberString(*part, "type") : nullptr;
          const auto* text = part ? memberString(*part, "text") : nullptr;
          if (!type || *type != "text" || !text)
            return invalidAt(partParam, "must be a text part in a system message");
          if (!textBlock(sv(*text))) continue;
          if (const auto* cache = member(*part, "cache_control")) {
            if (auto error = writeCacheControl(*cache, at(partParam, "cache_control")))
              return error;
            blockCached_ = true;
          }
        }
      } else {
        return invalidAt(param, "must be a string or an array of text parts");
      }
      if (auto error = endMessageBlocks(message, at("messages", i))) return error;
    }
    closeBlock();
    if (systemOpen_) w_.endArray();
    return std::nullopt;
  }

  std::optional<Error> writeMessages(const json::array& messages) {
    w_.key("messages");
    w_.beginArray();
    for (std::size_t i = 0; i < messages.size(); ++i) {
      const auto& message = messages[i].get_object();
      const std::string param = at("messages", i);
      std::optional<Error> error;
      switch (*roleOf(message)) {
        case Role::System:
          continue;
        case Role::User:
          error = userMessage(message, param);
          break;
        case Role::Assistant:
          error = assistantMessage(message, param);
          break;
        case Role::Tool:
          error = toolMessage(message, param);
          break;
      }
      if (error) return error;
      if (auto end = endMessageBlocks(message, param)) return end;
    }
    closeBlock();
    if (!openRole_.empty()) {
      w_.endArray();
      w_.endObject();
    }
    w_.endArray();
    return std::nullopt;
  }

  std::optional<Error> userMessage(const json::object& message, const std::string& param) {
    const auto* content = member(message, "content");
    const std::string contentParam = at(param, "content");
    if (!content) return invalidAt(contentParam, "is required");
    if (content->is_string()) {
      if (!content->get_string().empty()) {
        openBlockIn("user");
        writeText(sv(content->get_string()));
      }
      return std::nullopt;
    }
    if (!content->is_array())
      return invalidAt(contentParam, "must be a string or an array of parts");
    return userParts(content->get_array(), contentParam, "user");
  }

  // Text, image and file parts (of a user message, or of a tool result's content).
  std::optional<Error> userParts(const json::array& parts, const std::string& param,
                                 std::string_view role) {
    for (std::size_t j = 0; j < parts.size(); ++j) {
      const std::string partParam = at(param, j);
      if (!parts[j].is_object()) return invalidAt(partParam, "must be an object");
      const auto& part = parts[j].get_object();
      const auto* type = memberString(part, "type");
      if (!type) return invalidAt(at(partParam, "type"), "is required and must be a string");
      bool wrote = false;
      if (*type == "text") {
        const auto* text = memberString(part, "text");
        if (!text) return invalidAt(at(partParam, "text"), "is required and must be a string");
        if (!text->empty()) {
          openBlockIn(role);
          writeText(sv(*text));
          wrote = true;
        }
      } else if (*type == "image_url") {
        const auto* image = member(part, "image_url");
        const auto* url =
            image && image->is_object() ? memberString(image->get_object(), "url") : nullptr;
        if (!url)
          return invalidAt(at(partParam, "image_url.url"), "is required and must be a string");
        if (auto error = mediaBlock(sv(*url), at(partParam, "image_url.url"), role)) return error;
        wrote = true;
      } else if (*type == "file") {
        const auto* file = member(part, "file");
        const auto* data =
            file && file->is_object() ? memberString(file->get_object(), "file_data") : nullptr;
        if (!data)
          return invalidAt(at(partParam, "file"),
                           "must carry file_data (a data URL); file_id is not supported by this "
                           "backend");
        if (auto error = mediaBlock(sv(*data), at(partParam, "file.file_data"), role)) return error;
        wrote = true;
      } else if (*type == "input_audio") {
        return invalidAt(partParam, "is audio, which this backend does not take");
      } else {
        return invalidAt(at(partParam, "type"), "'" + std::string(*type) + "' is not supported");
      }
      if (wrote) {
        if (const auto* cache = member(part, "cache_control")) {
          if (auto error = writeCacheControl(*cache, at(partParam, "cache_control"))) return error;
          blockCached_ = true;
        }
      }
    }
    return std::nullopt;
  }

  // An image (or PDF) from a data URL or an http(s) URL.
  std::optional<Error> mediaBlock(std::string_view url, const std::string& param,
                                  std::string_view role) {
    if (url.starts_with("data:")) {
      const auto comma = url.find(',');
      const auto header = url.substr(5, comma == std::string_view::npos ? 0 : comma - 5);
      if (comma == std::string_view::npos || !header.ends_with(";base64"))
        return invalidAt(param, "must be a base64 data URL (data:<type>;base64,<data>)");
      const auto mediaType = header.substr(0, header.find(';'));
      const auto data = url.substr(comma + 1);
      const bool pdf = mediaType == "application/pdf";
      if (!pdf && !isImageMediaType(mediaType))
        return invalidAt(param, "has media type '" + std::string(mediaType) +
                                    "'; this backend takes image/jpeg, image/png, image/gif, "
                                    "image/webp and application/pdf");
      openBlockIn(role);
      w_.field("type", pdf ? "document" : "image");
      w_.key("source");
      w_.beginObject();
      w_.field("type", "base64");
      w_.field("media_type", mediaType);
      w_.field("data", data);
      w_.endObject();
      return std::nullopt;
    }
    if (url.starts_with("https://") || url.starts_with("http://")) {
      openBlockIn(role);
      w_.field("type", endsWithPdf(url) ? "document" : "image");
      w_.key("source");
      w_.beginObject();
      w_.field("type", "url");
      w_.field("url", url);
      w_.endObject();
      return std::nullopt;
    }
    return invalidAt(param, "must be an http(s) URL or a base64 data URL");
  }

  std::optional<Error> assistantMessage(const json::object& message, const std::string& param) {
    // Thinking blocks first: Claude wants them before the answer they led to.
    if (const auto* blocks = member(message, "thinking_blocks")) {
      if (!blocks->is_array()) return invalidAt(at(param, "thinking_blocks"), "must be an array");
      const auto& list = blocks->get_array();
      for (std::size_t k = 0; k < list.size(); ++k) {
        if (!list[k].is_object())
          return invalidAt(at(at(param, "thinking_blocks"), k), "must be an object");
        if (auto error = thinkingBlock(list[k].get_object(), at(at(param, "thinking_blocks"), k)))
          return error;
      }
    }
    if (const auto* content = member(message, "content")) {
      const std::string contentParam = at(param, "content");
      if (content->is_string()) {
        if (!content->get_string().empty()) {
          openBlockIn("assistant");
          writeText(sv(content->get_string()));
        }
      } else if (content->is_array()) {
        const auto& parts = content->get_array();
        for (std::size_t j = 0; j < parts.size(); ++j) {
          const std::string partParam = at(contentParam, j);
          if (!parts[j].is_object()) return invalidAt(partParam, "must be an object");
          const auto& part = parts[j].get_object();
          const auto* type = memberString(part, "type");
          if (!type) return invalidAt(at(partParam, "type"), "is required and must be a string");
          if (*type == "thinking" || *type == "redacted_thinking") {
            if (auto error = thinkingBlock(part, partParam)) return error;
            continue;
          }
          const bool refusal = *type == "refusal";
          if (*type != "text" && !refusal)
            return invalidAt(at(partParam, "type"),
                             "must be 'text', 'refusal', 'thinking' or 'redacted_thinking' in an "
                             "assistant message");
          const auto* text = memberString(part, refusal ? "refusal" : "text");
          if (!text)
            return invalidAt(at(partParam, refusal ? "refusal" : "text"),
                             "is required and must be a string");
          if (text->empty()) continue;
          openBlockIn("assistant");
          writeText(sv(*text));
          if (const auto* cache = member(part, "cache_control")) {
            if (auto error = writeCacheControl(*cache, at(partParam, "cache_control")))
              return error;
            blockCached_ = true;
          }
        }
      } else {
        return invalidAt(contentParam, "must be a string, an array of parts or null");
      }
    }
    if (const auto* calls = member(message, "tool_calls")) {
      if (!calls->is_array()) return invalidAt(at(param, "tool_calls"), "must be an array");
      const auto& list = calls->get_array();
      for (std::size_t k = 0; k < list.size(); ++k) {
        if (auto error = toolUse(list[k], at(at(param, "tool_calls"), k))) return error;
      }
    }
    return std::nullopt;
  }

  // A thinking block sent back: only with its signature (Claude verifies it).
  std::optional<Error> thinkingBlock(const json::object& block, const std::string& param) {
    const auto* type = memberString(block, "type");
    if (type && *type == "redacted_thinking") {
      const auto* data = memberString(block, "data");
      if (!data) return invalidAt(at(param, "data"), "is required and must be a string");
      openBlockIn("assistant");
      w_.field("type", "redacted_thinking");
      w_.field("data", sv(*data));
      return std::nullopt;
    }
    if (!type || *type != "thinking")
      return invalidAt(at(param, "type"), "must be 'thinking' or 'redacted_thinking'");
    const auto* signature = memberString(block, "signature");
    if (!signature || signature->empty()) return std::nullopt;  // not replayable
    const auto* text = memberString(block, "thinking");
    if (!text) text = memberString(block, "text");
    openBlockIn("assistant");
    w_.field("type", "thinking");
    w_.field("thinking", text ? sv(*text) : std::string_view());
    w_.field("signature", sv(*signature));
    return std::nullopt;
  }

  std::optional<Error> toolUse(const json::value& value, const std::string& param) {
    if (!value.is_object()) return invalidAt(param, "must be an object");
    const auto& call = value.get_object();
    const auto* id = memberString(call, "id");
    if (!id || id->empty()) return invalidAt(at(param, "id"), "is required and must be a string");
    const auto* type = memberString(call, "type");
    if (type && *type != "function") return invalidAt(at(param, "type"), "must be 'function'");
    const auto* functionValue = member(call, "function");
    if (!functionValue || !functionValue->is_object())
      return invalidAt(at(param, "function"), "is required and must be an object");
    const auto& function = functionValue->get_object();
    const auto* name = memberString(function, "name");
    if (!name || name->empty())
      return invalidAt(at(param, "function.name"), "is required and must be a string");
    const auto* arguments = memberString(function, "arguments");
    const std::string argumentsParam = at(param, "function.arguments");
    if (member(function, "arguments") && !arguments)
      return invalidAt(argumentsParam, "must be a string of JSON");
    if (!arena_) arena_.emplace();
    json::value input;
    if (arguments && !arguments->empty()) {
      boost::system::error_code ec;
      input = json::parse(sv(*arguments), ec, json::storage_ptr(&*arena_));
      if (ec || !input.is_object())
        return invalidAt(argumentsParam, "must be a JSON object (Claude's tool input)");
    }
    openBlockIn("assistant");
    w_.field("type", "tool_use");
    w_.field("id", sv(*id));
    w_.field("name", sv(*name));
    w_.key("input");
    if (input.is_object()) {
      if (!w_.value(input)) return numberOutOfRange(argumentsParam, input);
    } else {
      w_.beginObject();
      w_.endObject();
    }
    if (const auto* cache = member(call, "cache_control")) {
      if (auto error = writeCacheControl(*cache, at(param, "cache_control"))) return error;
      blockCached_ = true;
    }
    return std::nullopt;
  }

  std::optional<Error> toolMessage(const json::object& message, const std::string& param) {
    const auto* id = memberString(message, "tool_call_id");
    if (!id || id->empty())
      return invalidAt(at(param, "tool_call_id"), "is required and must be a string");
    const auto* content = member(message, "content");
    const std::string contentParam = at(param, "content");
    if (!content) return invalidAt(contentParam, "is required");
    if (!content->is_string() && !content->is_array())
      return invalidAt(contentParam, "must be a string or an array of parts");
    openBlockIn("user");
    w_.field("type", "tool_result");
    w_.field("tool_use_id", sv(*id));
    if (content->is_string()) {
      // An empty result is sent without content (Claude refuses empty text).
      if (!content->get_string().empty()) w_.field("content", sv(content->get_string()));
      return std::nullopt;
    }
    // The result's own blocks, written inside it: the tool_result object stays open around them.
    w_.key("content");
    w_.beginArray();
    blockOpen_ = false;
    nested_ = true;
    auto error = userParts(content->get_array(), contentParam, "user");
    closeBlock();
    nested_ = false;
    w_.endArray();
    blockOpen_ = true;  // the tool_result block itself
    blockCached_ = false;
    return error;
  }

  // ---- blocks
  // ------------------------------------------------------------------------------------

  // Starts a block in a message of `role` (Claude's): a new message when the role changes. Inside
  // a tool result's content only the block is started.
  void openBlockIn(std::string_view role) {
    closeBlock();
    if (!nested_ && openRole_ != role) {
      if (!openRole_.empty()) {
        w_.endArray();
        w_.endObject();
      }
      w_.beginObject();
      w_.field("role", role);
      w_.key("content");
      w_.beginArray();
      openRole_ = role;
    }
    w_.beginObject();
    blockOpen_ = true;
    blockCached_ = false;
    wroteInMessage_ = true;
  }

  // A text block in the `system` array (no role): false when the text is empty (skipped).
  bool textBlock(std::string_view text) {
    if (text.empty()) return false;
    closeBlock();
    if (!systemOpen_) {
      w_.key("system");
      w_.beginArray();
      systemOpen_ = true;
    }
    w_.beginObject();
    blockOpen_ = true;
    blockCached_ = false;
    wroteInMessage_ = true;
    writeText(text);
    return true;
  }

  void writeText(std::string_view text) {
    w_.field("type", "text");
    w_.field("text", text);
  }

  void closeBlock() {
    if (!blockOpen_) return;
    w_.endObject();
    blockOpen_ = false;
    blockCached_ = false;
  }

  // A message's own `cache_control` goes on the last block it produced.
  std::optional<Error> endMessageBlocks(const json::object& message, const std::string& param) {
    const bool wrote = wroteInMessage_;
    wroteInMessage_ = false;
    const auto* cache = member(message, "cache_control");
    if (!cache) return std::nullopt;
    if (!wrote || !blockOpen_) return std::nullopt;
    if (blockCached_) return std::nullopt;  // the part's own setting wins
    auto error = writeCacheControl(*cache, at(param, "cache_control"));
    blockCached_ = true;
    return error;
  }

  const json::object& body_;
  const std::string_view version_;
  const bool stream_;
  JsonWriter w_;

  std::int64_t budget_ = 0;        // thinking budget (enabled), 0: none
  std::string_view thinkingType_;  // adaptive or disabled, when given as such
  std::string_view display_;
  std::int64_t maxTokens_ = kDefaultMaxTokens;

  std::string_view openRole_;    // role of the Claude message being written, empty before
  bool blockOpen_ = false;       // a block object is open (members may still be added)
  bool blockCached_ = false;     // ... and has its cache_control
  bool wroteInMessage_ = false;  // the current OpenAI message produced a block
  bool nested_ = false;          // writing a tool result's content blocks
  bool systemOpen_ = false;      // the `system` array has been started
  std::optional<json::monotonic_resource> arena_;  // parsed tool-call arguments
};

}  // namespace

core::Result<std::string> buildTarget(const BackendTarget& target, bool stream) {
  return vertex::publisherModelPath(target, "anthropic",
                                    stream ? "streamRawPredict" : "rawPredict");
}

core::Result<std::string> translateRequestBody(const boost::json::object& body,
                                               std::string_view anthropicVersion, bool stream) {
  std::string out;
  out.reserve(1024);
  RequestWriter writer(body, anthropicVersion, stream, out);
  if (auto error = writer.run()) return std::move(*error);
  return out;
}

}  // namespace switchyard::providers::anthropic
