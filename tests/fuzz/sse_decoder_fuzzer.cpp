// libFuzzer target: the SSE decoder must never crash, and the events it yields must not depend on
// where the input is split.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/sse_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // First byte chooses a split point; the rest is the stream.
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t cut = stream.empty() ? 0 : data[0] % (stream.size() + 1);

  switchyard::core::SseDecoder whole(1 << 16);
  std::vector<std::string> a;
  const bool okWhole = whole.feed(stream, [&](std::string_view e) { a.emplace_back(e); });

  switchyard::core::SseDecoder split(1 << 16);
  std::vector<std::string> b;
  bool okSplit = split.feed(stream.substr(0, cut), [&](std::string_view e) { b.emplace_back(e); });
  if (okSplit)
    okSplit = split.feed(stream.substr(cut), [&](std::string_view e) { b.emplace_back(e); });

  if (okWhole && okSplit && a != b) std::abort();
  return 0;
}
