#include "providers/vertex/vertex_provider.hpp"

#include "providers/vertex/error_translator.hpp"
#include "providers/vertex/request_translator.hpp"
#include "providers/vertex/response_translator.hpp"
#include "providers/vertex/stream_translator.hpp"

namespace switchyard::providers::vertex {

core::Result<core::OutboundRequest> VertexProvider::buildRequest(
    const ChatRequest& request, const BackendTarget& target) const {
  if (!request.body)
    return core::Error::make(core::ErrorKind::Internal, "no request body to translate");
  auto path = buildTarget(target, request.stream);
  if (!path) return path.error();
  auto body = translateRequestBody(*request.body);
  if (!body) return body.error();
  core::OutboundRequest outbound;
  outbound.method = "POST";
  outbound.target = std::move(*path);
  outbound.headers.reserve(core::kTypicalOutboundHeaders);
  outbound.headers.push_back({"Content-Type", "application/json"});
  outbound.body = std::move(*body);
  return outbound;
}

core::Result<TranslatedResponse> VertexProvider::translateResponse(
    std::string_view upstreamBody, const ChatRequest&, const BackendTarget& target,
    const ResponseContext& context) const {
  return vertex::translateResponse(upstreamBody, target, context);
}

std::unique_ptr<StreamTranslator> VertexProvider::newStreamTranslator(
    const ChatRequest& request, const BackendTarget& target, const ResponseContext& context) const {
  return makeStreamTranslator(request, target, context);
}

core::Error VertexProvider::translateError(unsigned status, std::string_view upstreamBody) const {
  return vertex::translateError(status, upstreamBody);
}

}  // namespace switchyard::providers::vertex
