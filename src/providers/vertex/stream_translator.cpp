#include "providers/vertex/stream_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "core/rfc3339.hpp"
#include "providers/vertex/completion_digest.hpp"
#include "providers/vertex/error_translator.hpp"
#include "providers/vertex/response_scanner.hpp"
#include "providers/vertex/response_translator.hpp"
#include "providers/vertex/wire.hpp"

namespace switchyard::providers::vertex {

using core::appendJsonValue;

using core::appendJsonEscaped;
using core::appendJsonInteger;
using core::appendJsonString;
using core::integerField;
using core::JsonWriter;
using core::objectField;
using core::stringField;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

namespace {

// Vertex allows candidateCount up to 8; anything far beyond is not a real choice index.
constexpr std::int64_t kMaxChoices = 128;

Error bad(std::string message) {
  return Error::make(ErrorKind::UpstreamBadResponse,
                     "Vertex AI sent an unreadable stream event: " + std::move(message));
}

bool isChoiceIndex(std::int64_t index) { return index >= 0 && index < kMaxChoices; }

class VertexStreamTranslator final : public SseStreamTranslator {
 public:
  VertexStreamTranslator(const ApiRequest& request, const BackendTarget& target,
                         const ResponseContext& context)
      : includeUsage_(request.includeUsage),
        model_(target.model),
        requestId_(context.requestId),
        nowSeconds_(context.nowSeconds) {}

  core::Result<void> onEvent(std::string_view data, std::string& out) override {
    if (failure_) return *failure_;
    if (closed_) return fail(bad("an event after the stream was finished"));
    const std::size_t mark = out.size();
    auto result = translate(data, out);
    if (!result) {
      out.resize(mark);  // the client gets nothing of an event that failed halfway
      return fail(result.error());
    }
    return {};
  }

  core::Result<void> onEnd(std::string& out) override {
    if (failure_) return *failure_;
    if (closed_) return {};
    bool complete = started_ && !choices_.empty();
    for (const auto& choice : choices_) complete &= !choice.seen || choice.finished;
    if (!complete)
      return fail(
          Error::make(ErrorKind::UpstreamBadResponse, "upstream stream ended before finishing"));
    if (includeUsage_) {
      out.append(head_);
      out.append("],");
      writeUsage(out, usage_);
      out.append("}\n\n");
    }
    out.append("data: [DONE]\n\n");
    closed_ = true;
    return {};
  }

  const Usage& usage() const override { return usage_; }
  std::string_view responseModel() const override { return model_; }

 private:
  struct Choice {
    bool seen = false;          // its role chunk went out
    bool finished = false;      // its finish chunk went out
    std::size_t calls = 0;      // tool calls emitted so far
    std::string safetyRatings;  // the latest event's candidate.safetyRatings, as JSON text
  };

  enum class Run { None, Content, Reasoning };

  core::Result<void> fail(Error error) {
    failure_ = std::move(error);
    return *failure_;
  }

  // As for whole answers (response_translator.hpp): the usual event is scanned in one SAX pass into
  // a digest, any other is parsed into a document and read into one; the chunks are written from
  // the digest either way. Parsing each event into a document was most of its cost.
  core::Result<void> translate(std::string_view data, std::string& out) {
    alignas(std::max_align_t) unsigned char initial[4096];
    std::pmr::monotonic_buffer_resource arena(initial, sizeof initial);
    CompletionDigest event(&arena);
    if (scanResponse(data, event, arena)) return apply(event, std::nullopt, out);
    return translateDocument(data, out);
  }

  // Errors, blocked prompts, tool calls, logprobs and odd shapes.
  core::Result<void> translateDocument(std::string_view data, std::string& out) {
    unsigned char initial[8192];
    json::monotonic_resource arena(initial, sizeof initial);
    boost::system::error_code ec;
    const json::value parsed = json::parse(data, ec, json::storage_ptr(&arena));
    if (ec) return bad("the data is not JSON (" + ec.message() + ")");
    if (const auto* error = findGoogleError(parsed))
      return vertex::translateError(httpStatusOfGoogleError(*error), data);
    if (!parsed.is_object()) return bad("the data is not a JSON object");
    const auto& root = parsed.get_object();
    CompletionDigest event(std::pmr::get_default_resource());
    event.modelVersion = stringField(&root, "modelVersion");
    event.responseId = stringField(&root, "responseId");
    event.createTime = stringField(&root, "createTime");
    event.usage = usageCounts(objectField(&root, "usageMetadata"));
    const auto unreadable = readCandidates(root, event);
    if (const auto* feedback = objectField(&root, "promptFeedback");
        event.choices.empty() && feedback && !stringField(feedback, "blockReason").empty())
      event.blockedRefusal = blockedPromptRefusal(*feedback);
    return apply(event, unreadable, out);
  }

