#include "emulator/claude_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <set>
#include <vector>

#include "emulator/base64.hpp"

namespace switchyard::emulator {

namespace json = boost::json;

namespace {

using Check = boost::system::result<void, AnthropicError>;

AnthropicError invalid(std::string message) { return AnthropicError{400, std::move(message)}; }

std::string join(std::string_view at, std::string_view key) {
  return at.empty() ? std::string(key) : std::string(at) + "." + std::string(key);
}

std::string join(std::string_view at, std::size_t index) { return join(at, std::to_string(index)); }

// Anthropic refuses members it does not know (pydantic's "extra forbidden").
Check onlyFields(const json::object& object, std::initializer_list<std::string_view> known,
                 std::string_view at) {
  for (const auto& member : object) {
    if (std::find(known.begin(), known.end(), member.key()) == known.end())
      return invalid(join(at, member.key()) + ": Extra inputs are not permitted");
  }
  return {};
}

AnthropicError required(std::string_view at) {
  return invalid(std::string(at) + ": Field required");
}

AnthropicError wrongType(std::string_view at, std::string_view what) {
  return invalid(std::string(at) + ": Input should be " + std::string(what));
}

const json::string* stringAt(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_string() : nullptr;
}

bool isInteger(const json::value& v) { return v.is_int64() || v.is_uint64(); }

long long integerOf(const json::value& v) {
  return v.is_int64() ? v.as_int64() : static_cast<long long>(v.as_uint64());
}

bool isNumber(const json::value& v) { return v.is_number(); }

double numberOf(const json::value& v) {
  return v.is_double() ? v.as_double() : static_cast<double>(integerOf(v));
}

Check checkString(const json::object& o, std::string_view key, std::string_view at, bool need) {
  const auto* v = o.if_contains(key);
  if (!v) return need ? Check(required(join(at, key))) : Check();
  if (!v->is_string()) return wrongType(join(at, key), "a valid string");
  return {};
}

Check checkCacheControl(const json::object& block, std::string_view at) {
  const auto* v = block.if_contains("cache_control");
  if (!v || v->is_null()) return {};
  const std::string where = join(at, "cache_control");
  const auto* o = v->if_object();
  if (!o) return wrongType(where, "a valid dictionary");
  if (auto r = onlyFields(*o, {"type", "ttl"}, where); !r) return r;
  const auto* type = stringAt(*o, "type");
  if (!type || *type != "ephemeral") return wrongType(join(where, "type"), "'ephemeral'");
  if (const auto* ttl = o->if_contains("ttl")) {
    if (!ttl->is_string() || (ttl->as_string() != "5m" && ttl->as_string() != "1h"))
      return wrongType(join(where, "ttl"), "'5m' or '1h'");
  }
  return {};
}

Check checkText(const json::object& block, std::string_view at) {
  if (auto r = onlyFields(block, {"type", "text", "cache_control", "citations"}, at); !r) return r;
  if (auto r = checkString(block, "text", at, true); !r) return r;
  if (block.at("text").as_string().empty())
    return invalid("messages: text content blocks must be non-empty");
  return checkCacheControl(block, at);
}

Check checkSource(const json::object& block, std::string_view at, bool document) {
  const std::string where = join(at, "source");
  const auto* v = block.if_contains("source");
  if (!v) return required(where);
  const auto* source = v->if_object();
  if (!source) return wrongType(where, "a valid dictionary");
  const auto* type = stringAt(*source, "type");
  if (!type) return required(join(where, "type"));
  if (*type == "base64") {
    const std::string base = join(where, "base64");
    if (auto r = onlyFields(*source, {"type", "media_type", "data"}, base); !r) return r;
    if (auto r = checkString(*source, "media_type", base, true); !r) return r;
    if (auto r = checkString(*source, "data", base, true); !r) return r;
    const std::string_view media = source->at("media_type").as_string();
    if (document) {
      if (media != "application/pdf")
        return wrongType(join(base, "media_type"), "'application/pdf'");
    } else if (media != "image/jpeg" && media != "image/png" && media != "image/gif" &&
               media != "image/webp") {
      return wrongType(join(base, "media_type"),
                       "'image/jpeg', 'image/png', 'image/gif' or 'image/webp'");
    }
    if (!base64Decode(source->at("data").as_string()))
      return invalid(join(base, "data") + ": The data is not valid base64.");
    return {};
  }
  if (*type == "url") {
    const std::string base = join(where, "url");
    if (auto r = onlyFields(*source, {"type", "url"}, base); !r) return r;
    return checkString(*source, "url", base, true);
  }
  if (*type == "file") {
    const std::string base = join(where, "file");
    if (auto r = onlyFields(*source, {"type", "file_id"}, base); !r) return r;
    return checkString(*source, "file_id", base, true);
  }
  if (document && *type == "text") {
    const std::string base = join(where, "text");
    if (auto r = onlyFields(*source, {"type", "media_type", "data"}, base); !r) return r;
    if (auto r = checkString(*source, "data", base, true); !r) return r;
    const auto* media = stringAt(*source, "media_type");
    if (!media || *media != "text/plain")
      return wrongType(join(base, "media_type"), "'text/plain'");
    return {};
  }
  return invalid(join(where, "type") + ": Input tag '" + std::string(*type) +
                 "' found using 'type' does not match any of the expected tags: " +
                 (document ? "'base64', 'text', 'url', 'file'" : "'base64', 'url', 'file'"));
}

// A content block of a message (or, with `inToolResult`, of a tool_result's content).
Check checkBlock(const json::value& value, std::string_view at, std::string_view role,
                 bool inToolResult) {
  const auto* block = value.if_object();
  if (!block) return wrongType(at, "a valid dictionary");
  const auto* type = stringAt(*block, "type");
  if (!type) return required(join(at, "type"));
  const std::string_view t = *type;
  if (t == "text") return checkText(*block, at);
  if (t == "image") {
    if (auto r = onlyFields(*block, {"type", "source", "cache_control"}, at); !r) return r;
    if (auto r = checkSource(*block, at, false); !r) return r;
    return checkCacheControl(*block, at);
  }
  if (!inToolResult && t == "document") {
    if (auto r = onlyFields(
            *block, {"type", "source", "title", "context", "citations", "cache_control"}, at);
        !r)
      return r;
    if (auto r = checkSource(*block, at, true); !r) return r;
    return checkCacheControl(*block, at);
  }
  if (!inToolResult && t == "tool_use") {
    if (role != "assistant")
      return invalid(std::string(at) + ": `tool_use` blocks may only appear in assistant messages");
    if (auto r = onlyFields(*block, {"type", "id", "name", "input", "cache_control"}, at); !r)
      return r;
    if (auto r = checkString(*block, "id", at, true); !r) return r;
    if (auto r = checkString(*block, "name", at, true); !r) return r;
    const auto* input = block->if_contains("input");
    if (!input) return required(join(at, "input"));
    if (!input->is_object()) return wrongType(join(at, "input"), "a valid dictionary");
    return checkCacheControl(*block, at);
  }
  if (!inToolResult && t == "tool_result") {
    if (role != "user")
      return invalid(std::string(at) + ": `tool_result` blocks may only appear in user messages");
    if (auto r =
            onlyFields(*block, {"type", "tool_use_id", "content", "is_error", "cache_control"}, at);
        !r)
      return r;
    if (auto r = checkString(*block, "tool_use_id", at, true); !r) return r;
    if (const auto* isError = block->if_contains("is_error"); isError && !isError->is_bool())
      return wrongType(join(at, "is_error"), "a valid boolean");
    if (const auto* content = block->if_contains("content")) {
      if (const auto* list = content->if_array()) {
        for (std::size_t i = 0; i < list->size(); ++i) {
          if (auto r = checkBlock((*list)[i], join(join(at, "content"), i), role, true); !r)
            return r;
        }
      } else if (!content->is_string()) {
        return wrongType(join(at, "content"), "a valid string or a valid list");
      }
    }
    return checkCacheControl(*block, at);
  }
  if (!inToolResult && t == "thinking") {
    if (role != "assistant")
      return invalid(std::string(at) + ": `thinking` blocks may only appear in assistant messages");
    if (auto r = onlyFields(*block, {"type", "thinking", "signature"}, at); !r) return r;
    if (auto r = checkString(*block, "thinking", at, true); !r) return r;
    if (auto r = checkString(*block, "signature", at, true); !r) return r;
    if (block->at("signature").as_string() != thinkingSignature(block->at("thinking").as_string()))
      return invalid(std::string(at) + ": Invalid `signature` in `thinking` block");
    return {};
  }
  if (!inToolResult && t == "redacted_thinking") {
    if (role != "assistant")
      return invalid(std::string(at) +
                     ": `redacted_thinking` blocks may only appear in assistant messages");
    if (auto r = onlyFields(*block, {"type", "data"}, at); !r) return r;
    return checkString(*block, "data", at, true);
  }
  return invalid(join(at, "type") + ": Input tag '" + std::string(t) +
                 "' found using 'type' does not match any of the expected tags: " +
                 (inToolResult ? "'text', 'image'"
                               : "'text', 'image', 'document', 'tool_use', 'tool_result', "
                                 "'thinking', 'redacted_thinking'"));
}

// Content blocks of a message as a list (a string is one text block).
std::vector<const json::object*> blocksOf(const json::object& message) {
  std::vector<const json::object*> out;
  if (const auto* list = message.at("content").if_array()) {
    for (const auto& b : *list) out.push_back(&b.as_object());
  }
  return out;
}

Check checkMessages(const json::object& request, bool thinking) {
  const auto* v = request.if_contains("messages");
  if (!v) return required("messages");
  const auto* messages = v->if_array();
  if (!messages) return wrongType("messages", "a valid list");
  if (messages->empty()) return invalid("messages: at least one message is required");
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const std::string at = join("messages", i);
    const auto* message = (*messages)[i].if_object();
    if (!message) return wrongType(at, "a valid dictionary");
    if (auto r = onlyFields(*message, {"role", "content"}, at); !r) return r;
    const auto* role = stringAt(*message, "role");
    if (!message->contains("role")) return required(join(at, "role"));
    if (!role || (*role != "user" && *role != "assistant"))
      return wrongType(join(at, "role"), "'user' or 'assistant'");
    const auto* content = message->if_contains("content");
    if (!content) return required(join(at, "content"));
    if (const auto* text = content->if_string()) {
      if (text->empty() && !(*role == "assistant" && i + 1 == messages->size()))
        return invalid("messages: text content blocks must be non-empty");
    } else if (const auto* list = content->if_array()) {
      if (list->empty() && !(*role == "assistant" && i + 1 == messages->size()))
        return invalid(at +
                       ": all messages must have non-empty content except for the optional "
                       "final assistant message");
      for (std::size_t k = 0; k < list->size(); ++k) {
        if (auto r = checkBlock((*list)[k], join(join(at, "content"), k), *role, false); !r)
          return r;
      }
    } else {
      return wrongType(join(at, "content"), "a valid string or a valid list");
    }
  }
  if (messages->front().as_object().at("role").as_string() != "user")
    return invalid("messages: first message must use the \"user\" role");

