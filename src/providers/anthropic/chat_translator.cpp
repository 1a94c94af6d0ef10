#include "providers/anthropic/chat_translator.hpp"

#include "providers/anthropic/error_translator.hpp"
#include "providers/anthropic/request_translator.hpp"
#include "providers/anthropic/response_translator.hpp"
#include "providers/anthropic/stream_translator.hpp"

namespace switchyard::providers::anthropic {

core::Result<UpstreamCalls> ChatTranslator::buildRequest(const ApiRequest& request,
                                                         const BackendTarget& target) const {
  if (!request.body)
    return core::Error::make(core::ErrorKind::Internal, "no request body to translate");
  auto path = buildTarget(target, request.stream);
  if (!path) return path.error();
  auto body = translateRequestBody(*request.body, target.schemaVersion, request.stream);
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

core::Result<TranslatedResponse> ChatTranslator::translateResponse(
    std::span<const std::string_view> upstreamBodies, const ApiRequest&,
    const BackendTarget& target, const ResponseContext& context) const {
  return anthropic::translateResponse(upstreamBodies.front(), target, context);
}

std::unique_ptr<StreamTranslator> ChatTranslator::newStreamTranslator(
    const ApiRequest& request, const BackendTarget& target, const ResponseContext& context) const {
  return makeStreamTranslator(request, target, context);
}

core::Error ChatTranslator::translateError(unsigned status,
                                           const std::vector<core::Header>& headers,
                                           std::string_view upstreamBody) const {
  core::Error error = anthropic::translateError(status, headers, upstreamBody);
  if (error.kind == core::ErrorKind::UpstreamStatus)
    error.upstreamStatus = openAiStatus(error.upstreamStatus);
  return error;
}

}  // namespace switchyard::providers::anthropic
