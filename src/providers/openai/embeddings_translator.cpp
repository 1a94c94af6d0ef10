#include "providers/openai/embeddings_translator.hpp"

#include "providers/openai/chat_translator.hpp"
#include "providers/openai/passthrough.hpp"

namespace switchyard::providers::openai {

core::Result<UpstreamCalls> EmbeddingsTranslator::buildRequest(const ApiRequest& request,
                                                               const BackendTarget& target) const {
  return passthroughRequest(request, target, "/embeddings");
}

core::Result<TranslatedResponse> EmbeddingsTranslator::translateResponse(
    std::span<const std::string_view> upstreamBodies, const ApiRequest&,
    const BackendTarget& target, const ResponseContext&) const {
  return passthroughResponse(upstreamBodies.front(), target);
}

std::unique_ptr<StreamTranslator> EmbeddingsTranslator::newStreamTranslator(
    const ApiRequest&, const BackendTarget&, const ResponseContext&) const {
  return nullptr;
}

core::Error EmbeddingsTranslator::translateError(unsigned status,
                                                 const std::vector<core::Header>& headers,
                                                 std::string_view upstreamBody) const {
  core::Error error = errorFromBody(status, upstreamBody);
  error.retryAfterSeconds = retryAfterSeconds(headers);
  return error;
}

}  // namespace switchyard::providers::openai
