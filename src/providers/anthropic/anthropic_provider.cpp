#include "providers/anthropic/anthropic_provider.hpp"

#include "providers/anthropic/chat_translator.hpp"
#include "providers/anthropic/request_translator.hpp"

namespace switchyard::providers::anthropic {

const Provider& provider() {
  static const ChatTranslator chat;
  static const Provider anthropic{
      .descriptor = {.schemaName = "GCPAnthropic",
                     .genAiProviderName = "gcp.anthropic",
                     .openInferenceSystem = "anthropic",
                     .openInferenceProvider = "google",
                     .defaultPrefix = "",
                     .defaultVersion = kDefaultAnthropicVersion,
                     .endpoints = bitOf(Endpoint::ChatCompletions)},
      .translators = {&chat},
  };
  return anthropic;
}

}  // namespace switchyard::providers::anthropic
