#include "emulator/claude_answer.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cctype>
#include <functional>

#include "emulator/answer.hpp"
#include "emulator/base64.hpp"
#include "emulator/claude_request.hpp"
#include "emulator/faults.hpp"
#include "emulator/prompt_cache.hpp"
#include "emulator/schema_sample.hpp"

namespace switchyard::emulator {

namespace json = boost::json;

namespace {

constexpr std::size_t kSystemEcho = 40;
constexpr std::size_t kMaxStreamChunks = 32;
constexpr std::size_t kThinkingWords = 8;

std::string_view typeOf(const json::object& block) {
  const auto* type = block.if_contains("type");
  return type && type->is_string() ? std::string_view(type->as_string()) : std::string_view{};
}

std::string_view stringOf(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string_view(v->as_string()) : std::string_view{};
}

// A message's content as blocks (a string content is one text block).
json::array blocksOf(const json::value& message) {
  const auto& content = message.as_object().at("content");
  if (content.is_string()) return json::array{json::object{{"type", "text"}, {"text", content}}};
  return content.as_array();
}

std::string joinText(const json::array& blocks) {
  std::string out;
  for (const auto& b : blocks) {
    const auto& block = b.as_object();
    if (typeOf(block) != "text") continue;
    if (!out.empty()) out += ' ';
    out += stringOf(block, "text");
  }
  return out;
}

std::string toolResultText(const json::object& block) {
  const auto* content = block.if_contains("content");
  if (!content) return {};
  if (content->is_string()) return std::string(content->as_string());
  return joinText(content->as_array());
}

std::string systemText(const json::object& request) {
  const auto* system = request.if_contains("system");
  if (!system) return {};
  if (system->is_string()) return std::string(system->as_string());
  return joinText(system->as_array());
}

std::string utf8Prefix(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

long long blockTokens(const json::object& block) {
  const std::string_view type = typeOf(block);
  if (type == "text") return countWords(stringOf(block, "text"));
  if (type == "thinking") return countWords(stringOf(block, "thinking"));
  if (type == "tool_result") {
    const auto* content = block.if_contains("content");
    if (content && content->is_string())
      return std::max<long long>(1, countWords(content->as_string()));
    long long n = 0;
    if (content && content->is_array()) {
      for (const auto& inner : content->as_array()) n += blockTokens(inner.as_object());
    }
    return std::max<long long>(1, n);
  }
  return 1;  // image, document, tool_use, redacted_thinking
}

// The prompt in Anthropic's cache order (tools, system, messages), one element per tool or block,
// each with its tokens and whether it carries a cache_control breakpoint.
struct PromptElement {
  const json::value* value;
  long long tokens;
  bool breakpoint;
};

std::vector<PromptElement> promptElements(const json::object& request) {
  std::vector<PromptElement> out;
  auto hasBreakpoint = [](const json::object& o) {
    const auto* c = o.if_contains("cache_control");
    return c && c->is_object();
  };
  if (const auto* tools = request.if_contains("tools")) {
    for (const auto& tool : tools->as_array()) {
      const auto& t = tool.as_object();
      out.push_back({&tool, 1 + countWords(stringOf(t, "description")), hasBreakpoint(t)});
    }
  }
  if (const auto* system = request.if_contains("system")) {
    if (system->is_string()) {
      out.push_back({system, countWords(system->as_string()), false});
    } else {
      for (const auto& block : system->as_array())
        out.push_back({&block, blockTokens(block.as_object()), hasBreakpoint(block.as_object())});
    }
  }
  for (const auto& message : request.at("messages").as_array()) {
    const auto& content = message.as_object().at("content");
    if (content.is_string()) {
      out.push_back({&content, countWords(content.as_string()), false});
      continue;
    }
    for (const auto& block : content.as_array())
      out.push_back({&block, blockTokens(block.as_object()), hasBreakpoint(block.as_object())});
  }
  return out;
}

// Text cut to `max` words; true when something was cut.
bool truncateWords(std::string& text, long long max) {
  const auto words = splitWords(text);
  if (static_cast<long long>(words.size()) <= max) return false;
  std::string out;
  for (long long i = 0; i < max; ++i) {
    if (i) out += ' ';
    out += words[static_cast<std::size_t>(i)];
  }
  text = std::move(out);
  return true;
}

// Text split at word boundaries (each piece keeps its leading whitespace), at most
// kMaxStreamChunks pieces.
std::vector<std::string> wordChunks(std::string_view s) {
  std::vector<std::string> chunks;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t start = i;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    chunks.emplace_back(s.substr(start, i - start));
  }
  if (chunks.empty()) return {std::string()};
  const std::size_t per = (chunks.size() + kMaxStreamChunks - 1) / kMaxStreamChunks;
  std::vector<std::string> merged;
  for (std::size_t k = 0; k < chunks.size(); k += per) {
    std::string m;
    for (std::size_t j = k; j < std::min(chunks.size(), k + per); ++j) m += chunks[j];
    merged.push_back(std::move(m));
  }
  return merged;
}

json::object usageJson(const ClaudeUsage& usage, long long outputTokens) {
  return json::object{{"input_tokens", usage.inputTokens},
                      {"cache_creation_input_tokens", usage.cacheCreationInputTokens},
                      {"cache_read_input_tokens", usage.cacheReadInputTokens},
                      {"output_tokens", outputTokens}};
}

}  // namespace

long long countClaudeInputTokens(const json::object& request) {
  long long total = 0;
  for (const auto& e : promptElements(request)) total += e.tokens;
  return total;
}

std::string claudeDirectiveText(const json::object& request) {
  const auto& messages = request.at("messages").as_array();
  std::string out;
  for (const auto& b : blocksOf(messages.back())) {
    const auto& block = b.as_object();
    if (typeOf(block) == "text") out += std::string(stringOf(block, "text")) + " ";
    if (typeOf(block) == "tool_result") out += toolResultText(block) + " ";
  }
  return out;
}

ClaudeAnswer deriveClaudeAnswer(const json::object& request, std::string_view model,
                                PromptCache* cache) {
  ClaudeAnswer answer;
  const auto& messages = request.at("messages").as_array();

  // Input tokens, split by the cache breakpoint.
  const auto elements = promptElements(request);
  std::size_t breakpoint = elements.size();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (elements[i].breakpoint) breakpoint = i;
  }
  long long total = 0;
  long long prefix = 0;
  std::string prefixText(model);
  for (std::size_t i = 0; i < elements.size(); ++i) {
    total += elements[i].tokens;
    if (breakpoint < elements.size() && i <= breakpoint) {
      prefix += elements[i].tokens;
      prefixText += '\n' + json::serialize(*elements[i].value);
    }
  }
  answer.usage.inputTokens = total - prefix;
  if (prefix > 0) {
    const bool read = cache && cache->seen(std::hash<std::string>{}(prefixText));
    (read ? answer.usage.cacheReadInputTokens : answer.usage.cacheCreationInputTokens) = prefix;
  }

