#include "emulator/embedding_models.hpp"

#include <array>

namespace switchyard::emulator {

namespace {

// id, instances per request, default dimensions, maximum dimensions, input tokens per instance.
constexpr std::array<EmbeddingModel, 4> kEmbeddingModels = {{
    {"text-embedding-005", 250, 768, 768, 2048},
    {"text-embedding-004", 250, 768, 768, 2048},
    {"text-multilingual-embedding-002", 250, 768, 768, 2048},
    {"gemini-embedding-001", 1, 3072, 3072, 2048},
}};

}  // namespace

const EmbeddingModel* findEmbeddingModel(std::string_view id) {
  for (const auto& model : kEmbeddingModels) {
    if (model.id == id) return &model;
  }
  return nullptr;
}

}  // namespace switchyard::emulator
