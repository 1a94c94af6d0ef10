#include "providers/vertex/response_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory_resource>
#include <optional>
#include <span>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "core/rfc3339.hpp"
#include "providers/vertex/completion_digest.hpp"
#include "providers/vertex/response_scanner.hpp"
#include "providers/vertex/wire.hpp"

namespace switchyard::providers::vertex {

using core::appendJsonValue;

using core::appendJsonEscaped;
using core::appendJsonInteger;
using core::appendJsonString;
using core::arrayField;
using core::integerField;
using core::JsonWriter;
using core::objectField;
using core::stringField;
using core::sv;

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

// A chat.completion is a fixed shape around a few values, so its literal runs are appended whole,
// as the stream translator appends its frame head. JsonWriter, which places commas and writes keys
// one call at a time (half of the translation's cost when it wrote everything), writes only the
// values whose shape varies: tool calls and logprobs.
class CompletionWriter {
 public:
  CompletionWriter(std::string& out, const ResponseContext& context)
      : out_(out), context_(context) {}

  // Up to the opening of `choices`.
  void head(std::string_view id, std::int64_t created, std::string_view model) {
    out_.append(R"({"id":"chatcmpl-)");
    appendJsonEscaped(out_, id);
    out_.append(R"(","object":"chat.completion","created":)");
    appendJsonInteger(out_, created);
    out_.append(R"(,"model":)");
    appendJsonString(out_, model);
    out_.append(R"(,"choices":[)");
  }

  // False when the choice cannot be written as JSON (a non-finite number in a call's args).
  [[nodiscard]] bool choice(const ChoiceDigest& choice, std::span<const PartDigest> parts) {
    bool hasText = false;
    bool hasThought = false;
    bool hasCalls = false;
    for (const auto& part : parts) {
      if (part.functionCall)
        hasCalls = true;
      else if (part.thought)
        hasThought |= !part.text.empty();
      else
        hasText = true;
    }

    separate();
    out_.append(R"({"index":)");
    appendJsonInteger(out_, choice.index);
    out_.append(R"(,"message":{"role":"assistant","content":)");
    if (hasText) {
      texts(parts, false);
    } else {
      out_.append("null");
    }
    if (hasThought) {
      out_.append(R"(,"reasoning_content":)");
      texts(parts, true);
    }
    thinkingBlocks(parts, hasThought);
    out_.append(R"(,"refusal":null)");
    if (hasCalls) {
      out_.append(R"(,"tool_calls":)");
      if (!toolCalls(parts, static_cast<std::size_t>(choice.index))) return false;
    }
    if (choice.safetyRatings) {
      // Copied as Vertex sent them (camelCase members); a non-finite number leaves them out.
      scratch_.clear();
      if (appendJsonValue(scratch_, *choice.safetyRatings)) {
        out_.append(R"(,"safety_ratings":)");
        out_.append(scratch_);
      }
    }
    out_.append(R"(},"logprobs":)");
    if (choice.logprobsResult) {
      JsonWriter value(out_);
      writeLogprobs(value, *choice.logprobsResult);
    } else {
      out_.append("null");
    }
    // mapFinishReason gives one of a few literals: nothing to escape.
    out_.append(R"(,"finish_reason":")");
    out_.append(mapFinishReason(choice.finishReason, hasCalls));
    out_.append(R"("})");
    return true;
  }

  void blocked(std::string_view refusal) {
    separate();
    out_.append(R"({"index":0,"message":{"role":"assistant","content":null,"refusal":)");
    appendJsonString(out_, refusal);
    out_.append(R"(},"logprobs":null,"finish_reason":"content_filter"})");
  }

  // From the closing of `choices` to the end.
  void tail(const Usage& usage) {
    out_.append("],");
    writeUsage(out_, usage);
    out_.push_back('}');
  }

 private:
  void separate() {
    if (!firstChoice_) out_.push_back(',');
    firstChoice_ = false;
  }

  // The concatenated text of the thought (or non-thought) parts, as one JSON string.
  void texts(std::span<const PartDigest> parts, bool thoughts) {
    out_.push_back('"');
    for (const auto& part : parts) {
      if (part.functionCall || part.thought != thoughts) continue;
      if (part.escapeFree)
        out_.append(part.text);
      else
        appendJsonEscaped(out_, part.text);
    }
    out_.push_back('"');
  }

