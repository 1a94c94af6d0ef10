#include "providers/vertex/response_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory_resource>
#include <optional>
#include <span>

#include "providers/json_fields.hpp"
#include "providers/json_writer.hpp"
#include "providers/vertex/completion_digest.hpp"
#include "providers/vertex/response_scanner.hpp"
#include "providers/vertex/wire.hpp"

namespace switchyard::providers::vertex {

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

namespace {

Error bad(std::string message) {
  return Error::make(ErrorKind::UpstreamBadResponse,
                     "Vertex AI returned an unreadable response: " + std::move(message));
}

bool isThought(const json::object& part) {
  const auto* thought = part.if_contains("thought");
  return thought && thought->is_bool() && thought->get_bool();
}

// OpenAI's own logprob for a token of ~zero probability.
constexpr std::int64_t kLogprobFloor = -9999;

void logprobEntry(JsonWriter& w, const json::object& candidate) {
  const auto token = stringField(&candidate, "token");
  w.field("token", token);
  w.key("logprob");
  // A logProbability below double range (`-1e999`, read as -infinity) is OpenAI's floor; one that
  // is unreadable (absent, not a number, +infinity) is 0. value() writes nothing when it fails.
  const auto* value = candidate.if_contains("logProbability");
  if (value && value->is_double() && std::isinf(value->get_double()) && value->get_double() < 0) {
    w.integer(kLogprobFloor);
  } else if (!value || !value->is_number() || !w.value(*value)) {
    w.integer(0);
  }
  w.key("bytes");
  w.beginArray();
  for (const char c : token) w.integer(static_cast<unsigned char>(c));
  w.endArray();
}

}  // namespace

void writeLogprobs(JsonWriter& w, const json::object& result) {
  const auto* chosen = arrayField(&result, "chosenCandidates");
  const auto* top = arrayField(&result, "topCandidates");
  w.beginObject();
  w.key("content");
  w.beginArray();
  if (chosen) {
    for (std::size_t i = 0; i < chosen->size(); ++i) {
      if (!(*chosen)[i].is_object()) continue;
      w.beginObject();
      logprobEntry(w, (*chosen)[i].get_object());
      w.key("top_logprobs");
      w.beginArray();
      if (top && i < top->size() && (*top)[i].is_object()) {
        if (const auto* alternatives = arrayField(&(*top)[i].get_object(), "candidates")) {
          for (const auto& alternative : *alternatives) {
            if (!alternative.is_object()) continue;
            w.beginObject();
            logprobEntry(w, alternative.get_object());
            w.endObject();
          }
        }
      }
      w.endArray();
      w.endObject();
    }
  }
  w.endArray();
  w.key("refusal");
  w.null();
  w.endObject();
}

namespace {

class CompletionWriter {
 public:
  CompletionWriter(std::string& out, const ResponseContext& context) : w_(out), context_(context) {}

  // False when the choice cannot be written as JSON (a non-finite number in a call's args).
  [[nodiscard]] bool choice(const ChoiceDigest& choice, std::span<const TextPart> parts) {
    bool hasText = false;
    bool hasThought = false;
    for (const auto& part : parts) {
      if (part.thought)
        hasThought |= !part.text.empty();
      else
        hasText = true;
    }
    const bool hasCalls = choice.callParts != nullptr;

    w_.beginObject();
    w_.fieldInt("index", choice.index);
    w_.key("message");
    w_.beginObject();
    w_.field("role", "assistant");
    w_.key("content");
    if (hasText) {
      texts(parts, false);
    } else {
      w_.null();
    }
    if (hasThought) {
      w_.key("reasoning_content");
      texts(parts, true);
    }
    w_.key("refusal");
    w_.null();
    if (hasCalls && !toolCalls(*choice.callParts, static_cast<std::size_t>(choice.index)))
      return false;
    w_.endObject();

    w_.key("logprobs");
    if (choice.logprobsResult) {
      writeLogprobs(w_, *choice.logprobsResult);
    } else {
      w_.null();
    }
    w_.field("finish_reason", mapFinishReason(choice.finishReason, hasCalls));
    w_.endObject();
    return true;
  }

  void blocked(std::string_view refusal) {
    w_.beginObject();
    w_.fieldInt("index", 0);
    w_.key("message");
    w_.beginObject();
    w_.field("role", "assistant");
    w_.key("content");
    w_.null();
    w_.field("refusal", refusal);
    w_.endObject();
    w_.key("logprobs");
    w_.null();
    w_.field("finish_reason", "content_filter");
    w_.endObject();
  }

  JsonWriter& json() { return w_; }

