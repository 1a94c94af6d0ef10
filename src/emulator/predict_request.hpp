#pragma once
// Vertex AI's `:predict` for text-embedding models as the emulator checks it: the method path and
// the {"instances": [...], "parameters": {...}} body, refused with 400 INVALID_ARGUMENT in Google's
// envelope where Vertex refuses it (README "predict").

#include <boost/system/result.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/embedding_models.hpp"
#include "emulator/google_error.hpp"

namespace switchyard::emulator {

struct PredictCall {
  std::string apiVersion;  // "v1" or "v1beta1"
  std::string project;
  std::string location;
  std::string model;
};

// `target` is the request target. nullopt: not `.../publishers/google/models/{m}:predict`.
std::optional<PredictCall> parsePredictCall(std::string_view target);

struct EmbeddingInstance {
  std::string content;   // as sent, fault directives included
  std::string taskType;  // as sent; empty when absent
  std::string title;
  std::string text;                    // content without directives, cut to the token limit
  std::size_t tokenCount = 0;          // tokens of `text`
  bool truncated = false;              // autoTruncate cut the text
  std::size_t billableCharacters = 0;  // non-whitespace characters of the content
};

struct PredictRequest {
  std::vector<EmbeddingInstance> instances;
  bool autoTruncate = true;
  int dimensions = 0;  // outputDimensionality, or the model's default
};

// The emulator's tokens: whitespace-separated words, as for generateContent.
std::size_t embeddingTokenCount(std::string_view text);

// Parses and validates a text-embedding PredictRequest for `model`; the error is a 400.
boost::system::result<PredictRequest, GoogleError> parsePredictRequest(std::string_view body,
                                                                       const EmbeddingModel& model);

}  // namespace switchyard::emulator