  // The thought signatures of text parts, so that a client can send them back: one
  // `{"type":"thinking","thinking":...,"signature":...}` block per signature, the first holding the
  // reasoning text. (Function calls carry theirs in the tool-call id.)
  void thinkingBlocks(std::span<const PartDigest> parts, bool hasThought) {
    bool first = true;
    for (const auto& part : parts) {
      if (part.functionCall || part.signature.empty()) continue;
      out_.append(first ? R"(,"thinking_blocks":[)" : ",");
      out_.append(R"({"type":"thinking","thinking":)");
      if (first && hasThought)
        texts(parts, true);
      else
        out_.append(R"("")");
      out_.append(R"(,"signature":)");
      appendJsonString(out_, part.signature);
      out_.push_back('}');
      first = false;
    }
    if (!first) out_.push_back(']');
  }

  // The `tool_calls` array.
  bool toolCalls(std::span<const PartDigest> parts, std::size_t choice) {
    JsonWriter w(out_);
    w.beginArray();
    std::size_t call = 0;
    for (const auto& part : parts) {
      const auto* function = part.functionCall;
      if (!function) continue;
      w.beginObject();
      w.field("id", mintToolCallId(context_.requestId, choice, call++,
                                   stringField(part.callPart, "thoughtSignature")));
      w.field("type", "function");
      w.key("function");
      w.beginObject();
      w.field("name", stringField(function, "name"));
      arguments_.clear();
      if (const auto* args = function->if_contains("args"); args && args->is_object()) {
        if (!appendJsonValue(arguments_, *args)) return false;
      } else {
        arguments_ = "{}";
      }
      w.field("arguments", arguments_);
      w.endObject();
      w.endObject();
    }
    w.endArray();
    return true;
  }

  std::string& out_;
  const ResponseContext& context_;
  bool firstChoice_ = true;
  std::string arguments_;  // reused for each call's arguments text
  std::string scratch_;    // safety ratings, written whole or not at all
};

// The one writer of both readers' digests. Orders the digest's choices by index (stably: equal
// indexes keep the upstream's order).
core::Result<TranslatedResponse> writeCompletion(CompletionDigest& digest, std::size_t bodySize,
                                                 const BackendTarget& target,
                                                 const ResponseContext& context) {
  const auto byIndex = [](const ChoiceDigest& a, const ChoiceDigest& b) {
    return a.index < b.index;
  };
  // Usually already in order; stable_sort would still allocate its merge buffer.
  if (!std::is_sorted(digest.choices.begin(), digest.choices.end(), byIndex))
    std::stable_sort(digest.choices.begin(), digest.choices.end(), byIndex);

  TranslatedResponse response;
  response.usage = usageFromCounts(digest.usage);
  response.responseModel =
      std::string(digest.modelVersion.empty() ? target.model : digest.modelVersion);

  std::string& out = response.body;
  out.reserve(512 + bodySize / 2);
  CompletionWriter writer(out, context);
  writer.head(digest.responseId.empty() ? context.requestId : digest.responseId,
              core::parseRfc3339(digest.createTime).value_or(context.nowSeconds),
              response.responseModel);
  if (digest.choices.empty()) {
    writer.blocked(digest.blockedRefusal);
  } else {
    const std::span<const PartDigest> allParts(digest.parts);
    for (const auto& choice : digest.choices)
      if (!writer.choice(choice, allParts.subspan(choice.firstPart, choice.partCount)))
        return bad("a function call's args hold a number out of range");
  }
  writer.tail(response.usage);
  return response;
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

void readCandidate(const json::object& candidate, CompletionDigest& digest) {
  ChoiceDigest choice;
  choice.index = integerField(&candidate, "index");
  choice.firstPart = digest.parts.size();
  if (const auto* parts = arrayField(objectField(&candidate, "content"), "parts")) {
    for (const auto& value : *parts) {
      if (!value.is_object()) continue;
      const auto& part = value.get_object();
      if (const auto* function = objectField(&part, "functionCall")) {
        PartDigest call;
        call.callPart = &part;
        call.functionCall = function;
        digest.parts.push_back(call);
      } else if (const auto* text = part.if_contains("text"); text && text->is_string()) {
        digest.parts.push_back({.text = sv(text->get_string()),
                                .thought = isThought(part),
                                .signature = stringField(&part, "thoughtSignature")});
      }
    }
  }
  choice.partCount = digest.parts.size() - choice.firstPart;
  choice.finishReason = stringField(&candidate, "finishReason");
  choice.logprobsResult = objectField(&candidate, "logprobsResult");
  if (const auto* ratings = candidate.if_contains("safetyRatings"); ratings && ratings->is_array())
    choice.safetyRatings = ratings;
  digest.choices.push_back(choice);
}

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
  if (!metadata) return counts;
  counts.counted =
      metadata->contains("promptTokenCount") || metadata->contains("toolUsePromptTokenCount") ||
      metadata->contains("candidatesTokenCount") || metadata->contains("thoughtsTokenCount") ||
      metadata->contains("cachedContentTokenCount") || metadata->contains("totalTokenCount");
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
