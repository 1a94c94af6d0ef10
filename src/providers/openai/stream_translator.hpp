#pragma once
// OpenAI-schema upstream stream → the client: chunks pass through re-framed (wire.md §1.7).

#include <memory>

#include "providers/provider.hpp"

namespace switchyard::providers::openai {

std::unique_ptr<StreamTranslator> makeStreamTranslator(const ChatRequest& request,
                                                       const BackendTarget& target,
                                                       const ResponseContext& context);

}  // namespace switchyard::providers::openai