  // Every tool_use is answered in the next message; every tool_result answers the previous one.
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const auto& message = (*messages)[i].as_object();
    std::vector<std::string> asked;
    for (const auto* block : blocksOf(message)) {
      if (block->at("type").as_string() == "tool_use")
        asked.emplace_back(block->at("id").as_string());
    }
    std::set<std::string, std::less<>> previousAsked;
    if (i > 0) {
      for (const auto* block : blocksOf((*messages)[i - 1].as_object())) {
        if (block->at("type").as_string() == "tool_use")
          previousAsked.emplace(block->at("id").as_string());
      }
    }
    const auto blocks = blocksOf(message);
    for (std::size_t k = 0; k < blocks.size(); ++k) {
      if (blocks[k]->at("type").as_string() != "tool_result") continue;
      const std::string_view id = blocks[k]->at("tool_use_id").as_string();
      if (!previousAsked.contains(id)) {
        return invalid(
            join(join(join("messages", i), "content"), k) +
            ": unexpected `tool_use_id` found in `tool_result` blocks: " + std::string(id) +
            ". Each `tool_result` block must have a corresponding `tool_use` block in "
            "the previous message.");
      }
    }
    if (asked.empty() || i + 1 == messages->size()) continue;
    std::set<std::string, std::less<>> answered;
    for (const auto* block : blocksOf((*messages)[i + 1].as_object())) {
      if (block->at("type").as_string() == "tool_result")
        answered.emplace(block->at("tool_use_id").as_string());
    }
    std::string missing;
    for (const auto& id : asked) {
      if (!answered.contains(id)) missing += (missing.empty() ? "" : ", ") + id;
    }
    if (!missing.empty()) {
      return invalid(
          join("messages", i + 1) +
          ": `tool_use` ids were found without `tool_result` blocks immediately after: " + missing +
          ". Each `tool_use` block must have a corresponding `tool_result` block in the "
          "next message.");
    }
  }

