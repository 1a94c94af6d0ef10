#include "providers/registry.hpp"

#include <array>
#include <string>

#include "providers/anthropic/anthropic_provider.hpp"
#include "providers/openai/openai_provider.hpp"
#include "providers/vertex/vertex_provider.hpp"

namespace switchyard::providers {

std::span<const Provider* const> allProviders() {
  static const std::array<const Provider*, 3> providers{
      &vertex::provider(),
      &openai::provider(),
      &anthropic::provider(),
  };
  return providers;
}

const Provider* findProvider(std::string_view schemaName) {
  for (const Provider* provider : allProviders())
    if (provider->descriptor.schemaName == schemaName) return provider;
  return nullptr;
}

std::string schemaNames() {
  std::string names;
  for (const Provider* provider : allProviders()) {
    if (!names.empty()) names += ", ";
    names += provider->descriptor.schemaName;
  }
  return names;
}

}  // namespace switchyard::providers
