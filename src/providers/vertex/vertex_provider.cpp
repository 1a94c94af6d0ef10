#include "providers/vertex/vertex_provider.hpp"

#include "providers/vertex/chat_translator.hpp"
#include "providers/vertex/embeddings_translator.hpp"

namespace switchyard::providers::vertex {

const Provider& provider() {
  static const ChatTranslator chat;
  static const EmbeddingsTranslator embeddings;
  static const Provider vertex{
      .descriptor = {.schemaName = "GCPVertexAI",
                     .genAiProviderName = "gcp.vertex_ai",
                     .openInferenceSystem = "vertexai",
                     .openInferenceProvider = "google",
                     .defaultPrefix = "",
                     .endpoints = bitOf(Endpoint::ChatCompletions) | bitOf(Endpoint::Embeddings)},
      .translators = {&chat, &embeddings},
  };
  return vertex;
}

}  // namespace switchyard::providers::vertex
