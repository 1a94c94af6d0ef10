// libFuzzer target: the Vertex error translator on any non-2xx answer. The first byte picks the
// status (400..599), the rest is the body. The message relayed to the client must carry no raw
// control characters other than \n and \t, and the OpenAI error body must be valid JSON.
#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "core/error.hpp"
#include "providers/vertex/chat_translator.hpp"

namespace json = boost::json;
using namespace switchyard;

namespace {

// A broken contract: say which one, then abort so libFuzzer records the input.
[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "contract broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const providers::vertex::ChatTranslator translator;
  if (size == 0) return 0;
  const unsigned status = 400 + data[0] % 200;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);

  const core::Error error = translator.translateError(status, {}, body);
  if (error.kind != core::ErrorKind::UpstreamStatus || error.upstreamStatus != status)
    fail("not an UpstreamStatus error keeping the status", error.message);
  for (const char ch : error.message) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F)
      fail("raw control character in the message", error.message);
  }

  json::monotonic_resource arena;
  boost::system::error_code ec;
  (void)json::parse(core::renderOpenAiError(error), ec, &arena);
  if (ec) fail("OpenAI error body is not JSON", core::renderOpenAiError(error));
  return 0;
}
