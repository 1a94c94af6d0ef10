#include "emulator/predict_request.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <array>
#include <cmath>

#include "emulator/faults.hpp"
#include "emulator/json_fields.hpp"

namespace switchyard::emulator {

namespace json = boost::json;

namespace {

// The task types the Text embeddings API documents for `instances[].task_type`.
constexpr std::array<std::string_view, 8> kTaskTypes = {
    "RETRIEVAL_QUERY", "RETRIEVAL_DOCUMENT", "SEMANTIC_SIMILARITY", "CLASSIFICATION",
    "CLUSTERING",      "QUESTION_ANSWERING", "FACT_VERIFICATION",   "CODE_RETRIEVAL_QUERY"};

constexpr std::array<std::string_view, 2> kRequestFields = {"instances", "parameters"};
constexpr std::array<std::string_view, 3> kInstanceFields = {"content", "taskType", "title"};
constexpr std::array<std::string_view, 2> kParameterFields = {"autoTruncate",
                                                              "outputDimensionality"};

GoogleError invalid(std::string message) { return GoogleError{400, std::move(message), {}}; }

// Proto3 JSON's refusal of an unknown member (camelCase and snake_case both known).
template <std::size_t N>
std::optional<GoogleError> unknownName(const json::object& object,
                                       const std::array<std::string_view, N>& known,
                                       std::string_view at) {
  for (const auto& member : object) {
    const std::string camel = camelCase(member.key());
    if (std::find(known.begin(), known.end(), camel) != known.end()) continue;
    std::string message =
        "Invalid JSON payload received. Unknown name \"" + std::string(member.key()) + "\"";
    if (!at.empty()) message += " at '" + std::string(at) + "'";
    return invalid(message + ": Cannot find field.");
  }
  return std::nullopt;
}

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// UTF-8 code points that are not whitespace (Vertex bills characters without white space).
std::size_t billableCharacters(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return !isSpace(c) && (byte & 0xC0) != 0x80;
  }));
}

// `text` up to the end of its `limit`-th word.
std::string_view firstWords(std::string_view text, std::size_t limit) {
  std::size_t words = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !isSpace(text[i])) ++i;
    if (i > 0 && !isSpace(text[i - 1]) && ++words == limit) return text.substr(0, i);
    while (i < text.size() && isSpace(text[i])) ++i;
  }
  return text;
}

std::string instanceAt(std::size_t index) { return "instances[" + std::to_string(index) + "]"; }

boost::system::result<EmbeddingInstance, GoogleError> parseInstance(const json::value& value,
                                                                    std::size_t index) {
  const std::string where = instanceAt(index);
  const auto* object = value.if_object();
  if (!object) return invalid("Invalid value at '" + where + "': expected an object.");
  if (auto error = unknownName(*object, kInstanceFields, where)) return *error;

  EmbeddingInstance instance;
  const auto* content = field(*object, "content");
  if (!content) {
    return invalid("Unable to submit request because " + where +
                   " has no content. Each instance needs a \"content\" string.");
  }
  if (!content->is_string())
    return invalid("Invalid value at '" + where + ".content': expected a string.");
  instance.content = content->as_string();

  if (const auto* taskType = field(*object, "taskType")) {
    const auto* name = taskType->if_string();
    if (!name || std::find(kTaskTypes.begin(), kTaskTypes.end(), *name) == kTaskTypes.end()) {
      std::string message = "Invalid value at '" + where + ".task_type'";
      if (name) message += " (\"" + std::string(*name) + "\")";
      message += ": task_type must be one of";
      for (std::size_t k = 0; k < kTaskTypes.size(); ++k)
        message += (k == 0 ? " " : ", ") + std::string(kTaskTypes[k]);
      return invalid(message + ".");
    }
    instance.taskType = *name;
  }
  if (const auto* title = field(*object, "title")) {
    if (!title->is_string())
      return invalid("Invalid value at '" + where + ".title': expected a string.");
    instance.title = title->as_string();
  }
  return instance;
}

// Fills `request` from `parameters`; the default dimensions are set by the caller.
std::optional<GoogleError> parseParameters(const json::value& value, const EmbeddingModel& model,
                                           PredictRequest& request) {
  const auto* parameters = value.if_object();
  if (!parameters) return invalid("Invalid value at 'parameters': expected an object.");
  if (auto error = unknownName(*parameters, kParameterFields, "parameters")) return error;

  if (const auto* autoTruncate = field(*parameters, "autoTruncate")) {
    if (!autoTruncate->is_bool())
      return invalid("Invalid value at 'parameters.autoTruncate': expected a boolean.");
    request.autoTruncate = autoTruncate->as_bool();
  }
  if (const auto* dimensions = field(*parameters, "outputDimensionality")) {
    std::optional<long long> n;
    if (dimensions->is_int64()) n = dimensions->as_int64();
    if (dimensions->is_uint64())
      n = static_cast<long long>(std::min<std::uint64_t>(dimensions->as_uint64(), 1ull << 40));
    if (dimensions->is_double() && std::isfinite(dimensions->as_double()) &&
        std::trunc(dimensions->as_double()) == dimensions->as_double() &&
        std::abs(dimensions->as_double()) < 1e12) {
      n = static_cast<long long>(dimensions->as_double());
    }
    if (!n) {
      return invalid("Invalid value at 'parameters.outputDimensionality': expected an integer.");
    }
    if (*n < 1 || *n > model.maxDimensions) {
      return invalid("Invalid value at 'parameters.outputDimensionality' (" + std::to_string(*n) +
                     "): " + std::string(model.id) + " supports output dimensionality from 1 to " +
                     std::to_string(model.maxDimensions) + ".");
    }
    request.dimensions = static_cast<int>(*n);
  }
  return std::nullopt;
}

}  // namespace

