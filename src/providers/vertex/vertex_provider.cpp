#include "providers/vertex/vertex_provider.hpp"

#include "providers/vertex/chat_translator.hpp"
#include "providers/vertex/embeddings_translator.hpp"
#include "providers/vertex/gemini_translator.hpp"

namespace switchyard::providers::vertex {

const Provider& provider() {
  static const ChatTranslator chat;
  static const EmbeddingsTranslator embeddings;
  static const GeminiTranslator generateContent;
  static const GeminiCountTokensTranslator countTokens;
  static const Provider vertex{
      .descriptor = {.schemaName = "GCPVertexAI",
                     .genAiProviderName = "gcp.vertex_ai",
                     .openInferenceSystem = "vertexai",
                     .openInferenceProvider = "google",
                     .defaultPrefix = "",
                     .defaultVersion = "",
                     .endpoints = bitOf(Endpoint::ChatCompletions) | bitOf(Endpoint::Embeddings) |
                                  bitOf(Endpoint::GeminiGenerateContent) |
                                  bitOf(Endpoint::GeminiCountTokens)},
      .translators = {&chat, &embeddings, nullptr, nullptr, &generateContent, &countTokens},
  };
  return vertex;
}

}  // namespace switchyard::providers::vertex
