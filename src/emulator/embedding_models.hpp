#pragma once
// The text-embedding models the emulator serves on `:predict`, with the limits Vertex AI documents
// for them ("Get text embeddings" and the Text embeddings API reference). The gateway keeps its own
// copy of these facts on purpose: the emulator is an independent oracle.

#include <cstddef>
#include <string_view>

namespace switchyard::emulator {

struct EmbeddingModel {
  std::string_view id;
  std::size_t maxInstances;    // instances per :predict request
  int defaultDimensions;       // vector length without outputDimensionality
  int maxDimensions;           // the largest outputDimensionality accepted
  std::size_t maxInputTokens;  // per instance; longer texts are truncated or refused
};

// All instances of one request together may hold at most this many tokens (after truncation).
inline constexpr std::size_t kMaxTokensPerPredictRequest = 20'000;

// nullptr: not an embedding model the emulator knows.
const EmbeddingModel* findEmbeddingModel(std::string_view id);

}  // namespace switchyard::emulator