  // Every candidate is checked before any is translated, in order: the first fault is the error.
  static std::optional<Error> readCandidates(const json::object& root, CompletionDigest& event) {
    const auto* value = root.if_contains("candidates");
    if (!value || value->is_null()) return std::nullopt;
    if (!value->is_array()) return bad("`candidates` is not an array");
    for (const auto& item : value->get_array()) {
      if (!item.is_object()) return bad("a candidate is not an object");
      if (!isChoiceIndex(integerField(&item.get_object(), "index")))
        return bad("a candidate index is out of range");
      readCandidate(item.get_object(), event);
    }
    return std::nullopt;
  }

  // The first event's id, time and model hold for the stream, and its usage counts (if any) are
  // kept, even when its candidates are unreadable.
  core::Result<void> apply(const CompletionDigest& event, const std::optional<Error>& unreadable,
                           std::string& out) {
    if (!started_) start(event);
    if (event.usage.counted) usage_ = usageFromCounts(event.usage);
    if (unreadable) return *unreadable;
    for (const auto& choice : event.choices)
      if (!isChoiceIndex(choice.index)) return bad("a candidate index is out of range");
    if (!event.choices.empty()) {
      const std::span<const PartDigest> parts(event.parts);
      for (const auto& choice : event.choices) {
        auto result = candidate(choice, parts.subspan(choice.firstPart, choice.partCount), out);
        if (!result) return result;
      }
    } else if (!event.blockedRefusal.empty()) {
      blocked(event.blockedRefusal, out);
    }
    return {};
  }

  // The first event fixes id, created and model for every chunk: `head_` is the frame up to the
  // opening of `choices`.
  void start(const CompletionDigest& event) {
    started_ = true;
    if (!event.modelVersion.empty()) model_.assign(event.modelVersion);
    const auto responseId = event.responseId;
    head_.reserve(128 + model_.size() + responseId.size());
    head_.append("data: {\"id\":\"chatcmpl-");
    appendJsonEscaped(head_, responseId.empty() ? std::string_view(requestId_) : responseId);
    head_.append("\",\"object\":\"chat.completion.chunk\",\"created\":");
    appendJsonInteger(head_, core::parseRfc3339(event.createTime).value_or(nowSeconds_));
    head_.append(",\"model\":");
    appendJsonString(head_, model_);
    head_.append(",\"choices\":[");
  }

  Choice& choiceAt(std::size_t index) {
    if (index >= choices_.size()) choices_.resize(index + 1);
    return choices_[index];
  }

  core::Result<void> candidate(const ChoiceDigest& digest, std::span<const PartDigest> parts,
                               std::string& out) {
    const auto index = static_cast<std::size_t>(digest.index);
    Choice& choice = choiceAt(index);
    if (choice.finished) {
      for (const auto& part : parts)
        if (!part.text.empty() || part.functionCall)
          return bad("content for choice " + std::to_string(index) + " after its finish reason");
      return {};
    }
    ensureRole(choice, index, out);

    const auto* logprobs = digest.logprobsResult;
    Run run = Run::None;
    for (const auto& part : parts) {
      if (part.functionCall) {
        closeRun(run, out);
        if (!toolCall(choice, index, *part.callPart, *part.functionCall, out))
          return bad("a function call's args hold a number out of range");
        continue;
      }
      if (part.text.empty()) {  // e.g. a part that only carries a thoughtSignature
        if (!part.signature.empty()) {
          closeRun(run, out);
          thinkingBlock(index, part.signature, out);
        }
        continue;
      }
      const Run kind = part.thought ? Run::Reasoning : Run::Content;
      if (kind != run) {
        closeRun(run, out);
        openChoice(index, out);
        out.append(kind == Run::Content ? "{\"content\":\"" : "{\"reasoning_content\":\"");
        run = kind;
        if (kind == Run::Content) {
          pendingLogprobs_ = logprobs;
          logprobs = nullptr;  // one event's logprobs go with its first content delta only
        }
      }
      if (part.escapeFree)
        out.append(part.text);
      else
        appendJsonEscaped(out, part.text);
      if (!part.signature.empty()) {
        closeRun(run, out);
        thinkingBlock(index, part.signature, out);
      }
    }
    closeRun(run, out);

    if (digest.safetyRatings) {
      choice.safetyRatings.clear();
      if (!appendJsonValue(choice.safetyRatings, *digest.safetyRatings))
        choice.safetyRatings.clear();
    }
    if (!digest.finishReason.empty()) {
      openChoice(index, out);
      // The finish chunk carries the candidate's latest safety ratings (Vertex repeats them).
      if (choice.safetyRatings.empty()) {
        out.append("{}");
      } else {
        out.append("{\"safety_ratings\":");
        out.append(choice.safetyRatings);
        out.push_back('}');
      }
      closeChoice(out, nullptr, mapFinishReason(digest.finishReason, choice.calls > 0));
      choice.finished = true;
    }
    return {};
  }

