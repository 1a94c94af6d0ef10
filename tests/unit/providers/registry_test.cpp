// The provider registry: every schema × endpoint combination is served or refused on purpose, and
// a provider's descriptor says so exactly when it has the translator.

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <string_view>

#include "providers/registry.hpp"

namespace switchyard::providers {
namespace {

constexpr std::array kEndpoints{Endpoint::ChatCompletions,       Endpoint::Embeddings,
                                Endpoint::AnthropicMessages,     Endpoint::AnthropicCountTokens,
                                Endpoint::GeminiGenerateContent, Endpoint::GeminiCountTokens};
static_assert(kEndpoints.size() == kEndpointCount, "a new endpoint needs a column below");

struct Expected {
  std::string_view schema;
  // In kEndpoints' order: chat, embeddings, anthropic messages, anthropic count_tokens,
  // gemini generateContent, gemini countTokens.
  std::array<bool, kEndpointCount> served;

  bool serves(Endpoint endpoint) const { return served[static_cast<std::size_t>(endpoint)]; }
};

// The whole matrix, in registration order. Adding a provider or an endpoint changes this table.
constexpr std::array<Expected, 3> kMatrix{{
    {"GCPVertexAI", {true, true, false, false, true, true}},
    {"OpenAI", {true, true, false, false, false, false}},
    {"GCPAnthropic", {true, false, true, true, false, false}},
}};

std::string_view nameOf(Endpoint endpoint) {
  constexpr std::array<std::string_view, kEndpointCount> kNames{
      "chat_completions",        "embeddings",
      "anthropic_messages",      "anthropic_count_tokens",
      "gemini_generate_content", "gemini_count_tokens"};
  return kNames[static_cast<std::size_t>(endpoint)];
}

TEST(Registry, EveryCombinationIsAsExpected) {
  const auto providers = allProviders();
  ASSERT_EQ(providers.size(), kMatrix.size());
  for (std::size_t i = 0; i < providers.size(); ++i) {
    const Provider& provider = *providers[i];
    const Expected& expected = kMatrix[i];
    ASSERT_EQ(provider.descriptor.schemaName, expected.schema);
    for (const Endpoint endpoint : kEndpoints) {
      SCOPED_TRACE(std::string(expected.schema) + " x " + std::string(nameOf(endpoint)));
      EXPECT_EQ(provider.descriptor.serves(endpoint), expected.serves(endpoint));
      EXPECT_EQ(provider.translator(endpoint) != nullptr, expected.serves(endpoint));
    }
  }
}

TEST(Registry, DescriptorBitsMatchTranslators) {
  // No bit beyond the known endpoints, and a bit exactly where a translator is.
  constexpr std::uint32_t kKnown = (1u << kEndpointCount) - 1;
  for (const Provider* provider : allProviders()) {
    SCOPED_TRACE(std::string(provider->descriptor.schemaName));
    EXPECT_EQ(provider->descriptor.endpoints & ~kKnown, 0u);
    for (const Endpoint endpoint : kEndpoints)
      EXPECT_EQ(provider->descriptor.serves(endpoint), provider->translator(endpoint) != nullptr);
  }
}

TEST(Registry, FindsEachProviderByItsExactName) {
  std::set<std::string_view> seen;
  for (const Provider* provider : allProviders()) {
    const auto name = provider->descriptor.schemaName;
    EXPECT_TRUE(seen.insert(name).second) << "registered twice: " << name;
    EXPECT_EQ(findProvider(name), provider);
    EXPECT_FALSE(provider->descriptor.genAiProviderName.empty()) << name;
  }
}

TEST(Registry, UnknownNamesFindNothing) {
  for (const std::string_view name : {"", "openai", "OPENAI", "gcpvertexai", "GCPVertexAI ",
                                      " OpenAI", "OpenAI\n", "Vertex", "NoSuchSchema"}) {
    EXPECT_EQ(findProvider(name), nullptr) << "'" << name << "'";
  }
}

TEST(Registry, SchemaNamesListsThemInOrder) {
  EXPECT_EQ(schemaNames(), "GCPVertexAI, OpenAI, GCPAnthropic");
}

}  // namespace
}  // namespace switchyard::providers