  // With thinking on, the assistant turn of the tool loop in progress starts with its thinking.
  if (thinking && messages->size() >= 2) {
    const auto& last = messages->back().as_object();
    const auto lastBlocks = blocksOf(last);
    const bool answersTools =
        last.at("role").as_string() == "user" &&
        std::any_of(lastBlocks.begin(), lastBlocks.end(), [](const json::object* b) {
          return b->at("type").as_string() == "tool_result";
        });
    if (answersTools) {
      const std::size_t i = messages->size() - 2;
      const auto blocks = blocksOf((*messages)[i].as_object());
      // Both arms string_views: with "text" against a json::string the conditional would make a
      // temporary json::string, gone before `first` is read (ASan: stack-use-after-scope).
      const std::string_view first = blocks.empty()
                                         ? std::string_view("text")
                                         : std::string_view(blocks[0]->at("type").as_string());
      if (first != "thinking" && first != "redacted_thinking") {
        return invalid(
            join(join(join("messages", i), "content"), 0) +
            ".type: Expected `thinking` or `redacted_thinking`, but found `" + std::string(first) +
            "`. When `thinking` is enabled, a final `assistant` message must start with a thinking "
            "block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We "
            "recommend you include thinking blocks from previous turns. To avoid this requirement, "
            "disable `thinking`. Please consult our documentation at "
            "https://docs.claude.com/en/docs/build-with-claude/extended-thinking");
      }
    }
  }
  return {};
}

