// libFuzzer target: the Vertex request translator on any JSON object a client may send. It must
// answer a request or an error, and a request goes to the fixed model's path with a JSON body
// (never `Infinity` for a number beyond double range). Every refusal is the client's InvalidRequest
// with a param: the target is fixed and valid, so nothing else can be wrong.
#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "core/error.hpp"
#include "providers/vertex/chat_translator.hpp"

namespace json = boost::json;
using namespace switchyard::providers;

namespace {

// A broken contract: say which one, then abort so libFuzzer records the input.
[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "contract broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const vertex::ChatTranslator translator;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  boost::system::error_code ec;
  const json::value parsed = json::parse(input, ec);
  if (ec || !parsed.is_object()) return 0;  // the gateway rejects these before any provider
  const json::object& body = parsed.get_object();

  ApiRequest request;
  request.body = &body;
  request.model = "gemini-2.5-flash";
  if (const auto* model = body.if_contains("model"); model && model->is_string())
    request.model = model->get_string();
  if (const auto* stream = body.if_contains("stream"); stream && stream->is_bool())
    request.stream = stream->get_bool();

  const BackendTarget target{"gemini-2.5-flash", "p", "us-central1", {}};
  const auto built = translator.buildRequest(request, target);
  if (!built) {
    if (built.error().kind != switchyard::core::ErrorKind::InvalidRequest ||
        built.error().param.empty())
      fail("refused without an InvalidRequest naming the field", built.error().message);
    return 0;
  }
  if (built->size() != 1) fail("a chat request that is not one upstream call");
  const auto& call = built->front();

  constexpr std::string_view kPath =
      "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.5-flash:";
  if (!std::string_view(call.target).starts_with(kPath))
    fail("target is not the fixed model's path", call.target);
  json::monotonic_resource arena;
  const json::value out = json::parse(call.body, ec, &arena);
  if (ec) fail("upstream body is not JSON", call.body);
  return 0;
}
