#include "providers/openai/openai_provider.hpp"

#include "providers/openai/chat_translator.hpp"
#include "providers/openai/embeddings_translator.hpp"

namespace switchyard::providers::openai {

const Provider& provider() {
  static const ChatTranslator chat;
  static const EmbeddingsTranslator embeddings;
  static const Provider openai{
      .descriptor = {.schemaName = "OpenAI",
                     .genAiProviderName = "openai",
                     .openInferenceSystem = "openai",
                     .openInferenceProvider = "openai",
                     .defaultPrefix = "/v1",
                     .defaultVersion = {},
                     .endpoints = bitOf(Endpoint::ChatCompletions) | bitOf(Endpoint::Embeddings)},
      .translators = {&chat, &embeddings},
  };
  return openai;
}

}  // namespace switchyard::providers::openai