bool validToolName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

Check checkTools(const json::object& request, std::set<std::string, std::less<>>& names) {
  const auto* v = request.if_contains("tools");
  if (!v) return {};
  const auto* tools = v->if_array();
  if (!tools) return wrongType("tools", "a valid list");
  for (std::size_t i = 0; i < tools->size(); ++i) {
    const std::string at = join("tools", i);
    const auto* tool = (*tools)[i].if_object();
    if (!tool) return wrongType(at, "a valid dictionary");
    const auto* type = stringAt(*tool, "type");
    if (type && *type != "custom") {
      // A server or client tool with a versioned type (web_search_20250305, bash_20250124, ...).
      if (auto r = checkString(*tool, "name", at, true); !r) return r;
      names.emplace(tool->at("name").as_string());
      continue;
    }
    const std::string custom = join(at, "custom");
    if (auto r = onlyFields(*tool, {"type", "name", "description", "input_schema", "cache_control"},
                            custom);
        !r)
      return r;
    if (auto r = checkString(*tool, "name", custom, true); !r) return r;
    if (auto r = checkString(*tool, "description", custom, false); !r) return r;
    const std::string_view name = tool->at("name").as_string();
    if (!validToolName(name))
      return invalid(join(custom, "name") +
                     ": String should match pattern '^[a-zA-Z0-9_-]{1,64}$'");
    const auto* schema = tool->if_contains("input_schema");
    if (!schema) return required(join(custom, "input_schema"));
    const auto* schemaObject = schema->if_object();
    if (!schemaObject) return wrongType(join(custom, "input_schema"), "a valid dictionary");
    const auto* schemaType = stringAt(*schemaObject, "type");
    if (!schemaType || *schemaType != "object")
      return wrongType(join(join(custom, "input_schema"), "type"), "'object'");
    if (auto r = checkCacheControl(*tool, at); !r) return r;
    if (!names.emplace(name).second) return invalid("tools: Tool names must be unique.");
  }
  return {};
}

