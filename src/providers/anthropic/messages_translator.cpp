#include "providers/anthropic/messages_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "providers/anthropic/error_translator.hpp"
#include "providers/anthropic/messages_stream_translator.hpp"
#include "providers/anthropic/messages_usage.hpp"
#include "providers/vertex/model_path.hpp"

namespace switchyard::providers::anthropic {

using core::JsonWriter;
using core::numberOutOfRange;
using core::objectField;
using core::stringField;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

std::string_view anthropicVersion(const BackendTarget& target) {
  return target.schemaVersion.empty() ? std::string_view("vertex-2023-10-16")
                                      : target.schemaVersion;
}

core::Result<UpstreamCalls> MessagesTranslator::buildRequest(const ApiRequest& request,
                                                             const BackendTarget& target) const {
  if (!request.body) return Error::make(ErrorKind::Internal, "no request body to translate");
  auto path = vertex::publisherModelPath(target, "anthropic",
                                         request.stream ? "streamRawPredict" : "rawPredict");
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
  w.field("anthropic_version", anthropicVersion(target));
  for (const auto& entry : *request.body) {
    if (entry.key() == "model" || entry.key() == "anthropic_version") continue;
    w.escapedKey(entry.key());
    // A number beyond double range cannot be forwarded as JSON (it would be `Infinity`).
    if (!w.value(entry.value())) return numberOutOfRange(entry.key(), entry.value());
  }
  w.endObject();
  return calls;
}

core::Result<TranslatedResponse> MessagesTranslator::translateResponse(
    std::span<const std::string_view> upstreamBodies, const ApiRequest&,
    const BackendTarget& target, const ResponseContext&) const {
  const std::string_view body = upstreamBodies.front();
  unsigned char initial[4096];
  json::monotonic_resource arena(initial, sizeof initial);
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec, json::storage_ptr(&arena));
  if (ec || !parsed.is_object())
    return Error::make(ErrorKind::UpstreamBadResponse,
                       "Claude on Vertex returned a body that is not a JSON object");
  const auto& root = parsed.get_object();
  TranslatedResponse response;
  MessagesUsage usage;
  if (const auto* counts = objectField(&root, "usage")) usage.read(*counts);
  response.usage = usage.toUsage();
  const auto model = stringField(&root, "model");
  response.responseModel = std::string(model.empty() ? target.model : model);
  response.body.assign(body.data(), body.size());
  return response;
}

std::unique_ptr<StreamTranslator> MessagesTranslator::newStreamTranslator(
    const ApiRequest&, const BackendTarget& target, const ResponseContext&) const {
  return makeMessagesStreamTranslator(target);
}

core::Error MessagesTranslator::translateError(unsigned status,
                                               const std::vector<core::Header>& headers,
                                               std::string_view upstreamBody) const {
  return anthropic::translateError(status, headers, upstreamBody);
}

}  // namespace switchyard::providers::anthropic
