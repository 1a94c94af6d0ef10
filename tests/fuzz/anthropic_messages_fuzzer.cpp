// libFuzzer target: the Anthropic Messages passthrough to Claude on Vertex (`/v1/messages` and
// `/v1/messages/count_tokens`), a client's request in and the upstream's answer back. Byte 0: bit 0
// streams, bit 1 counts tokens instead, bit 2 takes the backend model from the first part, bit 3
// the backend's schema.version from the next; byte 1 is a separator, the rest is split on it: the
// model (bit 2), the version (bit 3), the client's body, then the upstream's answer.
// Contract checked:
// - a refusal is the client's InvalidRequest naming a param (only the model or a number can be
//   wrong); otherwise one POST to the model's rawPredict / streamRawPredict (count-tokens'
//   rawPredict when counting), never with an unsafe model in the path;
// - Messages: the body holds the backend's anthropic_version and every client member but `model`
//   and `anthropic_version`, each the same JSON; count_tokens: every client member, `model` the
//   backend's, and no anthropic_version added; never more than twice the client's body plus the
//   added members (escaped);
// - an answer is the upstream body byte for byte, or UpstreamBadResponse when it is not a JSON
//   object; its usage adds up (total = prompt + completion unless a sum saturated) and a count's
//   is input_tokens as prompt and total;
// - an error answer becomes UpstreamStatus whose OpenAI rendering is JSON.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/utf8.hpp"
#include "passthrough_checks.hpp"
#include "providers/anthropic/count_tokens_translator.hpp"
#include "providers/anthropic/messages_translator.hpp"

namespace json = boost::json;
using namespace switchyard;
using core::ErrorKind;
using fuzz::failPassthrough;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const providers::anthropic::MessagesTranslator messages;
  static const providers::anthropic::CountTokensTranslator countTokens;
  if (size < 2) return 0;
  const auto parts = fuzz::splitParts(data, size);
  const bool stream = (data[0] & 1) != 0;
  const bool counting = (data[0] & 2) != 0;
  std::size_t next = 0;
  std::string_view model = "claude-sonnet-4@20250514";
  std::string_view version;
  if ((data[0] & 4) != 0) {
    if (parts.size() <= next) return 0;
    model = parts[next++];
    // The backend's model is the client's (a JSON string, so UTF-8) or the manifest's (text).
    // Never empty: the client's is refused empty before any provider.
    if (model.empty() || core::validUtf8(model) != model) return 0;
  }
  if ((data[0] & 8) != 0) {
    if (parts.size() <= next) return 0;
    version = parts[next++];
    // The manifest's: text (a version that is not UTF-8 is config validation's to refuse).
    if (core::validUtf8(version) != version) return 0;
  }
  if (parts.size() <= next) return 0;
  const std::string_view clientBody = parts[next++];

  boost::system::error_code ec;
  const json::value parsed = json::parse(clientBody, ec);
  if (ec || !parsed.is_object()) return 0;  // the endpoint refuses these before any provider
  const json::object& body = parsed.get_object();

  providers::ApiRequest request;
  request.endpoint =
      counting ? providers::Endpoint::AnthropicCountTokens : providers::Endpoint::AnthropicMessages;
  request.body = &body;
  request.model = "client-model";
  request.stream = stream && !counting;
  const providers::BackendTarget target{model, "p", "us-east5", {}, version};
  const providers::Translator& translator =
      counting ? static_cast<const providers::Translator&>(countTokens) : messages;

  const auto built = translator.buildRequest(request, target);
  if (!built) {
    if (built.error().kind != ErrorKind::InvalidRequest || built.error().param.empty())
      failPassthrough("refused without an InvalidRequest naming the field", built.error().message);
    return 0;
  }
  if (built->size() != 1) failPassthrough("a Messages request that is not one upstream call");
  const auto& call = built->front();
  const std::string path = "/v1/projects/p/locations/us-east5/publishers/anthropic/models/" +
                           std::string(counting ? "count-tokens" : model) +
                           (request.stream ? ":streamRawPredict" : ":rawPredict");
  if (call.method != "POST" || call.target != path)
    failPassthrough("not a POST to the model's method", call.target);
  // count_tokens names the backend's model in the body (a JSON string), not in the path.
  if (!counting && !fuzz::isSafeSegment(model))
    failPassthrough("an unsafe model went into the path", model);
  // A control byte of the backend's model or version is six bytes escaped (`\u001d`).
  if (call.body.size() > 2 * clientBody.size() + 64 + 6 * (model.size() + version.size()))
    failPassthrough("the upstream body outgrew the client's", call.body);
  json::monotonic_resource arena;
  const json::value sent = json::parse(call.body, ec, &arena);
  if (ec || !sent.is_object()) failPassthrough("the upstream body is not a JSON object", call.body);
  if (counting) {
    fuzz::checkSameMembers(body, call.body, {}, {"model"});
    const auto* sentModel = sent.get_object().if_contains("model");
    if (!sentModel || !sentModel->is_string() || sentModel->get_string() != model)
      failPassthrough("count_tokens does not name the backend's model", call.body);
    if (sent.get_object().contains("anthropic_version") && !body.contains("anthropic_version"))
      failPassthrough("count_tokens added an anthropic_version", call.body);
  } else {
    fuzz::checkSameMembers(body, call.body, {"model"}, {"anthropic_version"});
    const auto* sentVersion = sent.get_object().if_contains("anthropic_version");
    const std::string_view expected = version.empty() ? "vertex-2023-10-16" : version;
    if (!sentVersion || !sentVersion->is_string() || sentVersion->get_string() != expected)
      failPassthrough("the body does not carry the backend's anthropic_version", call.body);
    if (request.stream && !messages.newStreamTranslator(request, target, {}))
      failPassthrough("a stream built without a stream translator");
  }

  if (parts.size() <= next) return 0;
  const std::string_view answerBody = parts[next];
  const std::string_view bodies[] = {answerBody};
  const auto answer = translator.translateResponse(bodies, request, target, {});
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
    const auto& usage = answer->usage;
    if (counting && (usage.promptTokens != usage.totalTokens || usage.completionTokens != 0))
      failPassthrough("count_tokens usage is not input_tokens alone");
    std::int64_t sum = 0;
    if (!__builtin_add_overflow(usage.promptTokens, usage.completionTokens, &sum) &&
        sum != usage.totalTokens)
      failPassthrough("usage does not add up", answerBody);
  }
  const auto error = translator.translateError(400 + data[0] % 200, {}, answerBody);
  if (error.kind != ErrorKind::UpstreamStatus)
    failPassthrough("an error answer that is not UpstreamStatus", error.message);
  (void)json::parse(core::renderOpenAiError(error), ec, &arena);
  if (ec) failPassthrough("the error body is not JSON", core::renderOpenAiError(error));
  return 0;
}