Check checkToolChoice(const json::object& request, const std::set<std::string, std::less<>>& names,
                      bool thinking) {
  const auto* v = request.if_contains("tool_choice");
  if (!v) return {};
  const auto* choice = v->if_object();
  if (!choice) return wrongType("tool_choice", "a valid dictionary");
  const auto* type = stringAt(*choice, "type");
  if (!type) return required("tool_choice.type");
  const std::string at = join("tool_choice", *type);
  if (*type == "none") return onlyFields(*choice, {"type"}, at);
  if (*type != "auto" && *type != "any" && *type != "tool") {
    return invalid("tool_choice: Input tag '" + std::string(*type) +
                   "' found using 'type' does not match any of the expected tags: 'auto', 'any', "
                   "'tool', 'none'");
  }
  if (*type == "tool") {
    if (auto r = onlyFields(*choice, {"type", "name", "disable_parallel_tool_use"}, at); !r)
      return r;
    if (auto r = checkString(*choice, "name", at, true); !r) return r;
  } else if (auto r = onlyFields(*choice, {"type", "disable_parallel_tool_use"}, at); !r) {
    return r;
  }
  if (const auto* d = choice->if_contains("disable_parallel_tool_use"); d && !d->is_bool())
    return wrongType(join(at, "disable_parallel_tool_use"), "a valid boolean");
  if (names.empty()) return invalid("tool_choice may only be specified while providing tools");
  if (*type == "tool" && !names.contains(choice->at("name").as_string()))
    return invalid("tool_choice.tool.name: Tool '" + std::string(choice->at("name").as_string()) +
                   "' not found in the provided tools");
  if (thinking && *type != "auto")
    return invalid("Thinking may not be enabled when tool_choice forces tool use.");
  return {};
}

Check checkSystem(const json::object& request) {
  const auto* v = request.if_contains("system");
  if (!v || v->is_string()) return {};
  const auto* list = v->if_array();
  if (!list) return wrongType("system", "a valid string or a valid list");
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string at = join("system", i);
    const auto* block = (*list)[i].if_object();
    if (!block) return wrongType(at, "a valid dictionary");
    const auto* type = stringAt(*block, "type");
    if (!type || *type != "text") return wrongType(join(at, "type"), "'text'");
    if (auto r = checkText(*block, at); !r) return r;
  }
  return {};
}

// thinking: {"type": "enabled", "budget_tokens": n} or {"type": "disabled"}. Returns the budget
// (0 = thinking off).
using Budget = boost::system::result<long long, AnthropicError>;

Budget budgetOf(long long tokens) { return Budget(boost::system::in_place_value, tokens); }

