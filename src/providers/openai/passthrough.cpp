#include "providers/openai/passthrough.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "providers/openai/answer_scanner.hpp"

namespace switchyard::providers::openai {

using core::integerField;
using core::JsonWriter;
using core::numberOutOfRange;
using core::objectField;
using core::sv;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

std::string endpointPath(std::string_view prefix, std::string_view endpoint) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  std::string path;
  if (prefix.empty()) {
    path = "/v1";
  } else {
    if (prefix.front() != '/') path.push_back('/');
    path.append(prefix);
  }
  path.append(endpoint);
  return path;
}

core::Result<UpstreamCalls> passthroughRequest(const ApiRequest& request,
                                               const BackendTarget& target,
                                               std::string_view endpoint) {
  if (!request.body) return Error::make(ErrorKind::Internal, "no request body to translate");
  const std::string_view model = target.model.empty() ? request.model : target.model;
  if (model.empty())
    return Error::make(ErrorKind::InvalidRequest, "you must provide a model parameter", "model");
  UpstreamCalls calls(1);
  core::OutboundRequest& outbound = calls.front();
  outbound.method = "POST";
  outbound.target = endpointPath(target.pathPrefix, endpoint);
  outbound.headers.reserve(core::kTypicalOutboundHeaders);
  outbound.headers.push_back({"Content-Type", "application/json"});
  // Re-serialize the client's object field by field, swapping only `model`.
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
      // A number beyond double range cannot be forwarded as JSON (it would be `Infinity`).
      return numberOutOfRange(entry.key(), entry.value());
    }
  }
  if (!wroteModel) w.field("model", model);
  w.endObject();
  return calls;
}

core::Result<TranslatedResponse> passthroughResponse(std::string_view upstreamBody,
                                                     const BackendTarget& target) {
  const auto digest = scanAnswer(upstreamBody);
  if (!digest) return passthroughResponseFromDocument(upstreamBody, target);
  TranslatedResponse response;
  response.usage = digest->usage;
  response.responseModel = digest->model.empty() ? target.model : digest->model;
  response.body.assign(upstreamBody.data(), upstreamBody.size());
  return response;
}

core::Result<TranslatedResponse> passthroughResponseFromDocument(std::string_view upstreamBody,
                                                                 const BackendTarget& target) {
  unsigned char initial[4096];
  json::monotonic_resource arena(initial, sizeof initial);
  boost::system::error_code ec;
  const json::value parsed = json::parse(upstreamBody, ec, json::storage_ptr(&arena));
  if (ec || !parsed.is_object())
    return Error::make(ErrorKind::UpstreamBadResponse,
                       "the OpenAI-schema backend returned a body that is not a JSON object");
  const auto& root = parsed.get_object();
  TranslatedResponse response;
  const auto* usage = objectField(&root, "usage");
  response.usage.promptTokens = integerField(usage, "prompt_tokens");
  response.usage.completionTokens = integerField(usage, "completion_tokens");
  response.usage.totalTokens = integerField(usage, "total_tokens");
  response.usage.cachedTokens =
      integerField(objectField(usage, "prompt_tokens_details"), "cached_tokens");
  response.usage.reasoningTokens =
      integerField(objectField(usage, "completion_tokens_details"), "reasoning_tokens");
  const auto* model = root.if_contains("model");
  response.responseModel = model && model->is_string() && !model->get_string().empty()
                               ? std::string(sv(model->get_string()))
                               : std::string(target.model);
  response.body.assign(upstreamBody.data(), upstreamBody.size());
  return response;
}

}  // namespace switchyard::providers::openai
