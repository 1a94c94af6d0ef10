#pragma once
// OpenAI embeddings → the Vertex AI text embedding models' `:predict` on
// `publishers/google/models/{model}`, and the predictions back.
//
// Request: `input` (a string, or an array of strings) becomes one instance per text,
// `{"content":text}`; `dimensions` becomes `parameters.outputDimensionality`; the extension fields
// `task_type` (each instance's `task_type`) and `auto_truncate` (`parameters.autoTruncate`) are
// read at the top level of the request, as Envoy AI Gateway names them. Inputs beyond the model's
// instance limit (instanceLimit) are split over several calls, in order.
// Refused with InvalidRequest naming the field: token-id inputs, an empty or non-string input,
// `encoding_format` other than "float"/"base64", `dimensions` not a positive integer, a
// non-string `task_type`, a non-boolean `auto_truncate`, an unsafe model name. Null counts as
// absent. Every other field (`user` included) is ignored.
//
// Answer: the calls' `predictions[].embeddings.values`, in order, as OpenAI's embedding list; each
// vector is float32 (as the models produce it and OpenAI sends it): numbers in their shortest
// float32 round-trip form, or with `encoding_format: "base64"` the standard base64 of the
// little-endian float32 bytes. Usage: prompt and total tokens are the sum of
// `embeddings.statistics.token_count`. A missing or malformed prediction, a value outside float32,
// or a prediction count other than the call's instance count is UpstreamBadResponse.
// Not streamed.

#include <cstddef>
#include <string_view>

#include "providers/provider.hpp"

namespace switchyard::providers::vertex {

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
  core::Error translateError(unsigned status, const std::vector<core::Header>& headers,
                             std::string_view upstreamBody) const override;
};

// The most instances one `:predict` call to `model` may carry: Google documents one for
// gemini-embedding-001 and 250 input texts per request for the others; unknown models get 250.
std::size_t instanceLimit(std::string_view model);

}  // namespace switchyard::providers::vertex