Budget checkThinking(const json::object& request) {
  const auto* v = request.if_contains("thinking");
  if (!v) return budgetOf(0);
  const auto* thinking = v->if_object();
  if (!thinking) return wrongType("thinking", "a valid dictionary");
  const auto* type = stringAt(*thinking, "type");
  if (!type) return required("thinking.type");
  if (*type == "disabled") {
    if (auto r = onlyFields(*thinking, {"type"}, "thinking.disabled"); !r) return r.error();
    return budgetOf(0);
  }
  if (*type != "enabled") {
    return invalid("thinking: Input tag '" + std::string(*type) +
                   "' found using 'type' does not match any of the expected tags: 'enabled', "
                   "'disabled'");
  }
  if (auto r = onlyFields(*thinking, {"type", "budget_tokens"}, "thinking.enabled"); !r)
    return r.error();
  const auto* budget = thinking->if_contains("budget_tokens");
  if (!budget) return required("thinking.enabled.budget_tokens");
  if (!isInteger(*budget)) return wrongType("thinking.enabled.budget_tokens", "a valid integer");
  if (integerOf(*budget) < 1024)
    return wrongType("thinking.enabled.budget_tokens", "greater than or equal to 1024");
  return budgetOf(integerOf(*budget));
}

Check checkSampling(const json::object& request, long long budget) {
  if (const auto* t = request.if_contains("temperature")) {
    if (!isNumber(*t)) return wrongType("temperature", "a valid number");
    if (numberOf(*t) < 0) return wrongType("temperature", "greater than or equal to 0");
    if (numberOf(*t) > 1) return wrongType("temperature", "less than or equal to 1");
    if (budget > 0 && numberOf(*t) != 1) {
      return invalid(
          "`temperature` may only be set to 1 when thinking is enabled. Please consult our "
          "documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking");
    }
  }
  if (const auto* p = request.if_contains("top_p")) {
    if (!isNumber(*p)) return wrongType("top_p", "a valid number");
    if (numberOf(*p) < 0) return wrongType("top_p", "greater than or equal to 0");
    if (numberOf(*p) > 1) return wrongType("top_p", "less than or equal to 1");
  }
  if (const auto* k = request.if_contains("top_k")) {
    if (!isInteger(*k)) return wrongType("top_k", "a valid integer");
    if (integerOf(*k) < 0) return wrongType("top_k", "greater than or equal to 0");
  }
  if (const auto* stops = request.if_contains("stop_sequences")) {
    const auto* list = stops->if_array();
    if (!list) return wrongType("stop_sequences", "a valid list");
    for (std::size_t i = 0; i < list->size(); ++i) {
      const auto* s = (*list)[i].if_string();
      if (!s) return wrongType(join("stop_sequences", i), "a valid string");
      if (std::all_of(s->begin(), s->end(), [](char c) { return std::isspace(c) != 0; }))
        return invalid("stop_sequences: each stop sequence must contain non-whitespace");
    }
  }
  if (const auto* metadata = request.if_contains("metadata")) {
    const auto* m = metadata->if_object();
    if (!m) return wrongType("metadata", "a valid dictionary");
    if (auto r = onlyFields(*m, {"user_id"}, "metadata"); !r) return r;
    if (const auto* user = m->if_contains("user_id");
        user && !user->is_string() && !user->is_null())
      return wrongType("metadata.user_id", "a valid string");
  }
  if (const auto* stream = request.if_contains("stream"); stream && !stream->is_bool())
    return wrongType("stream", "a valid boolean");
  if (const auto* tier = request.if_contains("service_tier")) {
    if (!tier->is_string() || (tier->as_string() != "auto" && tier->as_string() != "standard_only"))
      return wrongType("service_tier", "'auto' or 'standard_only'");
  }
  return {};
}

}  // namespace

std::optional<ClaudeCall> parseClaudeCall(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  const auto segments = url->segments();  // decoded
  std::vector<std::string> parts(segments.begin(), segments.end());
  if (parts.size() != 9) return std::nullopt;
  if ((parts[0] != "v1" && parts[0] != "v1beta1") || parts[1] != "projects" ||
      parts[3] != "locations" || parts[5] != "publishers" || parts[6] != "anthropic" ||
      parts[7] != "models") {
    return std::nullopt;
  }
  const std::string& last = parts[8];
  const auto colon = last.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::string_view method = std::string_view(last).substr(colon + 1);
  if (method != "rawPredict" && method != "streamRawPredict") return std::nullopt;
  ClaudeCall call{parts[0], parts[2], parts[4], last.substr(0, colon)};
  call.stream = method == "streamRawPredict";
  call.countTokens = !call.stream && call.model == "count-tokens";
  return call;
}

