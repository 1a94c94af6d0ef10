#include "providers/vertex/vertex_provider.hpp"

#include "providers/vertex/chat_translator.hpp"

namespace switchyard::providers::vertex {

const Provider& provider() {
  static const ChatTranslator chat;
  static const Provider vertex{
      .descriptor = {.schemaName = "GCPVertexAI",
                     .genAiProviderName = "gcp.vertex_ai",
                     .openInferenceSystem = "vertexai",
                     .openInferenceProvider = "google",
                     .defaultPrefix = "",
                     .endpoints = bitOf(Endpoint::ChatCompletions)},
      .translators = {&chat, nullptr},
  };
  return vertex;
}

}  // namespace switchyard::providers::vertex
