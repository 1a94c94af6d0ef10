#include "providers/anthropic/anthropic_provider.hpp"

#include "providers/anthropic/chat_translator.hpp"
#include "providers/anthropic/count_tokens_translator.hpp"
#include "providers/anthropic/messages_translator.hpp"
#include "providers/anthropic/request_translator.hpp"

namespace switchyard::providers::anthropic {

const Provider& provider() {
  static const ChatTranslator chat;
  static const MessagesTranslator messages;
  static const CountTokensTranslator countTokens;
  static const Provider anthropic{
      .descriptor = {.schemaName = "GCPAnthropic",
                     .genAiProviderName = "gcp.anthropic",
                     .openInferenceSystem = "anthropic",
                     .openInferenceProvider = "google",
                     .defaultPrefix = "",
                     .defaultVersion = kDefaultAnthropicVersion,
                     .endpoints = bitOf(Endpoint::ChatCompletions) |
                                  bitOf(Endpoint::AnthropicMessages) |
                                  bitOf(Endpoint::AnthropicCountTokens)},
      .translators = {&chat, nullptr, &messages, &countTokens},
  };
  return anthropic;
}

}  // namespace switchyard::providers::anthropic
