#pragma once
// Folds a streamed answer back into the chat.completion a non-streamed request would have received,
// for output.value and the output attributes. It accumulates the way the OpenAI SDKs' stream
// helpers do: per choice index, role set, content / reasoning_content / refusal concatenated, tool
// calls by their index (id, type and name set, arguments concatenated), finish_reason set, logprobs
// appended; id / created / model / system_fingerprint / service_tier from the chunks, usage from
// the chunk that carries it. Built only when tracing is on: the gateway pays nothing for it
// otherwise.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parser.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/sse_decoder.hpp"

namespace switchyard::telemetry {

class StreamFold {
 public:
  StreamFold() = default;
  StreamFold(const StreamFold&) = delete;
  StreamFold& operator=(const StreamFold&) = delete;

  // Bytes the stream translator emitted for the client (`data: {...}\n\n` frames, any number, split
  // anywhere). True when a chunk among them carried the stream's first content: text, reasoning,
  // refusal or a tool call (the caller stamps the first-token event then).
  bool feedFrames(std::string_view bytes);

  // One event's data: a chunk's JSON, `[DONE]`, or an error object `{"error":{...}}` (kept, not
  // folded). Data that is not a JSON object is skipped. Same return as feedFrames.
  bool feedChunk(std::string_view data);

  bool sawContent() const { return sawContent_; }
  bool sawDone() const { return sawDone_; }
  // The `error` object of an in-stream error event, if one came.
  const std::optional<boost::json::object>& error() const { return error_; }

  // The chat.completion the chunks add up to: the same keys, in the same order, as the gateway's
  // non-streamed answer (choices by index; content and refusal null when none came).
  boost::json::object completion() const;

 private:
  struct ToolCall {
    std::int64_t index = 0;
    std::string id;
    std::string type;
    std::string name;
    std::string arguments;
  };
  struct Choice {
    std::int64_t index = 0;
    std::string role;
    std::optional<std::string> content;
    std::optional<std::string> reasoning;
    std::optional<std::string> refusal;
    std::vector<ToolCall> toolCalls;  // in order of first appearance
    std::string finishReason;
    bool hasLogprobs = false;
    boost::json::array logprobContent;
    boost::json::array logprobRefusal;
  };

  // True when the chunk carried the first content.
  bool fold(const boost::json::object& chunk);
  bool foldDelta(Choice& choice, const boost::json::object& delta);
  Choice& choiceAt(std::int64_t index);

  core::SseDecoder decoder_;
  boost::json::parser parser_;
  std::string id_;
  std::string model_;
  std::string systemFingerprint_;
  std::string serviceTier_;
  std::optional<std::int64_t> created_;
  std::vector<Choice> choices_;  // in order of first appearance
  std::optional<boost::json::object> usage_;
  std::optional<boost::json::object> error_;
  bool sawContent_ = false;
  bool sawDone_ = false;
};

}  // namespace switchyard::telemetry