  void blocked(std::string_view refusal, std::string& out) {
    Choice& choice = choiceAt(0);
    if (choice.finished) return;
    ensureRole(choice, 0, out);
    openChoice(0, out);
    out.append("{\"refusal\":");
    appendJsonString(out, refusal);
    out.push_back('}');
    closeChoice(out, nullptr, {});
    openChoice(0, out);
    out.append("{}");
    closeChoice(out, nullptr, "content_filter");
    choice.finished = true;
  }

  void ensureRole(Choice& choice, std::size_t index, std::string& out) {
    if (choice.seen) return;
    choice.seen = true;
    openChoice(index, out);
    out.append("{\"role\":\"assistant\",\"content\":\"\"}");
    closeChoice(out, nullptr, {});
  }

  // A text part's thought signature, as a thinking block the client can send back (see
  // response_translator.cpp); the reasoning text itself streams as reasoning_content.
  void thinkingBlock(std::size_t index, std::string_view signature, std::string& out) {
    openChoice(index, out);
    out.append("{\"thinking_blocks\":[{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":");
    appendJsonString(out, signature);
    out.append("}]}");
    closeChoice(out, nullptr, {});
  }

  // False when the call's args hold a number with no JSON form (the event is refused).
  [[nodiscard]] bool toolCall(Choice& choice, std::size_t index, const json::object& part,
                              const json::object& function, std::string& out) {
    const std::size_t call = choice.calls++;
    openChoice(index, out);
    JsonWriter w(out);
    w.beginObject();
    w.key("tool_calls");
    w.beginArray();
    w.beginObject();
    w.fieldInt("index", static_cast<std::int64_t>(call));
    w.field("id", mintToolCallId(requestId_, index, call, stringField(&part, "thoughtSignature")));
    w.field("type", "function");
    w.key("function");
    w.beginObject();
    w.field("name", stringField(&function, "name"));
    arguments_.clear();
    if (const auto* args = function.if_contains("args"); args && args->is_object()) {
      if (!appendJsonValue(arguments_, *args)) return false;
    } else {
      arguments_ = "{}";
    }
    w.field("arguments", arguments_);
    w.endObject();
    w.endObject();
    w.endArray();
    w.endObject();
    closeChoice(out, nullptr, {});
    return true;
  }

  void closeRun(Run& run, std::string& out) {
    if (run == Run::None) return;
    out.append("\"}");
    closeChoice(out, run == Run::Content ? pendingLogprobs_ : nullptr, {});
    pendingLogprobs_ = nullptr;
    run = Run::None;
  }

  // `data: {<head>"choices":[{"index":i,"delta":` — the delta object follows.
  void openChoice(std::size_t index, std::string& out) {
    out.append(head_);
    out.append("{\"index\":");
    appendJsonInteger(out, static_cast<std::int64_t>(index));
    out.append(",\"delta\":");
  }

  // After the delta: logprobs, finish_reason (empty = null) and the end of the frame.
  void closeChoice(std::string& out, const json::object* logprobs, std::string_view finishReason) {
    out.append(",\"logprobs\":");
    if (logprobs) {
      JsonWriter w(out);
      writeLogprobs(w, *logprobs);
    } else {
      out.append("null");
    }
    out.append(",\"finish_reason\":");
    if (finishReason.empty()) {
      out.append("null");
    } else {
      appendJsonString(out, finishReason);
    }
    out.append("}]}\n\n");
  }

  const bool includeUsage_;
  std::string model_;  // target model until the first event names its modelVersion
  const std::string requestId_;
  const std::int64_t nowSeconds_;

  bool started_ = false;
  bool closed_ = false;
  std::optional<Error> failure_;
  std::string head_;
  std::vector<Choice> choices_;
  Usage usage_;
  std::string arguments_;                          // reused for each call's arguments text
  const json::object* pendingLogprobs_ = nullptr;  // valid only while one event is translated
};

}  // namespace

std::unique_ptr<SseStreamTranslator> makeStreamTranslator(const ApiRequest& request,
                                                          const BackendTarget& target,
                                                          const ResponseContext& context) {
  return std::make_unique<VertexStreamTranslator>(request, target, context);
}

}  // namespace switchyard::providers::vertex
