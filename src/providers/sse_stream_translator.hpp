#pragma once
// The base of stream translators whose upstream speaks server-sent events: it decodes the bytes
// (core::SseDecoder) and hands each event's data to onEvent(), so a subclass translates events and
// never sees framing.

#include <optional>
#include <string>
#include <string_view>

#include "core/sse_decoder.hpp"
#include "providers/provider.hpp"

namespace switchyard::providers {

class SseStreamTranslator : public StreamTranslator {
 public:
  core::Result<void> onBytes(std::string_view bytes, std::string& out) final;
  // Refuses a body that ended inside an event, then lets the subclass close the stream.
  core::Result<void> finish(std::string& out) final;

  // One upstream event's data. Appends zero or more complete client frames to `out`.
  virtual core::Result<void> onEvent(std::string_view data, std::string& out) = 0;

 protected:
  // The upstream body ended after a complete event: append the closing frames.
  virtual core::Result<void> onEnd(std::string& out) = 0;

  // The `event:` name of the event onEvent() is handling; empty when the upstream named none (or
  // when onEvent() is called directly, as tests do). Anthropic names every event.
  std::string_view eventName() const { return eventName_; }

 private:
  core::SseDecoder decoder_;
  std::string_view eventName_;         // valid during onEvent() only
  std::optional<core::Error> failed_;  // the first error, reported again by every later call
};

}  // namespace switchyard::providers
