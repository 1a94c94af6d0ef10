#include "api/endpoint_spec.hpp"

#include <array>

namespace switchyard::api {

namespace {

constexpr std::array<EndpointSpec, 2> kEndpoints{{
    {providers::Endpoint::ChatCompletions, "/v1/chat/completions", "chat", true,
     &core::renderOpenAiError},
    {providers::Endpoint::Embeddings, "/v1/embeddings", "embeddings", false,
     &core::renderOpenAiError},
}};

}  // namespace

const EndpointSpec* findEndpoint(std::string_view path) {
  for (const auto& spec : kEndpoints)
    if (spec.path == path) return &spec;
  return nullptr;
}

std::string endpointPaths() {
  std::string paths;
  for (const auto& spec : kEndpoints) {
    if (!paths.empty()) paths += ", ";
    paths += spec.path;
  }
  return paths;
}

}  // namespace switchyard::api
