#pragma once
// The providers the gateway can route to, one per AIServiceBackend schema.

#include <memory>

#include "providers/provider.hpp"

namespace switchyard::providers {

std::unique_ptr<Provider> makeVertexProvider();  // schema GCPVertexAI
std::unique_ptr<Provider> makeOpenAiProvider();  // schema OpenAI

}  // namespace switchyard::providers
