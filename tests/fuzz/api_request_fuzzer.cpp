// libFuzzer target: a client's request through the inbound side, as the gateway takes it: the path
// matched to an endpoint (matchEndpoint), the body parsed once (ParsedRequest: model, stream,
// stream_options), then every provider's translator for that endpoint builds its upstream calls
// and reads an upstream answer (the OpenAI embeddings passthrough among them). Byte 0: bit 0 sends
// no Content-Type; byte 1 is a separator, the rest is split on it: the path, the Content-Type, the
// query, the body, then the upstream's answer. The contract:
// - an unmatched path gets its API's error envelope, a JSON object;
// - a refused body is InvalidJson, InvalidRequest or UnsupportedMediaType (400 or 415; a refused
//   field is named), rendered in the endpoint's envelope as a JSON object, and as its stream's
//   closing event (a frame carrying a JSON object) where the endpoint streams;
// - a parsed request carries the endpoint, a non-empty model (the body's, or the path's for the
//   Gemini API), `stream` as the body or path says, include_usage only for chat;
// - a translator refuses only as the client's InvalidRequest naming a param, builds POSTs whose
//   bodies are JSON objects, and answers or refuses the upstream body as UpstreamBadResponse.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/endpoint_spec.hpp"
#include "api/parsed_request.hpp"
#include "core/error.hpp"
#include "passthrough_checks.hpp"
#include "providers/registry.hpp"

namespace json = boost::json;
using namespace switchyard;
using core::ErrorKind;
using fuzz::failPassthrough;

namespace {

json::value parsedOrNull(std::string_view text, json::monotonic_resource& arena) {
  boost::system::error_code ec;
  auto parsed = json::parse(text, ec, &arena);
  return ec ? json::value() : parsed;
}

void checkEnvelope(std::string_view body) {
  json::monotonic_resource arena;
  if (!parsedOrNull(body, arena).is_object())
    failPassthrough("an error body that is not JSON", body);
}

// `event: error\n` (Anthropic's) then `data: {...}` and blank lines, CRLF or LF.
void checkStreamEnvelope(std::string_view frame) {
  std::string_view rest = frame;
  if (rest.starts_with("event: error\n")) rest.remove_prefix(13);
  if (!rest.starts_with("data: ")) failPassthrough("an error event without data", frame);
  rest.remove_prefix(6);
  const auto end = rest.find_first_of("\r\n");
  if (end == std::string_view::npos) failPassthrough("an error event not ended", frame);
  const auto tail = rest.substr(end);
  if (tail != "\n\n" && tail != "\r\n\r\n") failPassthrough("an error event's ending", frame);
  checkEnvelope(rest.substr(0, end));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto parts = fuzz::splitParts(data, size);
  if (parts.size() < 4) return 0;
  const std::string_view path = parts[0];
  const std::string_view contentType = (data[0] & 1) != 0 ? std::string_view{} : parts[1];
  const std::string_view query = parts[2];
  const std::string_view body = parts[3];

  const auto match = api::matchEndpoint(path);
  if (!match.spec) {
    checkEnvelope(api::errorRendererFor(path)(
        core::Error::make(ErrorKind::RouteNotFound, "no endpoint serves " + std::string(path))));
    return 0;
  }
  const api::EndpointSpec& spec = *match.spec;
  api::ParsedRequest parsed;
  if (const auto result = parsed.parse(match, contentType, body, query); !result) {
    const auto& error = result.error();
    if (error.kind != ErrorKind::InvalidJson && error.kind != ErrorKind::InvalidRequest &&
        error.kind != ErrorKind::UnsupportedMediaType)
      failPassthrough("a body refused as something else than the client's", error.message);
    const unsigned status = core::httpStatusOf(error);
    if (status != 400 && status != 415) failPassthrough("a refusal that is not 400 or 415");
    checkEnvelope(spec.renderError(error));
    if (spec.renderStreamError) checkStreamEnvelope(spec.renderStreamError(error));
    return 0;
  }
  const auto& request = parsed.request();
  if (request.endpoint != spec.endpoint || !request.body) failPassthrough("the wrong endpoint");
  if (request.model.empty()) failPassthrough("a request without a model");
  if (spec.model == api::EndpointSpec::From::Path) {
    if (request.model != match.model) failPassthrough("not the path's model", request.model);
  } else {
    const auto* model = request.body->if_contains("model");
    if (!model || !model->is_string() || model->get_string() != request.model)
      failPassthrough("not the body's model", request.model);
  }
  if (spec.stream == api::EndpointSpec::From::None && request.stream)
    failPassthrough("a stream on an endpoint that does not stream");
  if (spec.stream == api::EndpointSpec::From::Path && request.stream != match.stream)
    failPassthrough("not the path's stream flag");
  if (spec.stream == api::EndpointSpec::From::Body) {
    const auto* stream = request.body->if_contains("stream");
    if (request.stream != (stream && stream->is_bool() && stream->get_bool()))
      failPassthrough("not the body's stream flag");
  }
  if (request.includeUsage && spec.endpoint != providers::Endpoint::ChatCompletions)
    failPassthrough("include_usage outside chat");

  for (const auto* provider : providers::allProviders()) {
    const auto* translator = spec.translatorOf(*provider);
    if (!translator) continue;
    const providers::BackendTarget target{request.model, "p", "us-central1", "/v1", {}};
    const auto built = translator->buildRequest(request, target);
    if (!built) {
      if (built.error().kind != ErrorKind::InvalidRequest || built.error().param.empty())
        failPassthrough("refused without an InvalidRequest naming the field",
                        built.error().message);
      continue;
    }
    if (built->empty()) failPassthrough("no upstream call");
    for (const auto& call : *built) {
      if (call.method != "POST")
        failPassthrough("an upstream call that is not a POST", call.target);
      json::monotonic_resource arena;
      if (!parsedOrNull(call.body, arena).is_object())
        failPassthrough("an upstream body that is not a JSON object", call.body);
    }
    if (parts.size() < 5) continue;
    const std::vector<std::string_view> answers(built->size(), parts[4]);
    const auto answer = translator->translateResponse(answers, request, target, {1700000000, "r"});
    if (!answer && answer.error().kind != ErrorKind::UpstreamBadResponse)
      failPassthrough("an answer refused as something else", answer.error().message);
  }
  return 0;
}
