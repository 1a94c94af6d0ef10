#pragma once
// Schema GCPVertexAI: Gemini (and the text embedding models) on Vertex AI, under
// `/v1/projects/{project}/locations/{region}/publishers/google/models/{model}`.

#include "providers/provider.hpp"

namespace switchyard::providers::vertex {

const Provider& provider();

}  // namespace switchyard::providers::vertex
