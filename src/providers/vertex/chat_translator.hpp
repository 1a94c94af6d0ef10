#pragma once
// OpenAI chat completions → Vertex AI Gemini `generateContent` / `streamGenerateContent` on
// `publishers/google/models/{model}`, and the answers back (docs/spec/wire.md §2).

#include "providers/provider.hpp"

namespace switchyard::providers::vertex {

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

}  // namespace switchyard::providers::vertex
