#include "providers/anthropic/anthropic_provider.hpp"

#include "providers/anthropic/count_tokens_translator.hpp"
#include "providers/anthropic/messages_translator.hpp"

namespace switchyard::providers::anthropic {

const Provider& provider() {
  static const MessagesTranslator messages;
  static const CountTokensTranslator countTokens;
  static const Provider anthropic{
      .descriptor = {.schemaName = "GCPAnthropic",
                     .genAiProviderName = "gcp.anthropic",
                     .openInferenceSystem = "anthropic",
                     .openInferenceProvider = "google",
                     .defaultPrefix = "",
                     .defaultVersion = "vertex-2023-10-16",
                     .endpoints = bitOf(Endpoint::AnthropicMessages) |
                                  bitOf(Endpoint::AnthropicCountTokens)},
      .translators = {nullptr, nullptr, &messages, &countTokens},
  };
  return anthropic;
}

}  // namespace switchyard::providers::anthropic