  const bool lastIsUser = messages.back().as_object().at("role").as_string() == "user";
  const json::value* lastUser = nullptr;
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (it->as_object().at("role").as_string() == "user") {
      lastUser = &*it;
      break;
    }
  }
  const json::array lastUserBlocks = blocksOf(*lastUser);
  const std::string prompt = stripFaultDirectives(joinText(lastUserBlocks));

  // Tool results answered in the last message, named after the tool_use they answer.
  std::vector<std::pair<std::string, std::string>> results;  // name, content
  if (lastIsUser && messages.size() >= 2) {
    const json::array previous = blocksOf(messages[messages.size() - 2]);
    for (const auto& b : lastUserBlocks) {
      const auto& block = b.as_object();
      if (typeOf(block) != "tool_result") continue;
      std::string name;
      for (const auto& p : previous) {
        const auto& use = p.as_object();
        if (typeOf(use) == "tool_use" && stringOf(use, "id") == stringOf(block, "tool_use_id"))
          name = stringOf(use, "name");
      }
      results.emplace_back(name, stripFaultDirectives(toolResultText(block)));
    }
  }

  // Tool calls.
  std::vector<const json::object*> tools;
  std::vector<std::string> names;
  if (const auto* list = request.if_contains("tools")) {
    for (const auto& t : list->as_array()) {
      const auto& tool = t.as_object();
      if (!tool.contains("input_schema")) continue;  // server tools are never called
      tools.push_back(&tool);
      names.emplace_back(stringOf(tool, "name"));
    }
  }
  std::string choice = "auto";
  bool parallel = true;
  std::string forced;
  if (const auto* c = request.if_contains("tool_choice")) {
    choice = stringOf(c->as_object(), "type");
    forced = stringOf(c->as_object(), "name");
    const auto* d = c->as_object().if_contains("disable_parallel_tool_use");
    parallel = !(d && d->is_bool() && d->as_bool());
  }
  std::vector<std::size_t> calls;
  if (!tools.empty() && results.empty() && lastIsUser && choice != "none") {
    if (choice == "tool") {
      calls.push_back(std::find(names.begin(), names.end(), forced) - names.begin());
    } else {
      calls = calledNames(prompt, names);
      if (calls.empty() && choice == "any") calls.push_back(0);
    }
    if (!parallel && calls.size() > 1) calls.resize(1);
  }

  // Thinking.
  long long thinkingTokens = 0;
  if (const auto* thinking = request.if_contains("thinking");
      thinking && stringOf(thinking->as_object(), "type") == "enabled") {
    const auto words = splitWords(prompt);
    std::string text = "Thinking about:";
    for (std::size_t i = 0; i < std::min(words.size(), kThinkingWords); ++i) text += " " + words[i];
    thinkingTokens = countWords(text);
    answer.content.push_back(json::object{
        {"type", "thinking"}, {"thinking", text}, {"signature", thinkingSignature(text)}});
  }

  const auto& max = request.at("max_tokens");
  const long long maxTokens = max.is_int64() ? max.as_int64() : (1LL << 62);
  if (!calls.empty()) {
    for (std::size_t k = 0; k < calls.size(); ++k) {
      const json::object& tool = *tools[calls[k]];
      SampleWords words(argumentWords(prompt, names[calls[k]]));
      json::value input = sampleForSchema(tool.at("input_schema"), words);
      if (!input.is_object()) input = json::object{};
      answer.content.push_back(json::object{
          {"type", "tool_use"},
          {"id", "toolu_emu_" + std::to_string(messages.size()) + "_" + std::to_string(k)},
          {"name", names[calls[k]]},
          {"input", std::move(input)}});
    }
    answer.stopReason = "tool_use";
    answer.usage.outputTokens = thinkingTokens + static_cast<long long>(calls.size());
    return answer;
  }

  std::string text = "[" + std::string(model) + "]";
  if (!results.empty()) {
    for (std::size_t i = 0; i < results.size(); ++i)
      text += (i ? "; " : " ") + results[i].first + " returned " + results[i].second;
  } else {
    text += " echo: " + prompt;
    const std::string system = systemText(request);
    if (!system.empty()) text += " (system: " + utf8Prefix(system, kSystemEcho) + ")";
    for (const auto& b : lastUserBlocks) {
      const auto& block = b.as_object();
      const std::string_view type = typeOf(block);
      if (type != "image" && type != "document") continue;
      const auto& source = block.at("source").as_object();
      const std::string_view kind = stringOf(source, "type");
      if (kind == "base64" || kind == "text") {
        const auto bytes = kind == "base64" ? base64Decode(stringOf(source, "data"))
                                            : std::optional<std::string>(stringOf(source, "data"));
        text += " [saw " + std::string(stringOf(source, "media_type")) + " " +
                std::to_string(bytes ? bytes->size() : 0) + " bytes]";
      } else if (kind == "url") {
        text += " [saw " + std::string(type) + " " + std::string(stringOf(source, "url")) + "]";
      } else {
        text += " [saw " + std::string(type) + " " + std::string(stringOf(source, "file_id")) + "]";
      }
    }
  }

  answer.stopReason = "end_turn";
  std::size_t cut = std::string::npos;
  if (const auto* stops = request.if_contains("stop_sequences")) {
    for (const auto& s : stops->as_array()) {
      const std::size_t at = text.find(s.as_string());
      if (at < cut) {
        cut = at;
        answer.stopSequence = std::string(s.as_string());
      }
    }
  }
  if (cut != std::string::npos) {
    text.resize(cut);
    answer.stopReason = "stop_sequence";
  }
  if (truncateWords(text, std::max<long long>(0, maxTokens - thinkingTokens))) {
    answer.stopReason = "max_tokens";
    answer.stopSequence.reset();
  }
  answer.usage.outputTokens = thinkingTokens + countWords(text);
  answer.content.push_back(json::object{{"type", "text"}, {"text", text}});
  return answer;
}

