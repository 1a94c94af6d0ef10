#pragma once
// The vectors of an OpenAI embeddings answer as numbers, whichever encoding_format the client asked
// for: `data[i].embedding` is a JSON array of numbers, or (encoding_format=base64) a standard
// base64 string of little-endian float32 values. Tolerant like the other span readers: anything
// else reads as absent, and nothing here throws.

#include <boost/json/value.hpp>

#include <cstddef>
#include <optional>
#include <vector>

namespace switchyard::telemetry {

// How many values `embedding` holds, found without decoding it (a base64 string's length says its
// byte count), so a caller can refuse a vector before paying for it. nullopt when `embedding` is
// neither an array of numbers nor base64 of whole float32 values.
std::optional<std::size_t> embeddingDimensionCount(const boost::json::value& embedding);

// The values of `embedding`, float32 widened to double. nullopt when embeddingDimensionCount would
// be, or when a value is not finite (no real embedding holds one; OTLP JSON could not carry it).
std::optional<std::vector<double>> decodeEmbedding(const boost::json::value& embedding);

}  // namespace switchyard::telemetry
