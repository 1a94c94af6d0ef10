#pragma once
// Vertex AI streamGenerateContent (SSE) → OpenAI chat.completion.chunk events (wire.md §2.5, §2.8).

#include <memory>

#include "providers/provider.hpp"

namespace switchyard::providers::vertex {

std::unique_ptr<StreamTranslator> makeStreamTranslator(const ChatRequest& request,
                                                       const BackendTarget& target,
                                                       const ResponseContext& context);

}  // namespace switchyard::providers::vertex
