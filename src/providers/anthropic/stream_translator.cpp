#include "providers/anthropic/stream_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "providers/anthropic/error_translator.hpp"
#include "providers/anthropic/response_translator.hpp"

namespace switchyard::providers::anthropic {

using core::appendJsonValue;

using core::appendJsonEscaped;
using core::appendJsonInteger;
using core::appendJsonString;
using core::JsonWriter;
using core::objectField;
using core::stringField;
using core::toInt64;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

namespace {

// Claude numbers a message's blocks from 0; far beyond this is not a real block.
constexpr std::int64_t kMaxBlocks = 4096;

Error bad(std::string message) {
  return Error::make(ErrorKind::UpstreamBadResponse,
                     "Claude on Vertex AI sent an unreadable stream event: " + std::move(message));
}

class ClaudeStreamTranslator final : public SseStreamTranslator {
 public:
  ClaudeStreamTranslator(const ApiRequest& request, const BackendTarget& target,
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
    if (!stopped_)
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
  enum class Block : std::uint8_t { None, Text, Thinking, ToolUse, Other, Stopped };

  struct BlockState {
    Block type = Block::None;
    std::size_t call = 0;       // a tool_use block: its tool call's index
    bool streamedArgs = false;  // ... and whether any argument text went out
    std::string startInput;     // ... its start `input`, when not empty
  };

  core::Result<void> fail(Error error) {
    failure_ = std::move(error);
    return *failure_;
  }

  core::Result<void> translate(std::string_view data, std::string& out) {
    unsigned char initial[4096];
    json::monotonic_resource arena(initial, sizeof initial);
    boost::system::error_code ec;
    const json::value parsed = json::parse(data, ec, json::storage_ptr(&arena));
    if (ec) return bad("the data is not JSON (" + ec.message() + ")");
    if (!parsed.is_object()) return bad("the data is not a JSON object");
    const auto& event = parsed.get_object();
    const auto type = stringField(&event, "type");
    if (type.empty()) return bad("an event without a type");
    if (type == "error") {
      const auto errorType = stringField(objectField(&event, "error"), "type");
      const unsigned status = openAiStatus(statusOfErrorType(errorType));
      if (auto error = anthropicError(status, data)) return *error;
      return Error::upstream(status, "upstream sent an error event");
    }
    if (type == "ping") return {};
    if (type == "message_start") {
      if (started_) return bad("a second message_start");
      return start(objectField(&event, "message"), out);
    }
    const bool known = type == "content_block_start" || type == "content_block_delta" ||
                       type == "content_block_stop" || type == "message_delta" ||
                       type == "message_stop";
    if (!known) return {};  // an event type Claude added since
    if (!started_) return bad("a " + std::string(type) + " event before message_start");
    if (stopped_) return bad("a " + std::string(type) + " event after message_stop");
    if (type == "message_delta") return messageDelta(event, out);
    if (type == "message_stop") {
      if (!finished_) finish(out, "stop");
      stopped_ = true;
      return {};
    }
    if (finished_) return bad("a " + std::string(type) + " event after the stop reason");
    const auto* indexValue = event.if_contains("index");
    const auto index = indexValue ? toInt64(*indexValue) : std::nullopt;
    if (!index || *index < 0 || *index >= kMaxBlocks) return bad("a block index out of range");
    const auto at = static_cast<std::size_t>(*index);
    if (type == "content_block_start")
      return blockStart(at, objectField(&event, "content_block"), out);
    if (at >= blocks_.size() || blocks_[at].type == Block::None ||
        blocks_[at].type == Block::Stopped)
      return bad(std::string(type) + " for block " + std::to_string(at) + ", which is not open");
    if (type == "content_block_delta")
      return blockDelta(blocks_[at], objectField(&event, "delta"), out);
    return blockStop(blocks_[at], out);
  }

  core::Result<void> start(const json::object* message, std::string& out) {
    started_ = true;
    if (const auto model = stringField(message, "model"); !model.empty()) model_.assign(model);
    readUsage(objectField(message, "usage"), counts_);
    usage_ = usageFromCounts(counts_);
    const auto id = stringField(message, "id");
    head_.append("data: {\"id\":\"chatcmpl-");
    appendJsonEscaped(head_, id.empty() ? std::string_view(requestId_) : id);
    head_.append("\",\"object\":\"chat.completion.chunk\",\"created\":");
    appendJsonInteger(head_, nowSeconds_);
    head_.append(",\"model\":");
    appendJsonString(head_, model_);
    head_.append(",\"choices\":[");
    delta(out, R"({"role":"assistant","content":""})");
    return {};
  }

  core::Result<void> blockStart(std::size_t index, const json::object* block, std::string& out) {
    if (!block) return bad("a content_block_start without a content_block");
    if (index < blocks_.size() && blocks_[index].type != Block::None)
      return bad("block " + std::to_string(index) + " started twice");
    if (index >= blocks_.size()) blocks_.resize(index + 1);
    BlockState& state = blocks_[index];
    const auto type = stringField(block, "type");
    if (type == "text") {
      state.type = Block::Text;
      textDelta(out, "content", stringField(block, "text"));
    } else if (type == "thinking") {
      state.type = Block::Thinking;
      textDelta(out, "reasoning_content", stringField(block, "thinking"));
      signatureDelta(out, stringField(block, "signature"));
    } else if (type == "redacted_thinking") {
      state.type = Block::Other;
      std::string text = R"({"thinking_blocks":[{"type":"redacted_thinking","data":)";
      appendJsonString(text, stringField(block, "data"));
      text.append("}]}");
      delta(out, text);
    } else if (type == "tool_use") {
      state.type = Block::ToolUse;
      state.call = calls_++;
      if (const auto* input = block->if_contains("input");
          input && input->is_object() && !input->get_object().empty()) {
        if (!appendJsonValue(state.startInput, *input))
          return bad("a tool_use input holds a number out of range");
      }
      std::string text;
      JsonWriter w(text);
      w.beginObject();
      w.key("tool_calls");
      w.beginArray();
      w.beginObject();
      w.fieldInt("index", static_cast<std::int64_t>(state.call));
      w.field("id", stringField(block, "id"));
      w.field("type", "function");
      w.key("function");
      w.beginObject();
      w.field("name", stringField(block, "name"));
      w.field("arguments", "");
      w.endObject();
      w.endObject();
      w.endArray();
      w.endObject();
      delta(out, text);
    } else {
      state.type = Block::Other;  // server tools, results, and blocks Claude may add
    }
    return {};
  }

  core::Result<void> blockDelta(BlockState& state, const json::object* delta, std::string& out) {
    if (!delta) return bad("a content_block_delta without a delta");
    const auto type = stringField(delta, "type");
    const auto expect = [&](Block block) -> core::Result<void> {
      if (state.type != block) return bad("a " + std::string(type) + " in a block of another type");
      return {};
    };
    if (type == "text_delta") {
      if (auto ok = expect(Block::Text); !ok) return ok;
      textDelta(out, "content", stringField(delta, "text"));
    } else if (type == "thinking_delta") {
      if (auto ok = expect(Block::Thinking); !ok) return ok;
      textDelta(out, "reasoning_content", stringField(delta, "thinking"));
    } else if (type == "signature_delta") {
      if (auto ok = expect(Block::Thinking); !ok) return ok;
      signatureDelta(out, stringField(delta, "signature"));
    } else if (type == "input_json_delta") {
      if (state.type == Block::Other) return {};  // a server tool's input
      if (auto ok = expect(Block::ToolUse); !ok) return ok;
      const auto piece = stringField(delta, "partial_json");
      if (!piece.empty()) {
        arguments(out, state.call, piece);
        state.streamedArgs = true;
      }
    }
    return {};  // citations_delta and deltas Claude may add
  }

  core::Result<void> blockStop(BlockState& state, std::string& out) {
    if (state.type == Block::ToolUse && !state.streamedArgs)
      arguments(out, state.call, state.startInput.empty() ? "{}" : state.startInput);
    state.type = Block::Stopped;
    state.startInput.clear();
    return {};
  }

  core::Result<void> messageDelta(const json::object& event, std::string& out) {
    readUsage(objectField(&event, "usage"), counts_);
    usage_ = usageFromCounts(counts_);
    const auto reason = stringField(objectField(&event, "delta"), "stop_reason");
    if (!reason.empty() && !finished_) finish(out, mapStopReason(reason));
    return {};
  }

  void finish(std::string& out, std::string_view reason) {
    finished_ = true;
    out.append(head_);
    out.append(R"({"index":0,"delta":{},"logprobs":null,"finish_reason":")");
    out.append(reason);  // one of mapStopReason's literals
    out.append("\"}]}\n\n");
  }

  // One chunk of choice 0 with this delta object.
  void delta(std::string& out, std::string_view deltaObject) {
    out.append(head_);
    out.append(R"({"index":0,"delta":)");
    out.append(deltaObject);
    out.append(R"(,"logprobs":null,"finish_reason":null}]})");
    out.append("\n\n");
  }

  void textDelta(std::string& out, std::string_view key, std::string_view text) {
    if (text.empty()) return;
    scratch_.clear();
    scratch_.append("{\"").append(key).append("\":");
    appendJsonString(scratch_, text);
    scratch_.push_back('}');
    delta(out, scratch_);
  }

  void signatureDelta(std::string& out, std::string_view signature) {
    if (signature.empty()) return;
    scratch_.assign(R"({"thinking_blocks":[{"type":"thinking","thinking":"","signature":)");
    appendJsonString(scratch_, signature);
    scratch_.append("}]}");
    delta(out, scratch_);
  }

  void arguments(std::string& out, std::size_t call, std::string_view piece) {
    scratch_.assign(R"({"tool_calls":[{"index":)");
    appendJsonInteger(scratch_, static_cast<std::int64_t>(call));
    scratch_.append(R"(,"function":{"arguments":)");
    appendJsonString(scratch_, piece);
    scratch_.append("}}]}");
    delta(out, scratch_);
  }

  const bool includeUsage_;
  std::string model_;  // the upstream model until message_start names one
  const std::string requestId_;
  const std::int64_t nowSeconds_;

  bool started_ = false;   // message_start seen
  bool finished_ = false;  // the finish chunk went out
  bool stopped_ = false;   // message_stop seen
  bool closed_ = false;    // [DONE] went out
  std::optional<Error> failure_;
  std::string head_;  // `data: {"id":...,"choices":[`
  std::vector<BlockState> blocks_;
  std::size_t calls_ = 0;
  UsageCounts counts_;
  Usage usage_;
  std::string scratch_;
};

}  // namespace

std::unique_ptr<SseStreamTranslator> makeStreamTranslator(const ApiRequest& request,
                                                          const BackendTarget& target,
                                                          const ResponseContext& context) {
  return std::make_unique<ClaudeStreamTranslator>(request, target, context);
}

}  // namespace switchyard::providers::anthropic
