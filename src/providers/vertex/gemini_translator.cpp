#include "providers/vertex/gemini_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "providers/vertex/error_translator.hpp"
#include "providers/vertex/gemini_stream_translator.hpp"
#include "providers/vertex/model_path.hpp"
#include "providers/vertex/response_translator.hpp"

namespace switchyard::providers::vertex {

using core::integerField;
using core::JsonWriter;
using core::numberOutOfRange;
using core::objectField;
using core::stringField;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

namespace {

// One POST of the client's body to the target model's `:method`.
core::Result<UpstreamCalls> passthroughCall(const ApiRequest& request, const BackendTarget& target,
                                            std::string_view method) {
  if (!request.body) return Error::make(ErrorKind::Internal, "no request body to translate");
  auto path = modelPath(target, method);
  if (!path) return path.error();
  auto body = geminiRequestBody(*request.body);
  if (!body) return body.error();
  UpstreamCalls calls(1);
  core::OutboundRequest& outbound = calls.front();
  outbound.method = "POST";
  outbound.target = std::move(*path);
  outbound.headers.reserve(core::kTypicalOutboundHeaders);
  outbound.headers.push_back({"Content-Type", "application/json"});
  outbound.body = std::move(*body);
  return calls;
}

// The one 2xx body of a passthrough call, parsed only to be read.
core::Result<json::value> parseAnswer(std::span<const std::string_view> bodies,
                                      json::storage_ptr storage) {
  if (bodies.size() != 1)
    return Error::make(ErrorKind::Internal, "a Gemini API request is one upstream call");
  boost::system::error_code ec;
  json::value parsed = json::parse(bodies.front(), ec, std::move(storage));
  if (ec || !parsed.is_object())
    return Error::make(ErrorKind::UpstreamBadResponse,
                       "Vertex AI returned a body that is not a JSON object");
  return parsed;
}

Error passthroughError(unsigned status, const std::vector<core::Header>& headers,
                       std::string_view upstreamBody) {
  Error error = vertex::translateError(status, upstreamBody);
  if (error.retryAfterSeconds < 0) error.retryAfterSeconds = retryAfterSeconds(headers);
  return error;
}

}  // namespace

core::Result<std::string> geminiRequestBody(const json::object& body) {
  std::string out;
  out.reserve(256);
  JsonWriter w(out);
  w.beginObject();
  for (const auto& member : body) {
    if (member.key() == "model") continue;  // Vertex takes the model from the URL
    w.escapedKey(member.key());
    if (!w.value(member.value())) return numberOutOfRange(member.key(), member.value());
  }
  w.endObject();
  return out;
}

std::optional<std::string_view> queryParam(std::string_view query, std::string_view name) {
  std::optional<std::string_view> found;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    found = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
  }
  return found;
}

core::Result<UpstreamCalls> GeminiTranslator::buildRequest(const ApiRequest& request,
                                                           const BackendTarget& target) const {
  if (!request.stream) return passthroughCall(request, target, "generateContent");
  if (!geminiFramingOf(request.query))
    return Error::make(ErrorKind::InvalidRequest,
                       "alt=" + std::string(*queryParam(request.query, "alt")) +
                           " is not supported for streamGenerateContent; use alt=sse or alt=json",
                       "alt");
  // SSE upstream whatever the client asked: it is framed by events, so each one is relayed whole
  // as it arrives; the client's framing is made from it.
  return passthroughCall(request, target, "streamGenerateContent?alt=sse");
}

core::Result<TranslatedResponse> GeminiTranslator::translateResponse(
    std::span<const std::string_view> upstreamBodies, const ApiRequest&,
    const BackendTarget& target, const ResponseContext&) const {
  unsigned char initial[4096];
  json::monotonic_resource arena(initial, sizeof initial);
  auto parsed = parseAnswer(upstreamBodies, json::storage_ptr(&arena));
  if (!parsed) return parsed.error();
  const auto& root = parsed->get_object();
  TranslatedResponse response;
  response.usage = usageFromCounts(usageCounts(objectField(&root, "usageMetadata")));
  const auto version = stringField(&root, "modelVersion");
  response.responseModel = std::string(version.empty() ? target.model : version);
  response.body.assign(upstreamBodies.front());
  return response;
}

std::unique_ptr<StreamTranslator> GeminiTranslator::newStreamTranslator(
    const ApiRequest& request, const BackendTarget& target, const ResponseContext&) const {
  const auto framing = geminiFramingOf(request.query);
  if (!framing) return nullptr;  // buildRequest refused it already
  return makeGeminiStreamTranslator(*framing, target);
}

Error GeminiTranslator::translateError(unsigned status, const std::vector<core::Header>& headers,
                                       std::string_view upstreamBody) const {
  return passthroughError(status, headers, upstreamBody);
}

core::Result<UpstreamCalls> GeminiCountTokensTranslator::buildRequest(
    const ApiRequest& request, const BackendTarget& target) const {
  return passthroughCall(request, target, "countTokens");
}

core::Result<TranslatedResponse> GeminiCountTokensTranslator::translateResponse(
    std::span<const std::string_view> upstreamBodies, const ApiRequest&,
    const BackendTarget& target, const ResponseContext&) const {
  unsigned char initial[1024];
  json::monotonic_resource arena(initial, sizeof initial);
  auto parsed = parseAnswer(upstreamBodies, json::storage_ptr(&arena));
  if (!parsed) return parsed.error();
  TranslatedResponse response;
  response.usage.promptTokens = integerField(&parsed->get_object(), "totalTokens");
  response.usage.totalTokens = response.usage.promptTokens;
  response.responseModel = std::string(target.model);
  response.body.assign(upstreamBodies.front());
  return response;
}

std::unique_ptr<StreamTranslator> GeminiCountTokensTranslator::newStreamTranslator(
    const ApiRequest&, const BackendTarget&, const ResponseContext&) const {
  return nullptr;  // countTokens answers whole
}

Error GeminiCountTokensTranslator::translateError(unsigned status,
                                                  const std::vector<core::Header>& headers,
                                                  std::string_view upstreamBody) const {
  return passthroughError(status, headers, upstreamBody);
}

}  // namespace switchyard::providers::vertex
