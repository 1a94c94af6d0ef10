// The provider registry: schema names as manifests spell them, each provider's descriptor, and the
// translators the table-driven tests exercise are the ones the registry serves.

#include "providers/registry.hpp"

#include <gtest/gtest.h>

#include "providers/openai/chat_translator.hpp"
#include "providers/openai/openai_provider.hpp"
#include "providers/vertex/chat_translator.hpp"
#include "providers/vertex/vertex_provider.hpp"

namespace switchyard::providers {
namespace {

TEST(ProviderRegistry, FindsProvidersByExactSchemaName) {
  EXPECT_EQ(findProvider("GCPVertexAI"), &vertex::provider());
  EXPECT_EQ(findProvider("OpenAI"), &openai::provider());
  EXPECT_EQ(findProvider("openai"), nullptr);
  EXPECT_EQ(findProvider("AWSBedrock"), nullptr);
  EXPECT_EQ(findProvider(""), nullptr);
  ASSERT_EQ(allProviders().size(), 2u);
  EXPECT_EQ(schemaNames(), "GCPVertexAI, OpenAI");
}

TEST(ProviderRegistry, Descriptors) {
  const ProviderDescriptor& vertex = vertex::provider().descriptor;
  EXPECT_EQ(vertex.schemaName, "GCPVertexAI");
  EXPECT_EQ(vertex.genAiProviderName, "gcp.vertex_ai");
  EXPECT_EQ(vertex.openInferenceSystem, "vertexai");
  EXPECT_EQ(vertex.openInferenceProvider, "google");
  EXPECT_EQ(vertex.defaultPrefix, "");
  const ProviderDescriptor& openai = openai::provider().descriptor;
  EXPECT_EQ(openai.schemaName, "OpenAI");
  EXPECT_EQ(openai.genAiProviderName, "openai");
  EXPECT_EQ(openai.openInferenceSystem, "openai");
  EXPECT_EQ(openai.openInferenceProvider, "openai");
  EXPECT_EQ(openai.defaultPrefix, "/v1");
}

// A provider serves an endpoint exactly when it has a translator for it; chat is served by the
// translators tested in vertex_*_test.cpp and openai_*_test.cpp.
TEST(ProviderRegistry, TranslatorPerServedEndpoint) {
  for (const Provider* provider : allProviders()) {
    for (const Endpoint endpoint : {Endpoint::ChatCompletions, Endpoint::Embeddings}) {
      EXPECT_EQ(provider->descriptor.serves(endpoint), provider->translator(endpoint) != nullptr)
          << provider->descriptor.schemaName << " endpoint " << static_cast<int>(endpoint);
    }
    EXPECT_TRUE(provider->descriptor.serves(Endpoint::ChatCompletions))
        << provider->descriptor.schemaName;
  }
  EXPECT_NE(dynamic_cast<const vertex::ChatTranslator*>(
                vertex::provider().translator(Endpoint::ChatCompletions)),
            nullptr);
  EXPECT_NE(dynamic_cast<const openai::ChatTranslator*>(
                openai::provider().translator(Endpoint::ChatCompletions)),
            nullptr);
}

// Through the interface, as the gateway calls it: chat builds one upstream call, and a streamed
// chat gets a stream translator.
TEST(ProviderRegistry, ChatThroughTheInterface) {
  const boost::json::object body{
      {"model", "m"},
      {"stream", true},
      {"messages", boost::json::array{boost::json::object{{"role", "user"}, {"content", "hi"}}}}};
  const ApiRequest request{.body = &body, .model = "m", .stream = true};
  const BackendTarget target{"gemini-2.5-flash", "p", "us-central1", {}};
  for (const Provider* provider : allProviders()) {
    const Translator* chat = provider->translator(Endpoint::ChatCompletions);
    ASSERT_NE(chat, nullptr);
    const auto calls = chat->buildRequest(request, target);
    ASSERT_TRUE(calls.has_value()) << calls.error().message;
    EXPECT_EQ(calls->size(), 1u) << provider->descriptor.schemaName;
    EXPECT_NE(chat->newStreamTranslator(request, target, ResponseContext{1, "req"}), nullptr)
        << provider->descriptor.schemaName;
  }
}

}  // namespace
}  // namespace switchyard::providers
