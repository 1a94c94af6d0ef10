#pragma once
// Anthropic Messages API in, Claude on Vertex out: the backend already speaks the client's API, so
// the body goes out as the client sent it, member by member with each value's bytes kept, except:
// - `model` is removed: Vertex names the model in the path, `publishers/anthropic/models/{model}`
//   with the backend's model (modelNameOverride applied), `:rawPredict`, or `:streamRawPredict`
//   for `stream: true`;
// - `anthropic_version` is the backend's schema.version (default vertex-2023-10-16), written
//   first, and a client's own is dropped. The version is a property of the backend, not of the
//   client: Vertex accepts only its `vertex-*` versions (api.anthropic.com clients send theirs,
//   e.g. 2023-06-01, as a header the gateway does not read), and one request may fall back across
//   backends configured with different versions.
// The answer comes back verbatim, parsed only for `model` and `usage` (messages_usage.hpp); the
// stream is relayed event by event (messages_stream_translator.hpp). Errors: translateError.

#include "providers/provider.hpp"

namespace switchyard::providers::anthropic {

class MessagesTranslator final : public Translator {
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

// The `anthropic_version` sent for this backend: its schema.version, else the provider's default.
std::string_view anthropicVersion(const BackendTarget& target);

}  // namespace switchyard::providers::anthropic
