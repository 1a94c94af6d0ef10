#pragma once
// Who a provider is: the one place that names a backend schema for config, routing, metrics and
// traces. Plain data with no dependencies, so every layer can read it.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace switchyard::providers {

// The inbound APIs the gateway serves; each has an endpoint spec (api/) and, per provider that
// serves it, a translator.
enum class Endpoint : std::uint8_t {
  ChatCompletions,        // OpenAI POST /v1/chat/completions
  Embeddings,             // OpenAI POST /v1/embeddings
  AnthropicMessages,      // Anthropic POST /anthropic/v1/messages, /v1/messages
  AnthropicCountTokens,   // Anthropic POST .../messages/count_tokens
  GeminiGenerateContent,  // Gemini :generateContent / :streamGenerateContent (model in the path)
  GeminiCountTokens,      // Gemini :countTokens
};
inline constexpr std::size_t kEndpointCount = 6;

constexpr std::uint32_t bitOf(Endpoint endpoint) { return 1u << static_cast<unsigned>(endpoint); }

struct ProviderDescriptor {
  std::string_view schemaName;             // AIServiceBackend spec.schema.name
  std::string_view genAiProviderName;      // gen_ai.provider.name
  std::string_view openInferenceSystem;    // llm.system
  std::string_view openInferenceProvider;  // llm.provider
  std::string_view defaultPrefix;          // spec.schema.prefix when the manifest gives none
  std::string_view defaultVersion;         // spec.schema.version when the manifest gives none
  std::uint32_t endpoints = 0;             // bitOf(Endpoint) of every endpoint it serves

  bool serves(Endpoint endpoint) const { return (endpoints & bitOf(endpoint)) != 0; }
};

}  // namespace switchyard::providers
