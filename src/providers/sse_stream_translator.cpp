#include "providers/sse_stream_translator.hpp"

#include <optional>

namespace switchyard::providers {

using core::Error;
using core::ErrorKind;

core::Result<void> SseStreamTranslator::onBytes(std::string_view bytes, std::string& out) {
  std::optional<Error> failed;
  const bool decoded = decoder_.feed(bytes, [&](std::string_view data) {
    if (failed) return;
    if (auto translated = onEvent(data, out); !translated) failed = translated.error();
  });
  if (!decoded)
    return Error::make(ErrorKind::UpstreamBadResponse, "upstream event exceeds the size limit");
  if (failed) return *failed;
  return {};
}

core::Result<void> SseStreamTranslator::finish(std::string& out) {
  if (decoder_.hasPartialEvent())
    return Error::make(ErrorKind::UpstreamBadResponse, "upstream stream ended inside an event");
  return onEnd(out);
}

}  // namespace switchyard::providers
