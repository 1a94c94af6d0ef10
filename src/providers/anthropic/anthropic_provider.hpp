#pragma once
// Schema GCPAnthropic: Claude on Vertex AI, under
// `/v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}:rawPredict` (and
// `:streamRawPredict`), bodies in Anthropic's Messages format with `anthropic_version` (the
// AIServiceBackend's schema.version, default vertex-2023-10-16) instead of `model`.

#include "providers/provider.hpp"

namespace switchyard::providers::anthropic {

const Provider& provider();

}  // namespace switchyard::providers::anthropic