bool isKnownClaudeModel(std::string_view model) {
  constexpr std::string_view kPrefix = "claude-";
  if (!model.starts_with(kPrefix) || model.size() == kPrefix.size()) return false;
  const std::size_t at = model.find('@');
  const std::string_view name = model.substr(0, at);
  const std::string_view version = at == std::string_view::npos ? "" : model.substr(at + 1);
  auto allowed = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    });
  };
  if (at != std::string_view::npos && version.empty()) return false;
  return allowed(name) && allowed(version);
}

bool isKnownAnthropicVersion(std::string_view version) {
  if (version == "vertex-2023-10-16") return true;
  // An Anthropic API version date, YYYY-MM-DD.
  if (version.size() != 10 || version[4] != '-' || version[7] != '-') return false;
  for (std::size_t i = 0; i < version.size(); ++i) {
    if (i != 4 && i != 7 && !std::isdigit(static_cast<unsigned char>(version[i]))) return false;
  }
  return version >= "2023-06-01";
}

std::string thinkingSignature(std::string_view thinking) {
  return base64Encode("emulator-thinking-signature:" + std::string(thinking));
}

boost::system::result<json::object, AnthropicError> parseClaudeRequest(std::string_view body,
                                                                       ClaudeBody kind) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) return invalid("There was an error parsing the body: " + ec.message());
  auto* object = value.if_object();
  if (!object) return invalid("Input should be a valid dictionary");
  json::object request = std::move(*object);

  const bool messages = kind == ClaudeBody::kMessages;
  if (messages) {
    if (auto r = onlyFields(request,
                            {"anthropic_version", "messages", "max_tokens", "system", "tools",
                             "tool_choice", "stop_sequences", "temperature", "top_p", "top_k",
                             "thinking", "metadata", "stream", "service_tier"},
                            "");
        !r)
      return r.error();
  } else if (auto r = onlyFields(request,
                                 {"anthropic_version", "model", "messages", "system", "tools",
                                  "tool_choice", "thinking"},
                                 "");
             !r) {
    return r.error();
  }

  const auto* version = request.if_contains("anthropic_version");
  if (!version && messages) return required("anthropic_version");
  if (version) {
    if (!version->is_string()) return wrongType("anthropic_version", "a valid string");
    if (!isKnownAnthropicVersion(version->as_string()))
      return invalid("anthropic_version: Input should be 'vertex-2023-10-16'");  // ours
  }
  if (!messages) {
    if (auto r = checkString(request, "model", "", true); !r) return r.error();
  }

  auto budget = checkThinking(request);
  if (!budget) return budget.error();
  if (messages) {
    const auto* max = request.if_contains("max_tokens");
    if (!max) return required("max_tokens");
    if (!isInteger(*max)) return wrongType("max_tokens", "a valid integer");
    if (integerOf(*max) < 1) return wrongType("max_tokens", "greater than or equal to 1");
    if (*budget > 0 && integerOf(*max) <= *budget) {
      return invalid(
          "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
          "documentation at https://docs.claude.com/en/docs/build-with-claude/"
          "extended-thinking#max-tokens-and-context-window-size");
    }
    if (auto r = checkSampling(request, *budget); !r) return r.error();
  }
  if (auto r = checkSystem(request); !r) return r.error();
  std::set<std::string, std::less<>> names;
  if (auto r = checkTools(request, names); !r) return r.error();
  if (auto r = checkToolChoice(request, names, *budget > 0); !r) return r.error();
  if (auto r = checkMessages(request, *budget > 0); !r) return r.error();
  return request;
}

}  // namespace switchyard::emulator
