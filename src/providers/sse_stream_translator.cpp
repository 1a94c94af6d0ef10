#include "providers/sse_stream_translator.hpp"

namespace switchyard::providers {

using core::Error;
using core::ErrorKind;

core::Result<void> SseStreamTranslator::onBytes(std::string_view bytes, std::string& out) {
  if (failed_) return *failed_;
  const bool decoded = decoder_.feed(bytes, [&](std::string_view data, std::string_view name) {
    if (failed_) return;
    eventName_ = name;
    if (auto translated = onEvent(data, out); !translated) failed_ = translated.error();
    eventName_ = {};
  });
  if (!decoded && !failed_)
    failed_ = Error::make(ErrorKind::UpstreamBadResponse, "upstream event exceeds the size limit");
  if (failed_) return *failed_;
  return {};
}

core::Result<void> SseStreamTranslator::finish(std::string& out) {
  if (failed_) return *failed_;
  if (decoder_.hasPartialEvent()) {
    failed_ = Error::make(ErrorKind::UpstreamBadResponse, "upstream stream ended inside an event");
    return *failed_;
  }
  return onEnd(out);
}

}  // namespace switchyard::providers
