// libFuzzer target: the Gemini API passthrough (`:generateContent`, `:streamGenerateContent`,
// `:countTokens` on Vertex), a client's request in and the upstream's answer back. Byte 0: bit 0
// streams, bit 1 counts tokens instead, bit 2 takes the backend model from the first part (the
// Gemini API names the model in the client's path); byte 1 is a separator, the rest is split on
// it: the model (bit 2), the client's query string, its body, then the upstream's answer.
// Contract checked:
// - a refusal is the client's InvalidRequest naming a param (only the model, `alt` or a number
//   can be wrong); otherwise one POST to the model's path with the method the flags ask for;
// - the upstream body is a JSON object with every member of the client's but `model`, each the
//   same JSON, and it is never more than twice the client's body;
// - an answer is the upstream body byte for byte with a model named, or UpstreamBadResponse when
//   it is not a JSON object; countTokens' usage is `totalTokens` as prompt and total;
// - an error answer becomes UpstreamStatus whose OpenAI rendering is JSON.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "passthrough_checks.hpp"
#include "providers/vertex/gemini_stream_translator.hpp"
#include "providers/vertex/gemini_translator.hpp"

namespace json = boost::json;
using namespace switchyard;
using core::ErrorKind;
using fuzz::failPassthrough;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const providers::vertex::GeminiTranslator generate;
  static const providers::vertex::GeminiCountTokensTranslator countTokens;
  if (size < 2) return 0;
  const auto parts = fuzz::splitParts(data, size);
  const bool stream = (data[0] & 1) != 0;
  const bool counting = (data[0] & 2) != 0;
  const bool clientModel = (data[0] & 4) != 0;
  std::size_t next = 0;
  std::string_view model = "gemini-2.5-flash";
  if (clientModel) {
    if (parts.size() <= next) return 0;
    model = parts[next++];
  }
  if (parts.size() < next + 2) return 0;
  const std::string_view query = parts[next++];
  const std::string_view clientBody = parts[next++];

  boost::system::error_code ec;
  const json::value parsed = json::parse(clientBody, ec);
  if (ec || !parsed.is_object()) return 0;  // the endpoint refuses these before any provider
  const json::object& body = parsed.get_object();

  providers::ApiRequest request;
  request.endpoint = counting ? providers::Endpoint::GeminiCountTokens
                              : providers::Endpoint::GeminiGenerateContent;
  request.body = &body;
  request.model = model;
  request.stream = stream && !counting;
  request.query = query;
  const providers::BackendTarget target{model, "p", "us-central1", {}, {}};
  const providers::Translator& translator =
      counting ? static_cast<const providers::Translator&>(countTokens) : generate;

  const auto built = translator.buildRequest(request, target);
  if (!built) {
    if (built.error().kind != ErrorKind::InvalidRequest || built.error().param.empty())
      failPassthrough("refused without an InvalidRequest naming the field", built.error().message);
    return 0;
  }
  if (built->size() != 1) failPassthrough("a Gemini request that is not one upstream call");
  const auto& call = built->front();
  const std::string method = counting         ? ":countTokens"
                             : request.stream ? ":streamGenerateContent?alt=sse"
                                              : ":generateContent";
  const std::string path = "/v1/projects/p/locations/us-central1/publishers/google/models/" +
                           std::string(model) + method;
  if (call.method != "POST" || call.target != path)
    failPassthrough("not a POST to the model's method", call.target);
  if (!fuzz::isSafeSegment(model))
    failPassthrough("an unsafe model went into the path", call.target);
  if (call.body.size() > 2 * clientBody.size() + 2)
    failPassthrough("the upstream body outgrew the client's", call.body);
  fuzz::checkSameMembers(body, call.body, {"model"}, {});
  if (request.stream) {
    const auto translator = generate.newStreamTranslator(request, target, {});
    if (!translator) failPassthrough("a stream built without a stream translator", query);
  }

  if (parts.size() <= next) return 0;
  const std::string_view answerBody = parts[next];
  const std::string_view bodies[] = {answerBody};
  const auto answer = translator.translateResponse(bodies, request, target, {});
  json::monotonic_resource arena;
  const json::value answerJson = json::parse(answerBody, ec, &arena);
  const bool isObject = !ec && answerJson.is_object();
  if (!answer) {
    if (answer.error().kind != ErrorKind::UpstreamBadResponse)
      failPassthrough("an answer refused as something else", answer.error().message);
    if (isObject) failPassthrough("a JSON object answer refused", answerBody);
  } else {
    if (!isObject) failPassthrough("an answer that is not a JSON object accepted", answerBody);
    if (answer->body != answerBody) failPassthrough("the answer changed on the way", answer->body);
    if (answer->responseModel.empty()) failPassthrough("an answer without a model");
    if (counting && answer->usage.promptTokens != answer->usage.totalTokens)
      failPassthrough("countTokens usage prompt and total differ");
  }
  const auto error = translator.translateError(400 + data[0] % 200, {}, answerBody);
  if (error.kind != ErrorKind::UpstreamStatus)
    failPassthrough("an error answer that is not UpstreamStatus", error.message);
  (void)json::parse(core::renderOpenAiError(error), ec, &arena);
  if (ec) failPassthrough("the error body is not JSON", core::renderOpenAiError(error));
  return 0;
}