std::optional<PredictCall> parsePredictCall(std::string_view target) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return std::nullopt;
  const auto segments = url->segments();  // decoded
  std::vector<std::string> parts(segments.begin(), segments.end());
  if (parts.size() != 9) return std::nullopt;
  if ((parts[0] != "v1" && parts[0] != "v1beta1") || parts[1] != "projects" ||
      parts[3] != "locations" || parts[5] != "publishers" || parts[6] != "google" ||
      parts[7] != "models") {
    return std::nullopt;
  }
  const std::string& last = parts[8];
  const auto colon = last.rfind(':');
  if (colon == std::string::npos || std::string_view(last).substr(colon + 1) != "predict")
    return std::nullopt;
  return PredictCall{parts[0], parts[2], parts[4], last.substr(0, colon)};
}

std::size_t embeddingTokenCount(std::string_view text) {
  std::size_t words = 0;
  bool inWord = false;
  for (const char c : text) {
    if (isSpace(c)) {
      inWord = false;
    } else if (!inWord) {
      inWord = true;
      ++words;
    }
  }
  return words;
}

boost::system::result<PredictRequest, GoogleError> parsePredictRequest(
    std::string_view body, const EmbeddingModel& model) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec);
  if (ec) return invalid("Invalid JSON payload received. " + ec.message() + ".");
  const auto* object = parsed.if_object();
  if (!object)
    return invalid("Invalid JSON payload received. Expected an object at the top level.");
  if (auto error = unknownName(*object, kRequestFields, "")) return *error;

  const auto* instancesValue = object->if_contains("instances");
  if (!instancesValue) {
    return invalid(
        "Unable to submit request because it has no instances. Add at least one instance with a "
        "\"content\" string.");
  }
  const auto* instances = instancesValue->if_array();
  if (!instances) return invalid("Invalid value at 'instances': expected a list.");
  if (instances->empty()) {
    return invalid(
        "Unable to submit request because it has an empty instances list. Add at least one "
        "instance with a \"content\" string.");
  }
  if (instances->size() > model.maxInstances) {
    return invalid("Unable to submit request because " + std::string(model.id) +
                   " accepts at most " + std::to_string(model.maxInstances) + " instance" +
                   (model.maxInstances == 1 ? "" : "s") + " per request; this request has " +
                   std::to_string(instances->size()) + ".");
  }

  PredictRequest request;
  request.dimensions = model.defaultDimensions;
  for (std::size_t k = 0; k < instances->size(); ++k) {
    auto instance = parseInstance((*instances)[k], k);
    if (!instance) return instance.error();
    request.instances.push_back(std::move(*instance));
  }
  if (const auto* parameters = object->if_contains("parameters")) {
    if (auto error = parseParameters(*parameters, model, request)) return *error;
  }

  std::size_t total = 0;
  for (std::size_t k = 0; k < request.instances.size(); ++k) {
    EmbeddingInstance& instance = request.instances[k];
    const std::string text = stripFaultDirectives(instance.content);
    instance.billableCharacters = billableCharacters(text);
    const std::size_t tokens = embeddingTokenCount(text);
    if (tokens > model.maxInputTokens && !request.autoTruncate) {
      return invalid("Unable to submit request because " + instanceAt(k) + " has " +
                     std::to_string(tokens) + " tokens, more than the " +
                     std::to_string(model.maxInputTokens) + " input tokens " +
                     std::string(model.id) +
                     " accepts. Shorten the text or set parameters.autoTruncate to true.");
    }
    instance.truncated = tokens > model.maxInputTokens;
    instance.text = instance.truncated ? std::string(firstWords(text, model.maxInputTokens)) : text;
    instance.tokenCount = std::min(tokens, model.maxInputTokens);
    total += instance.tokenCount;
  }
  if (total > kMaxTokensPerPredictRequest) {
    return invalid("Unable to submit request because its instances hold " + std::to_string(total) +
                   " tokens together, more than the " +
                   std::to_string(kMaxTokensPerPredictRequest) + " allowed per request.");
  }
  return request;
}

}  // namespace switchyard::emulator
