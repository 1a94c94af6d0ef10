#pragma once
// The span of a `POST /v1/embeddings` request, in the convention the settings chose, beside the
// chat span's functions (attribute_semconv.hpp) and called the same way. OpenInference follows
// Arize-ai/openinference spec/embedding_spans.md as Envoy AI Gateway records it
// (internal/tracing/openinference/openai/embeddings.go); GenAI follows the conventions' embeddings
// client span (gen_ai.operation.name=embeddings). A failed request takes addChatErrorAttributes,
// which is not chat-specific. Pure functions of their inputs; called only when tracing is on.

#include <cstddef>
#include <string>
#include <string_view>

#include "telemetry/attribute_inputs.hpp"
#include "telemetry/attribute_list.hpp"
#include "telemetry/attribute_settings.hpp"

namespace switchyard::telemetry {

// The same three views as a chat request's: the parsed body, its raw text, the request headers.
using EmbeddingsRequestView = ChatRequestView;

// At most this many vector values go on one span (≈ 360 KB of OTLP: 8 bytes and 3 of framing
// each); a vector that would pass the bound is recorded as kRedacted, undecoded. Why: addVectors in
// embedding_attributes.cpp.
inline constexpr std::size_t kMaxEmbeddingVectorValues = 32768;

// OpenInference: "CreateEmbeddings"; GenAI: "embeddings {model}" ("embeddings" without a model).
std::string embeddingsSpanName(const AttributeSettings& settings, std::string_view requestModel);

// OpenInference: openinference.span.kind=EMBEDDING, embedding.invocation_parameters (the request
// minus `input`), input.value + input.mime_type, and embedding.embeddings.<i>.embedding.text for
// each input that is text (token-id inputs are not decoded: the tokenizer is the backend's).
// GenAI: gen_ai.operation.name=embeddings, gen_ai.request.model, gen_ai.request.encoding_formats.
// Both: the mapped request headers and user.id, as for chat.
void addEmbeddingsRequestAttributes(const AttributeSettings& settings,
                                    const EmbeddingsRequestView& request, AttributeList& out);

// The backend that answered (or, on failure, the last one tried) and the model asked of it.
// OpenInference: embedding.model_name = `upstreamModel` (no llm.system / llm.provider: the
// embedding spec leaves them out of embedding spans). GenAI: gen_ai.provider.name.
void addEmbeddingsBackendAttributes(const AttributeSettings& settings, const ProviderKind& provider,
                                    std::string_view upstreamModel, AttributeList& out);

// The answer sent to the client, `responseJson` being its text (an OpenAI embeddings `list`).
// OpenInference: output.value + output.mime_type, embedding.embeddings.<index>.embedding.vector
// (a double array, base64 decoded), llm.token_count.prompt / .total. GenAI: gen_ai.response.model,
// gen_ai.usage.input_tokens, gen_ai.embeddings.dimension.count. False (nothing added) when the text
// is not a JSON object.
bool addEmbeddingsResponseAttributes(const AttributeSettings& settings,
                                     std::string_view responseJson, AttributeList& out);

}  // namespace switchyard::telemetry
