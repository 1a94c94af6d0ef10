#pragma once
// Every provider the gateway can route to, keyed by AIServiceBackend schema name. Config
// validation, routing, metrics and traces all read a provider's descriptor from here; adding a
// provider is its folder plus one line in registry.cpp.

#include <span>
#include <string>
#include <string_view>

#include "providers/provider.hpp"

namespace switchyard::providers {

// The provider for a schema name (exact, as manifests spell it), or null.
const Provider* findProvider(std::string_view schemaName);

// All of them, in registration order (for "supported: ..." messages).
std::span<const Provider* const> allProviders();

// "GCPVertexAI, OpenAI, GCPAnthropic": the schema names, for messages.
std::string schemaNames();

}  // namespace switchyard::providers