 private:
  // The concatenated text of the thought (or non-thought) parts, as one JSON string.
  void texts(std::span<const TextPart> parts, bool thoughts) {
    w_.beginString();
    for (const auto& part : parts)
      if (part.thought == thoughts) w_.stringPiece(part.text);
    w_.endString();
  }

  bool toolCalls(const json::array& parts, std::size_t choice) {
    w_.key("tool_calls");
    w_.beginArray();
    std::size_t call = 0;
    for (const auto& value : parts) {
      if (!value.is_object()) continue;
      const auto& part = value.get_object();
      const auto* function = objectField(&part, "functionCall");
      if (!function) continue;
      w_.beginObject();
      w_.field("id", mintToolCallId(context_.requestId, choice, call++,
                                    stringField(&part, "thoughtSignature")));
      w_.field("type", "function");
      w_.key("function");
      w_.beginObject();
      w_.field("name", stringField(function, "name"));
      arguments_.clear();
      if (const auto* args = function->if_contains("args"); args && args->is_object()) {
        if (!appendJsonValue(arguments_, *args)) return false;
      } else {
        arguments_ = "{}";
      }
      w_.field("arguments", arguments_);
      w_.endObject();
      w_.endObject();
    }
    w_.endArray();
    return true;
  }

  JsonWriter w_;
  const ResponseContext& context_;
  std::string arguments_;  // reused for each call's arguments text
};

// The one writer of both readers' digests. Orders the digest's choices by index (stably: equal
// indexes keep the upstream's order).
core::Result<TranslatedResponse> writeCompletion(CompletionDigest& digest, std::size_t bodySize,
                                                 const BackendTarget& target,
                                                 const ResponseContext& context) {
  std::stable_sort(digest.choices.begin(), digest.choices.end(),
                   [](const ChoiceDigest& a, const ChoiceDigest& b) { return a.index < b.index; });

  TranslatedResponse response;
  response.usage = usageFromCounts(digest.usage);
  response.responseModel =
      std::string(digest.modelVersion.empty() ? target.model : digest.modelVersion);

  std::string& out = response.body;
  out.reserve(512 + bodySize / 2);
  CompletionWriter writer(out, context);
  JsonWriter& w = writer.json();
  w.beginObject();
  w.key("id");
  w.beginString();
  w.stringPiece("chatcmpl-");
  w.stringPiece(digest.responseId.empty() ? context.requestId : digest.responseId);
  w.endString();
  w.field("object", "chat.completion");
  w.fieldInt("created", parseRfc3339(digest.createTime).value_or(context.nowSeconds));
  w.field("model", response.responseModel);
  w.key("choices");
  w.beginArray();
  if (digest.choices.empty()) {
    writer.blocked(digest.blockedRefusal);
  } else {
    const std::span<const TextPart> allParts(digest.textParts);
    for (const auto& choice : digest.choices)
      if (!writer.choice(choice, allParts.subspan(choice.firstPart, choice.partCount)))
        return bad("a function call's args hold a number out of range");
  }
  w.endArray();
  writeUsage(w, response.usage);
  w.endObject();
  return response;
}

void readCandidate(const json::object& candidate, CompletionDigest& digest) {
  ChoiceDigest choice;
  choice.index = integerField(&candidate, "index");
  choice.firstPart = digest.textParts.size();
  if (const auto* parts = arrayField(objectField(&candidate, "content"), "parts")) {
    for (const auto& value : *parts) {
      if (!value.is_object()) continue;
      const auto& part = value.get_object();
      if (objectField(&part, "functionCall")) {
        choice.callParts = parts;
      } else if (const auto* text = part.if_contains("text"); text && text->is_string()) {
        digest.textParts.push_back({sv(text->get_string()), isThought(part)});
      }
    }
  }
  choice.partCount = digest.textParts.size() - choice.firstPart;
  choice.finishReason = stringField(&candidate, "finishReason");
  choice.logprobsResult = objectField(&candidate, "logprobsResult");
  digest.choices.push_back(choice);
}

// The document reader: every shape, and every error, of a successful answer.
std::optional<Error> readDocument(const json::value& parsed, CompletionDigest& digest) {
  if (!parsed.is_object()) return bad("the body is not a JSON object");
  const auto& root = parsed.get_object();
  if (const auto* value = root.if_contains("candidates"); value && !value->is_null()) {
    if (!value->is_array()) return bad("`candidates` is not an array");
    for (const auto& item : value->get_array()) {
      if (!item.is_object()) return bad("a candidate is not an object");
      readCandidate(item.get_object(), digest);
    }
  }
  const auto* feedback = objectField(&root, "promptFeedback");
  const bool promptBlocked = feedback && !stringField(feedback, "blockReason").empty();
  if (digest.choices.empty()) {
    if (!promptBlocked) {
      const auto message = stringField(objectField(&root, "error"), "message");
      if (!message.empty())
        return bad("an error in a successful response: " + std::string(message));
      return bad("no candidates and no block reason");
    }
    digest.blockedRefusal = blockedPromptRefusal(*feedback);
  }
  digest.usage = usageCounts(objectField(&root, "usageMetadata"));
  digest.modelVersion = stringField(&root, "modelVersion");
  digest.responseId = stringField(&root, "responseId");
  digest.createTime = stringField(&root, "createTime");
  return std::nullopt;
}

}  // namespace

std::string blockedPromptRefusal(const json::object& feedback) {
  std::string refusal = "The prompt was blocked by Vertex AI (blockReason: ";
  refusal += stringField(&feedback, "blockReason");
  refusal += ')';
  if (const auto message = stringField(&feedback, "blockReasonMessage"); !message.empty()) {
    refusal += ": ";
    refusal += message;
  }
  return refusal;
}

UsageCounts usageCounts(const json::object* metadata) {
  UsageCounts counts;
  counts.promptTokenCount = integerField(metadata, "promptTokenCount");
  counts.toolUsePromptTokenCount = integerField(metadata, "toolUsePromptTokenCount");
  counts.candidatesTokenCount = integerField(metadata, "candidatesTokenCount");
  counts.thoughtsTokenCount = integerField(metadata, "thoughtsTokenCount");
  counts.cachedContentTokenCount = integerField(metadata, "cachedContentTokenCount");
  counts.totalTokenCount = integerField(metadata, "totalTokenCount");
  return counts;
}

Usage usageFromCounts(const UsageCounts& counts) {
  // Sums saturate: counts are the upstream's numbers, and int64 overflow is undefined behaviour.
  const auto add = [](std::int64_t a, std::int64_t b) {
    std::int64_t sum = 0;
    if (!__builtin_add_overflow(a, b, &sum)) return sum;
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  };
  Usage usage;
  usage.promptTokens = add(counts.promptTokenCount, counts.toolUsePromptTokenCount);
  usage.reasoningTokens = counts.thoughtsTokenCount;
  usage.completionTokens = add(counts.candidatesTokenCount, usage.reasoningTokens);
  usage.cachedTokens = counts.cachedContentTokenCount;
  usage.totalTokens = counts.totalTokenCount > 0 ? counts.totalTokenCount
                                                 : add(usage.promptTokens, usage.completionTokens);
  return usage;
}

Usage readUsage(const json::object* metadata) { return usageFromCounts(usageCounts(metadata)); }

void writeUsage(JsonWriter& w, const Usage& usage) {
  w.key("usage");
  w.beginObject();
  w.fieldInt("prompt_tokens", usage.promptTokens);
  w.fieldInt("completion_tokens", usage.completionTokens);
  w.fieldInt("total_tokens", usage.totalTokens);
  w.key("prompt_tokens_details");
  w.beginObject();
  w.fieldInt("cached_tokens", usage.cachedTokens);
  w.endObject();
  w.key("completion_tokens_details");
  w.beginObject();
  w.fieldInt("reasoning_tokens", usage.reasoningTokens);
  w.endObject();
  w.endObject();
}

core::Result<TranslatedResponse> translateResponse(std::string_view upstreamBody,
                                                   const BackendTarget& target,
                                                   const ResponseContext& context) {
  // The digest and the scanner's decoded strings (at most the body's size) for a usual answer.
  alignas(std::max_align_t) unsigned char initial[4096];
  std::pmr::monotonic_buffer_resource arena(initial, sizeof initial);
  CompletionDigest digest(&arena);
  if (!scanResponse(upstreamBody, digest, arena))
    return translateResponseFromDocument(upstreamBody, target, context);
  return writeCompletion(digest, upstreamBody.size(), target, context);
}

core::Result<TranslatedResponse> translateResponseFromDocument(std::string_view upstreamBody,
                                                               const BackendTarget& target,
                                                               const ResponseContext& context) {
  unsigned char initial[8192];
  json::monotonic_resource arena(initial, sizeof initial);
  boost::system::error_code ec;
  const json::value parsed = json::parse(upstreamBody, ec, json::storage_ptr(&arena));
  if (ec) return bad("the body is not JSON (" + ec.message() + ")");
  CompletionDigest digest(std::pmr::get_default_resource());
  if (auto error = readDocument(parsed, digest)) return std::move(*error);
  return writeCompletion(digest, upstreamBody.size(), target, context);
}

}  // namespace switchyard::providers::vertex
