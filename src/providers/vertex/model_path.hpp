#pragma once
// The upstream path of a publisher model method on Vertex AI (docs/spec/wire.md §2.1):
// `/v1/projects/{project}/locations/{region}/publishers/google/models/{model}:{method}`. Every
// segment is checked with isSafePathSegment first, since each comes from a manifest or a client
// and goes into the URL unescaped.

#include <string>
#include <string_view>

#include "core/result.hpp"
#include "providers/provider.hpp"

namespace switchyard::providers::vertex {

// `method` is what follows the `:` (e.g. "predict", "streamGenerateContent?alt=sse"). An unsafe
// model is the client's InvalidRequest naming `model`; an unsafe project or region is Internal
// (config validation should have caught it). Chat (buildTarget) and embeddings both build on it.
core::Result<std::string> modelPath(const BackendTarget& target, std::string_view method);

// The same under another publisher: `publishers/{publisher}/models/{model}:{method}` (Claude on
// Vertex is publisher "anthropic"). `model` overrides target.model when not empty (Anthropic's
// token counter is the model "count-tokens").
core::Result<std::string> publisherModelPath(const BackendTarget& target,
                                             std::string_view publisher, std::string_view method,
                                             std::string_view model = {});

}  // namespace switchyard::providers::vertex
