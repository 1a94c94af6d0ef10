#include "providers/factory.hpp"

#include "providers/openai/openai_provider.hpp"
#include "providers/vertex/vertex_provider.hpp"

namespace switchyard::providers {

std::unique_ptr<Provider> makeVertexProvider() {
  return std::make_unique<vertex::VertexProvider>();
}

std::unique_ptr<Provider> makeOpenAiProvider() {
  return std::make_unique<openai::OpenAiProvider>();
}

}  // namespace switchyard::providers
