#pragma once
// OpenAI chat completions → Claude on Vertex AI (`publishers/anthropic/models/{model}:rawPredict`,
// `:streamRawPredict` for streams), and the answers back. The field-by-field decisions are
// docs/spec/openai-anthropic-fields.md.

#include "providers/provider.hpp"

namespace switchyard::providers::anthropic {

class ChatTranslator final : public Translator {
 public:
  core::Result<UpstreamCalls> buildRequest(const ApiRequest& request,
                                           const BackendTarget& target) const override;
  core::Result<TranslatedResponse> translateResponse(
      std::span<const std::string_view> upstreamBodies, const ApiRequest& request,
      const BackendTarget& target, const ResponseContext& context) const override;
  std::unique_ptr<StreamTranslator> newStreamTranslator(
      const ApiRequest& request, const BackendTarget& target,
      const ResponseContext& context) const override;
  core::Error translateError(unsigned status, const std::vector<core::Header>& headers,
                             std::string_view upstreamBody) const override;
};

}  // namespace switchyard::providers::anthropic
