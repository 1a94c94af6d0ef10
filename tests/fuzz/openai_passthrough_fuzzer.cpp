// libFuzzer target: the OpenAI-schema passthrough provider. The first byte picks the function
// (request, response or error), the rest is its input.
// - request: any JSON object is re-serialized with only `model` swapped for the backend's, unless
//   it holds a number beyond double range (parsed as infinity): that is refused as InvalidRequest
//   "number out of range", never sent as `Infinity`.
// - response: any JSON object is relayed byte for byte; anything else is an error. Its model and
//   usage are what the document reader reads, whether the scanning reader took the body or not.
// - error: an UpstreamStatus error keeping the status, renderable as valid JSON.
#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "providers/openai/chat_translator.hpp"
#include "providers/openai/passthrough.hpp"

namespace json = boost::json;
using namespace switchyard;

namespace {

// A broken contract: say which one, then abort so libFuzzer records the input.
[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "contract broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

const providers::BackendTarget kTarget{.model = "gpt-4o-mini", .pathPrefix = "/v1"};

// Whether a parsed value holds ±infinity or NaN (checked here independently of the provider).
bool hasNonFinite(const json::value& value) {
  if (value.is_double()) return !std::isfinite(value.get_double());
  if (value.is_array())
    return std::any_of(value.get_array().begin(), value.get_array().end(), hasNonFinite);
  if (value.is_object())
    return std::any_of(value.get_object().begin(), value.get_object().end(),
                       [](const auto& entry) { return hasNonFinite(entry.value()); });
  return false;
}

bool isJsonObject(std::string_view text, json::value* out = nullptr) {
  boost::system::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return false;
  if (out) *out = std::move(parsed);
  return true;
}

void fuzzRequest(const providers::Translator& translator, std::string_view input) {
  json::value parsed;
  if (!isJsonObject(input, &parsed)) return;
  const json::object& body = parsed.get_object();
  providers::ApiRequest request;
  request.body = &body;
  if (const auto* model = body.if_contains("model"); model && model->is_string())
    request.model = model->get_string();

  // `model` is replaced, so only the other fields can make the body unwritable.
  const bool nonFinite = std::any_of(body.begin(), body.end(), [](const auto& entry) {
    return entry.key() != "model" && hasNonFinite(entry.value());
  });
  const auto built = translator.buildRequest(request, kTarget);
  if (!built) {
    const auto& error = built.error();
    if (!nonFinite) fail("request refused", error.message);
    // (`param` names the field, but a client's key may be "", so it is not checked for emptiness.)
    if (error.kind != core::ErrorKind::InvalidRequest ||
        error.message.find("number out of range") == std::string::npos)
      fail("a non-finite number is not refused as InvalidRequest", error.message);
    return;
  }
  if (built->size() != 1) fail("a chat request that is not one upstream call");
  const auto& call = built->front();
  if (nonFinite) fail("a non-finite number was accepted", call.body);
  if (call.target != "/v1/chat/completions") fail("wrong path", call.target);
  json::value out;
  if (!isJsonObject(call.body, &out)) fail("upstream body is not a JSON object", call.body);
  const auto& object = out.get_object();
  const auto* model = object.if_contains("model");
  if (!model || !model->is_string() || model->get_string() != kTarget.model)
    fail("model not swapped for the backend's", call.body);
  if (object.size() != body.size() + (body.contains("model") ? 0 : 1))
    fail("fields added or lost", call.body);
}

void fuzzResponse(const providers::Translator& translator, std::string_view input) {
  static const json::object requestBody{{"model", "gpt-4o-mini"}};
  providers::ApiRequest request;
  request.body = &requestBody;
  request.model = "gpt-4o-mini";
  const std::string_view bodies[] = {input};
  const auto translated = translator.translateResponse(bodies, request, kTarget, {});
  if (translated.has_value() != isJsonObject(input))
    fail("accepted a non-object or refused an object", input);
  if (translated && translated->body != input) fail("body not relayed as is", translated->body);
  // The scanning reader's result is the document reader's, whichever of them read the body.
  const auto reference = providers::openai::passthroughResponseFromDocument(input, kTarget);
  if (translated.has_value() != reference.has_value()) fail("the two readers disagree", input);
  if (!translated) return;
  if (translated->responseModel != reference->responseModel ||
      translated->usage != reference->usage)
    fail("the two readers read different model or usage", input);
}

void fuzzError(const providers::Translator& translator, unsigned status, std::string_view input) {
  const core::Error error = translator.translateError(status, {}, input);
  if (error.kind != core::ErrorKind::UpstreamStatus || error.upstreamStatus != status)
    fail("not an UpstreamStatus error keeping the status", error.message);
  json::monotonic_resource arena;
  boost::system::error_code ec;
  (void)json::parse(core::renderOpenAiError(error), ec, &arena);
  if (ec) fail("OpenAI error body is not JSON", core::renderOpenAiError(error));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const providers::openai::ChatTranslator translator;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      fuzzRequest(translator, input);
      break;
    case 1:
      fuzzResponse(translator, input);
      break;
    default:
      fuzzError(translator, 400 + data[0] % 200, input);
      break;
  }
  return 0;
}
