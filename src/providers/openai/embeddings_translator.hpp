#pragma once
// OpenAI-schema embeddings: a passthrough to `{prefix}/embeddings` (passthrough.hpp). The body
// goes out with only `model` replaced; the answer comes back verbatim with `model` and
// `usage.prompt_tokens/total_tokens` read from it. Not streamed (OpenAI embeddings never are).

#include "providers/provider.hpp"

namespace switchyard::providers::openai {

class EmbeddingsTranslator final : public Translator {
 public:
  core::Result<UpstreamCalls> buildRequest(const ApiRequest& request,
                                           const BackendTarget& target) const override;
  core::Result<TranslatedResponse> translateResponse(
      std::span<const std::string_view> upstreamBodies, const ApiRequest& request,
      const BackendTarget& target, const ResponseContext& context) const override;
  std::unique_ptr<StreamTranslator> newStreamTranslator(
      const ApiRequest& request, const BackendTarget& target,
      const ResponseContext& context) const override;
  // As the chat translator: errorFromBody, with the Retry-After header.
  core::Error translateError(unsigned status, const std::vector<core::Header>& headers,
                             std::string_view upstreamBody) const override;
};

}  // namespace switchyard::providers::openai
