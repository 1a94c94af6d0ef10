#pragma once
// The emulator's deterministic text embeddings and the `:predict` response that carries them:
// {"predictions":[{"embeddings":{"values":[...],"statistics":{"truncated":b,"token_count":n}}}],
//  "metadata":{"billableCharacterCount":m}}.

#include <string>
#include <string_view>
#include <vector>

#include "emulator/embedding_models.hpp"
#include "emulator/predict_request.hpp"

namespace switchyard::emulator {

// The task type an instance without one is embedded as.
inline constexpr std::string_view kDefaultTaskType = "RETRIEVAL_QUERY";

// A unit-length (L2) vector of `dimensions` floats that depends only on the arguments. A shorter
// vector points the way of the longer one's leading values (as outputDimensionality cuts Vertex's).
// An empty `taskType` is kDefaultTaskType.
std::vector<float> embeddingVector(std::string_view model, std::string_view taskType,
                                   std::string_view text, int dimensions);

// The response body for a validated request.
std::string renderPredictResponse(const PredictRequest& request, const EmbeddingModel& model);

}  // namespace switchyard::emulator
