#pragma once
// The native Gemini API (`:generateContent`, `:streamGenerateContent`, `:countTokens`, in the
// Gemini API's `/v1beta/models/{model}:…` form or Vertex's own) → the same method on Vertex AI's
// `publishers/google/models/{model}`. Both speak GenerateContentRequest / GenerateContentResponse,
// so nothing is translated:
//
// Request: the client's JSON object goes upstream member by member as parsed (the same JSON;
// byte-identical for compact JSON such as the SDKs send, see geminiRequestBody), except a
// top-level `model`: Vertex binds GenerateContentRequest.model from the URL, and the client's
// value names the client's model (maybe a virtual one), not the backend's. The upstream model is
// target.model (modelNameOverride, else the path's model). The client's query (its `alt`, or an
// API `key`) and its credential headers never go upstream: the call is built from nothing here,
// and the signer adds the backend's own Authorization.
//
// Answer (unary): the upstream body verbatim; usage from `usageMetadata` (vertex usageFromCounts:
// prompt (+ tool-use prompt), candidates + thoughts as completion, total, cached, thoughts as
// reasoning); `modelVersion` as the response model, else target.model.
//
// Streams always go upstream as `:streamGenerateContent?alt=sse` and reach the client as the
// client asked (gemini_stream_translator.hpp): `alt=sse` gives SSE, no `alt` (or `alt=json`) the
// JSON array stream Google serves by default; any other `alt` is the client's InvalidRequest.
//
// Errors: vertex::translateError (Google's status kept as `code`, so the Google envelope the
// endpoint renders keeps it).

#include <optional>
#include <string>
#include <string_view>

#include "providers/provider.hpp"

namespace switchyard::providers::vertex {

class GeminiTranslator final : public Translator {
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

// `:countTokens`: the same passthrough to the model's `:countTokens`; the answer verbatim with
// usage.promptTokens = usage.totalTokens = `totalTokens`. Not streamed.
class GeminiCountTokensTranslator final : public Translator {
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

// The client's body for Vertex: every member of the parsed object but a top-level `model`, each
// serialized as JsonWriter does (strings with only the escapes JSON requires, integers as
// integers, other numbers in their shortest round-trip form). The gateway does not keep the
// client's bytes (the body is freed once parsed), so this is the same JSON rather than the same
// bytes; for compact JSON with such spellings (JSON.stringify's output) it is the same bytes. A
// number beyond double range is InvalidRequest naming where it is.
core::Result<std::string> geminiRequestBody(const boost::json::object& body);

// The value of `name` in a query string (`a=1&alt=sse`), the last one given; nullopt if absent.
// Values are compared as sent (Google's clients send `alt=sse` unescaped).
std::optional<std::string_view> queryParam(std::string_view query, std::string_view name);

}  // namespace switchyard::providers::vertex
