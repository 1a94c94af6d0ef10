#pragma once
// The Vertex AI Gemini provider: OpenAI chat requests to `generateContent` on
// `publishers/google/models/{model}`, and the answers back (docs/spec/wire.md §2).

#include "providers/provider.hpp"

namespace switchyard::providers::vertex {

class VertexProvider final : public Provider {
 public:
  core::Result<core::OutboundRequest> buildRequest(const ChatRequest& request,
                                                   const BackendTarget& target) const override;
  core::Result<TranslatedResponse> translateResponse(std::string_view upstreamBody,
                                                     const ChatRequest& request,
                                                     const BackendTarget& target,
                                                     const ResponseContext& context) const override;
  std::unique_ptr<StreamTranslator> newStreamTranslator(
      const ChatRequest& request, const BackendTarget& target,
      const ResponseContext& context) const override;
  core::Error translateError(unsigned status, std::string_view upstreamBody) const override;
};

}  // namespace switchyard::providers::vertex
