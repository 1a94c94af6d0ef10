#pragma once
// The OpenAI-schema provider: backends that already speak Chat Completions. The request goes out
// almost verbatim (only `model` is replaced by the backend's model), the answer comes back
// verbatim; the answer is parsed only to read `model` and `usage`. A client number beyond double
// range (parsed as infinity) cannot be re-serialized as JSON: the request is refused with
// InvalidRequest "number out of range", `param` naming where it is (e.g. `tools[0].x.max`).
// Usage counts that are not integers within int64's range read as 0 (json_fields.hpp toInt64).

#include "providers/provider.hpp"

namespace switchyard::providers::openai {

class ChatTranslator final : public Translator {
 public:
  // `{prefix}/chat/completions`; prefix defaults to "/v1", trailing slashes are dropped.
  core::Result<UpstreamCalls> buildRequest(const ApiRequest& request,
                                           const BackendTarget& target) const override;
  core::Result<TranslatedResponse> translateResponse(
      std::span<const std::string_view> upstreamBodies, const ApiRequest& request,
      const BackendTarget& target, const ResponseContext& context) const override;
  // Upstream events are already chat.completion.chunk objects: each is re-framed unchanged.
  std::unique_ptr<StreamTranslator> newStreamTranslator(
      const ApiRequest& request, const BackendTarget& target,
      const ResponseContext& context) const override;
  // OpenAI's envelope keeps message, param and code (else type); anything else is generic.
  core::Error translateError(unsigned status, const std::vector<core::Header>& headers,
                             std::string_view upstreamBody) const override;
};

// An OpenAI error envelope (or any other body) answered with `status` → UpstreamStatus, as
// translateError does; also used for `{"error":{...}}` events inside a stream.
core::Error errorFromBody(unsigned status, std::string_view upstreamBody);

// The upstream path for a schema prefix, e.g. "" → "/v1/chat/completions", "/api/v1/" →
// "/api/v1/chat/completions".
std::string chatCompletionsPath(std::string_view prefix);

}  // namespace switchyard::providers::openai
