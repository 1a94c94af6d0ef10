#pragma once
// Schema OpenAI: backends that already speak the OpenAI API (under schema.prefix, default "/v1").

#include "providers/provider.hpp"

namespace switchyard::providers::openai {

const Provider& provider();

}  // namespace switchyard::providers::openai
