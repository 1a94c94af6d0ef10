#pragma once
// The contract every StreamTranslator keeps towards the client, checked by the stream fuzzers:
// - each call appends zero or more whole frames `data: <payload>\n\n`, the payload on one line and
//   either valid JSON (a chunk object) or `[DONE]`, which only finish() sends, once, last;
// - a call that fails appends nothing, and so does every call after it (they fail too); errors are
//   the upstream's side (UpstreamBadResponse or UpstreamStatus) and render as a JSON error body;
// - after a successful finish(), finish() again succeeds with nothing and onEvent() fails with
//   nothing.
// Input layout shared by the targets: byte 0 holds flags (bit 0: stream_options.include_usage),
// byte 1 is the separator, the rest is the upstream's event data split on it (a trailing separator
// ends the last event rather than starting an empty one).
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "providers/sse_stream_translator.hpp"

namespace switchyard::fuzz {

// A broken contract: say which one, then abort so libFuzzer records the input.
[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "contract broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

struct StreamInput {
  bool includeUsage = false;
  std::vector<std::string_view> events;
};

inline bool parseStreamInput(const std::uint8_t* data, std::size_t size, StreamInput& input) {
  if (size < 2) return false;
  input.includeUsage = (data[0] & 1) != 0;
  const char separator = static_cast<char>(data[1]);
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  while (!rest.empty()) {
    const auto end = rest.find(separator);
    input.events.push_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return true;
}

// Called for every JSON frame with its payload parsed, and the call that produced it.
using FrameCheck = std::function<void(const boost::json::object& chunk, std::string_view payload)>;

class StreamContract {
 public:
  StreamContract(providers::SseStreamTranslator& translator, FrameCheck check)
      : translator_(translator), check_(std::move(check)) {}

  // Returns what this event appended (checked), for target-specific checks.
  std::string_view onEvent(std::string_view data) {
    const std::size_t mark = out_.size();
    const auto result = translator_.onEvent(data, out_);
    return settle(result, mark, false);
  }

  std::string_view finish() {
    const std::size_t mark = out_.size();
    const auto result = translator_.finish(out_);
    return settle(result, mark, true);
  }

  bool failed() const { return failed_; }
  bool finished() const { return finished_; }
  const std::string& output() const { return out_; }

  // Runs every event, then finish(), then pokes the translator once more to check it stays closed.
  // `accepted` sees each event that succeeded with the bytes it appended.
  void run(const std::vector<std::string_view>& events,
           const std::function<void(std::string_view event, std::string_view added)>& accepted =
               nullptr) {
    for (const auto event : events) {
      const bool before = failed_;
      const auto added = onEvent(event);
      if (!failed_ && !before && accepted) accepted(event, added);
    }
    finish();
    if (finished_) {
      if (!finish().empty() || failed_) fail("a second finish() changed the outcome", out_);
      onEvent(R"({"candidates":[],"choices":[]})");
      if (!failed_) fail("an event after finish() was accepted", out_);
    } else {
      onEvent("{}");
      finish();
    }
  }

 private:
  std::string_view settle(const core::Result<void>& result, std::size_t mark, bool isFinish) {
    const std::string_view added(out_.data() + mark, out_.size() - mark);
    if (!result) {
      if (!added.empty()) fail("a failing call produced output", added);
      checkError(result.error());
      failed_ = true;
      return added;
    }
    if (failed_) fail("a call succeeded after an error", added);
    if (finished_ && !added.empty()) fail("output after [DONE]", added);
    checkFrames(added, isFinish);
    if (isFinish) finished_ = true;
    return added;
  }

  static void checkError(const core::Error& error) {
    if (error.kind != core::ErrorKind::UpstreamBadResponse &&
        error.kind != core::ErrorKind::UpstreamStatus)
      fail("a stream error that is not the upstream's", error.message);
    boost::json::monotonic_resource arena;
    boost::system::error_code ec;
    (void)boost::json::parse(core::renderOpenAiError(error), ec, &arena);
    if (ec) fail("the error body is not JSON", core::renderOpenAiError(error));
  }

  void checkFrames(std::string_view added, bool isFinish) {
    while (!added.empty()) {
      if (sawDone_) fail("a frame after [DONE]", added);
      if (!added.starts_with("data: ")) fail("a frame not starting with `data: `", added);
      const auto end = added.find('\n');
      if (end == std::string_view::npos || added.substr(end, 2) != "\n\n")
        fail("a frame not ended by exactly one blank line", added);
      const auto payload = added.substr(6, end - 6);
      if (payload.find('\r') != std::string_view::npos) fail("a CR inside a frame", payload);
      added.remove_prefix(end + 2);
      if (payload == "[DONE]") {
        if (!isFinish) fail("[DONE] sent by onEvent()", payload);
        sawDone_ = true;
        continue;
      }
      boost::json::monotonic_resource arena;
      boost::system::error_code ec;
      const auto parsed = boost::json::parse(payload, ec, &arena);
      if (ec) fail("a frame payload that is not JSON", payload);
      if (!parsed.is_object()) fail("a frame payload that is not an object", payload);
      check_(parsed.get_object(), payload);
    }
    if (isFinish && !sawDone_) fail("finish() succeeded without [DONE]", out_);
  }

  providers::SseStreamTranslator& translator_;
  FrameCheck check_;
  std::string out_;
  bool failed_ = false;
  bool finished_ = false;
  bool sawDone_ = false;
};

}  // namespace switchyard::fuzz
