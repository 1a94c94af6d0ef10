#include "providers/anthropic/count_tokens_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "providers/anthropic/error_translator.hpp"
#include "providers/vertex/model_path.hpp"

namespace switchyard::providers::anthropic {

using core::integerField;
using core::JsonWriter;
using core::numberOutOfRange;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

core::Result<UpstreamCalls> CountTokensTranslator::buildRequest(const ApiRequest& request,
                                                                const BackendTarget& target) const {
  if (!request.body) return Error::make(ErrorKind::Internal, "no request body to translate");
  const std::string_view model = target.model.empty() ? request.model : target.model;
  if (model.empty())
    return Error::make(ErrorKind::InvalidRequest, "you must provide a model parameter", "model");
  auto path = vertex::publisherModelPath(target, "anthropic", "rawPredict", "count-tokens");
  if (!path) return path.error();
  UpstreamCalls calls(1);
  core::OutboundRequest& outbound = calls.front();
  outbound.method = "POST";
  outbound.target = std::move(*path);
  outbound.headers.reserve(core::kTypicalOutboundHeaders);
  outbound.headers.push_back({"Content-Type", "application/json"});
  outbound.body.reserve(256);
  JsonWriter w(outbound.body);
  w.beginObject();
  bool wroteModel = false;
  for (const auto& entry : *request.body) {
    w.escapedKey(entry.key());
    if (entry.key() == "model") {
      w.string(model);
      wroteModel = true;
    } else if (!w.value(entry.value())) {
      return numberOutOfRange(entry.key(), entry.value());
    }
  }
  if (!wroteModel) w.field("model", model);
  w.endObject();
  return calls;
}

core::Result<TranslatedResponse> CountTokensTranslator::translateResponse(
    std::span<const std::string_view> upstreamBodies, const ApiRequest&,
    const BackendTarget& target, const ResponseContext&) const {
  const std::string_view body = upstreamBodies.front();
  unsigned char initial[512];
  json::monotonic_resource arena(initial, sizeof initial);
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec, json::storage_ptr(&arena));
  if (ec || !parsed.is_object())
    return Error::make(ErrorKind::UpstreamBadResponse,
                       "Claude on Vertex returned a token count that is not a JSON object");
  TranslatedResponse response;
  response.usage.promptTokens = integerField(&parsed.get_object(), "input_tokens");
  response.usage.totalTokens = response.usage.promptTokens;
  response.responseModel = std::string(target.model);
  response.body.assign(body.data(), body.size());
  return response;
}

std::unique_ptr<StreamTranslator> CountTokensTranslator::newStreamTranslator(
    const ApiRequest&, const BackendTarget&, const ResponseContext&) const {
  return nullptr;
}

core::Error CountTokensTranslator::translateError(unsigned status,
                                                  const std::vector<core::Header>& headers,
                                                  std::string_view upstreamBody) const {
  return anthropic::translateError(status, headers, upstreamBody);
}

}  // namespace switchyard::providers::anthropic
