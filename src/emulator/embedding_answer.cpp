#include "emulator/embedding_answer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace switchyard::emulator {

namespace {

// FNV-1a, 64 bits: stable across platforms and runs, unlike std::hash.
std::uint64_t fnv1a(std::uint64_t hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return hash;
}

// splitmix64's finaliser: spreads consecutive inputs over all 64 bits.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

void appendFloat(std::string& out, float value) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, ec == std::errc() ? end : buffer);
}

}  // namespace

std::vector<float> embeddingVector(std::string_view model, std::string_view taskType,
                                   std::string_view text, int dimensions) {
  if (taskType.empty()) taskType = kDefaultTaskType;
  std::uint64_t seed = 0xcbf29ce484222325ull;
  seed = fnv1a(seed, model);
  seed = fnv1a(seed, std::string_view("\0", 1));
  seed = fnv1a(seed, taskType);
  seed = fnv1a(seed, std::string_view("\0", 1));
  seed = fnv1a(seed, text);

  // Value i depends on (seed, i) alone, so every length shares the same leading values.
  std::vector<double> raw(static_cast<std::size_t>(std::max(dimensions, 0)));
  double squares = 0;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const std::uint64_t bits = mix(seed ^ mix(i));
    raw[i] = static_cast<double>(bits >> 11) * 0x1.0p-52 - 1.0;  // [-1, 1)
    squares += raw[i] * raw[i];
  }
  if (!raw.empty() && squares == 0) {
    raw[0] = 1;
    squares = 1;
  }
  const double norm = std::sqrt(squares);
  std::vector<float> values(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) values[i] = static_cast<float>(raw[i] / norm);
  return values;
}

std::string renderPredictResponse(const PredictRequest& request, const EmbeddingModel& model) {
  std::string out;
  out.reserve(64 + request.instances.size() * (request.dimensions * 12 + 96));
  out += R"({"predictions":[)";
  std::size_t billable = 0;
  for (std::size_t k = 0; k < request.instances.size(); ++k) {
    const EmbeddingInstance& instance = request.instances[k];
    billable += instance.billableCharacters;
    if (k > 0) out += ',';
    out += R"({"embeddings":{"values":[)";
    const auto values =
        embeddingVector(model.id, instance.taskType, instance.text, request.dimensions);
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out += ',';
      appendFloat(out, values[i]);
    }
    out += R"(],"statistics":{"truncated":)";
    out += instance.truncated ? "true" : "false";
    out += R"(,"token_count":)";
    out += std::to_string(instance.tokenCount);
    out += "}}}";
  }
  out += R"(],"metadata":{"billableCharacterCount":)";
  out += std::to_string(billable);
  out += "}}";
  return out;
}

}  // namespace switchyard::emulator
