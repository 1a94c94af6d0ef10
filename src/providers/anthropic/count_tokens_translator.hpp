#pragma once
// Anthropic's /v1/messages/count_tokens on Claude on Vertex, as Google documents it: a rawPredict
// on the model "count-tokens", `publishers/anthropic/models/count-tokens:rawPredict`, whose body is
// the client's with `model` set to the backend's model (modelNameOverride applied; the model goes
// in the body, not the path). Every other member keeps its bytes, and no `anthropic_version` is
// added (Google's documented body has none). The answer, `{"input_tokens": N}`, comes back
// verbatim with usage.promptTokens = N. Errors as for Messages (error_translator.hpp).

#include "providers/provider.hpp"

namespace switchyard::providers::anthropic {

class CountTokensTranslator final : public Translator {
 public:
  core::Result<UpstreamCalls> buildRequest(const ApiRequest& request,
                                           const BackendTarget& target) const override;
  core::Result<TranslatedResponse> translateResponse(
      std::span<const std::string_view> upstreamBodies, const ApiRequest& request,
      const BackendTarget& target, const ResponseContext& context) const override;
  // Token counts do not stream.
  std::unique_ptr<StreamTranslator> newStreamTranslator(
      const ApiRequest& request, const BackendTarget& target,
      const ResponseContext& context) const override;
  core::Error translateError(unsigned status, const std::vector<core::Header>& headers,
                             std::string_view upstreamBody) const override;
};

}  // namespace switchyard::providers::anthropic