std::string renderClaudeMessage(const ClaudeAnswer& answer, std::string_view id,
                                std::string_view model) {
  json::object message;
  message["id"] = id;
  message["type"] = "message";
  message["role"] = "assistant";
  message["model"] = model;
  message["content"] = answer.content;
  message["stop_reason"] = answer.stopReason;
  message["stop_sequence"] =
      answer.stopSequence ? json::value(*answer.stopSequence) : json::value(nullptr);
  message["usage"] = usageJson(answer.usage, answer.usage.outputTokens);
  return json::serialize(message);
}

std::vector<SseEvent> renderClaudeStreamEvents(const ClaudeAnswer& answer, std::string_view id,
                                               std::string_view model) {
  std::vector<SseEvent> events;
  auto add = [&](std::string_view name, json::object data) {
    // `type` first, as Anthropic writes it.
    json::object ordered;
    ordered["type"] = name;
    for (auto& member : data) {
      if (member.key() != "type") ordered[member.key()] = std::move(member.value());
    }
    events.push_back(SseEvent{std::string(name), json::serialize(ordered)});
  };

  json::object start;
  start["id"] = id;
  start["type"] = "message";
  start["role"] = "assistant";
  start["model"] = model;
  start["content"] = json::array{};
  start["stop_reason"] = nullptr;
  start["stop_sequence"] = nullptr;
  start["usage"] = usageJson(answer.usage, 1);
  add("message_start", json::object{{"message", std::move(start)}});
  add("ping", json::object{});

  for (std::size_t index = 0; index < answer.content.size(); ++index) {
    const auto& block = answer.content[index].as_object();
    const std::string_view type = typeOf(block);
    auto delta = [&](json::object d) {
      add("content_block_delta", json::object{{"index", index}, {"delta", std::move(d)}});
    };
    if (type == "thinking") {
      add("content_block_start",
          json::object{{"index", index},
                       {"content_block",
                        json::object{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}}});
      for (auto& piece : wordChunks(stringOf(block, "thinking")))
        delta(json::object{{"type", "thinking_delta"}, {"thinking", piece}});
      delta(json::object{{"type", "signature_delta"}, {"signature", stringOf(block, "signature")}});
    } else if (type == "tool_use") {
      add("content_block_start",
          json::object{{"index", index},
                       {"content_block", json::object{{"type", "tool_use"},
                                                      {"id", block.at("id")},
                                                      {"name", block.at("name")},
                                                      {"input", json::object{}}}}});
      // The arguments in up to three pieces, each a prefix-free slice of the JSON text.
      const std::string input = json::serialize(block.at("input"));
      const std::size_t piece = std::max<std::size_t>(1, (input.size() + 2) / 3);
      delta(json::object{{"type", "input_json_delta"}, {"partial_json", ""}});
      for (std::size_t at = 0; at < input.size(); at += piece)
        delta(
            json::object{{"type", "input_json_delta"}, {"partial_json", input.substr(at, piece)}});
    } else {
      add("content_block_start",
          json::object{{"index", index},
                       {"content_block", json::object{{"type", "text"}, {"text", ""}}}});
      for (auto& piece : wordChunks(stringOf(block, "text")))
        delta(json::object{{"type", "text_delta"}, {"text", piece}});
    }
    add("content_block_stop", json::object{{"index", index}});
  }

  add("message_delta",
      json::object{{"delta", json::object{{"stop_reason", answer.stopReason},
                                          {"stop_sequence", answer.stopSequence
                                                                ? json::value(*answer.stopSequence)
                                                                : json::value(nullptr)}}},
                   {"usage", json::object{{"output_tokens", answer.usage.outputTokens}}}});
  add("message_stop", json::object{});
  return events;
}

}  // namespace switchyard::emulator
