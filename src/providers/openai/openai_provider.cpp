#include "providers/openai/openai_provider.hpp"

#include "providers/openai/chat_translator.hpp"

namespace switchyard::providers::openai {

const Provider& provider() {
  static const ChatTranslator chat;
  static const Provider openai{
      .descriptor = {.schemaName = "OpenAI",
                     .genAiProviderName = "openai",
                     .openInferenceSystem = "openai",
                     .openInferenceProvider = "openai",
                     .defaultPrefix = "/v1",
                     .endpoints = bitOf(Endpoint::ChatCompletions)},
      .translators = {&chat, nullptr},
  };
  return openai;
}

}  // namespace switchyard::providers::openai
