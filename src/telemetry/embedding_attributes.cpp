#include "telemetry/embedding_attributes.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <optional>
#include <utility>
#include <vector>

#include "core/json_fields.hpp"
#include "core/json_writer.hpp"
#include "telemetry/attribute_json.hpp"
#include "telemetry/attribute_semconv.hpp"
#include "telemetry/embedding_vectors.hpp"
#include "telemetry/genai_attributes.hpp"

namespace switchyard::telemetry {

using core::arrayField;
using core::objectField;
using core::stringField;

namespace json = boost::json;
using core::arrayField;
using core::objectField;
using core::stringField;

namespace {

constexpr std::string_view kJsonMimeType = "application/json";

bool genAi(const AttributeSettings& settings) {
  return settings.convention == SemanticConvention::GenAi;
}

std::string_view shown(bool hidden, std::string_view text) { return hidden ? kRedacted : text; }

std::string embeddingKey(std::size_t index, std::string_view field) {
  return attributeKey("embedding.embeddings.", index, ".embedding.", field);
}

// OpenInference.

// The request minus `input`, which has attributes of its own; nullopt when a value cannot be
// written as JSON.
std::optional<std::string> invocationParameters(const json::object& body) {
  std::string text;
  core::JsonWriter writer(text);
  writer.beginObject();
  for (const auto& member : body) {
    if (member.key() == "input") continue;
    writer.escapedKey(member.key());
    if (!writer.value(member.value())) return std::nullopt;
  }
  writer.endObject();
  return text;
}

// One text per input, at the input's position: `input` is one string or an array of them. Token-id
// inputs (an array of integers, or of arrays of them) have no text to show and are left out, as
// the spec says; input.value still holds them.
void addTexts(const Redaction& redaction, const json::value& input, AttributeList& out) {
  auto add = [&](std::size_t index, const json::string& text) {
    out.addString(embeddingKey(index, "text"), shown(redaction.hideEmbeddingsText, core::sv(text)));
  };
  if (input.is_string()) {
    add(0, input.get_string());
  } else if (input.is_array()) {
    const auto& inputs = input.get_array();
    for (std::size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].is_string()) add(i, inputs[i].get_string());
  }
}

void addOpenInferenceRequest(const Redaction& redaction, const EmbeddingsRequestView& request,
                             AttributeList& out) {
  out.addString("openinference.span.kind", "EMBEDDING");
  // Left out with llm.invocation_parameters' switch, as Envoy AI Gateway does (the spec's
  // TraceConfig names only the LLM key; these parameters are the same kind of thing).
  if (!redaction.hideLlmInvocationParameters) {
    if (auto parameters = invocationParameters(request.body))
      out.addOwnedString("embedding.invocation_parameters", std::move(*parameters));
  }
  out.addString("input.value", shown(redaction.hideInputs, request.rawBody));
  if (!redaction.hideInputs) out.addString("input.mime_type", kJsonMimeType);
  // HIDE_INPUTS leaves the texts out: with input.value redacted they would show it all the same
  // (Envoy AI Gateway does the same; OpenInference's configuration spec lists embedding text under
  // hidden inputs).
  if (const auto* input = request.body.if_contains("input"); input && !redaction.hideInputs)
    addTexts(redaction, *input, out);
}

// Vectors are recorded as the spec says (double arrays, base64 decoded, each kRedacted when
// hidden), but within a budget of kMaxEmbeddingVectorValues per span: a batch answer can hold
// thousands of 3072-value vectors, tens of MB on a span that one export must carry, and a collector
// refuses (or an exporter drops) a batch that large. Counting a vector's values needs no decoding,
// so one that would pass the budget is never decoded; it is recorded as kRedacted, as the
// OpenInference TraceConfig records a base64 image over its length limit. output.value is not
// bounded here: it is the answer as sent, like chat's, and OPENINFERENCE_HIDE_OUTPUTS governs it.
void addVectors(const Redaction& redaction, const json::array& data, AttributeList& out) {
  std::size_t budget = kMaxEmbeddingVectorValues;
  for (std::size_t position = 0; position < data.size(); ++position) {
    if (!data[position].is_object()) continue;
    const auto& item = data[position].get_object();
    const auto* embedding = item.if_contains("embedding");
    if (!embedding) continue;
    auto key = embeddingKey(choiceIndex(item, position), "vector");
    if (redaction.embeddingVectorsHidden()) {
      out.addString(std::move(key), kRedacted);
      continue;
    }
    const auto count = embeddingDimensionCount(*embedding);
    if (!count || *count == 0) continue;  // unreadable or empty: nothing to show
    if (*count > budget) {
      out.addString(std::move(key), kRedacted);
      continue;
    }
    auto values = decodeEmbedding(*embedding);
    if (!values) continue;
    budget -= values->size();
    out.addDoubles(std::move(key), std::move(*values));
  }
}

// HIDE_OUTPUTS leaves the vectors out, for the reason HIDE_INPUTS leaves the texts out.
void addOpenInferenceResponse(const Redaction& redaction, const json::object& response,
                              std::string_view responseJson, AttributeList& out) {
  out.addString("output.value", shown(redaction.hideOutputs, responseJson));
  if (!redaction.hideOutputs) {
    out.addString("output.mime_type", kJsonMimeType);
    if (const auto* data = arrayField(&response, "data")) addVectors(redaction, *data, out);
  }
  // Token counts are metadata: kept whatever is hidden.
  const auto counts = readTokenCounts(objectField(&response, "usage"));
  if (counts.prompt) out.addInt("llm.token_count.prompt", *counts.prompt);
  if (counts.total) out.addInt("llm.token_count.total", *counts.total);
}

// OpenTelemetry GenAI.

void addGenAiRequest(const EmbeddingsRequestView& request, AttributeList& out) {
  out.addString("gen_ai.operation.name", "embeddings");
  if (const auto model = stringField(&request.body, "model"); !model.empty())
    out.addIdentifier("gen_ai.request.model", model);
  if (const auto format = stringField(&request.body, "encoding_format"); !format.empty())
    out.addStrings("gen_ai.request.encoding_formats", {std::string(format)});
}

// The conventions record no embedding content (neither texts nor vectors), so the OpenInference
// switches have nothing to hide here.
void addGenAiResponse(const json::object& response, AttributeList& out) {
  if (const auto model = stringField(&response, "model"); !model.empty())
    out.addIdentifier("gen_ai.response.model", model);
  const auto counts = readTokenCounts(objectField(&response, "usage"));
  if (counts.prompt) out.addInt("gen_ai.usage.input_tokens", *counts.prompt);
  // The length of the vectors returned (all have the same), base64 ones counted without decoding.
  if (const auto* data = arrayField(&response, "data"); data && !data->empty()) {
    const auto* first =
        data->front().is_object() ? data->front().get_object().if_contains("embedding") : nullptr;
    if (const auto count = first ? embeddingDimensionCount(*first) : std::nullopt; count && *count)
      out.addInt("gen_ai.embeddings.dimension.count", static_cast<std::int64_t>(*count));
  }
}

}  // namespace

std::string embeddingsSpanName(const AttributeSettings& settings, std::string_view requestModel) {
  if (!genAi(settings)) return "CreateEmbeddings";
  std::string name = "embeddings";
  if (!requestModel.empty()) appendIdentifier(name.append(" "), requestModel);
  return name;
}

void addEmbeddingsRequestAttributes(const AttributeSettings& settings,
                                    const EmbeddingsRequestView& request, AttributeList& out) {
  if (genAi(settings)) {
    addGenAiRequest(request, out);
  } else {
    addOpenInferenceRequest(settings.redaction, request, out);
  }
  addRequestIdentityAttributes(settings, request, out);
}

void addEmbeddingsBackendAttributes(const AttributeSettings& settings, const ProviderKind& provider,
                                    std::string_view upstreamModel, AttributeList& out) {
  if (genAi(settings)) {
    genai::addBackendAttributes(provider, out);
  } else if (!upstreamModel.empty()) {
    out.addIdentifier("embedding.model_name", upstreamModel);
  }
}

bool addEmbeddingsResponseAttributes(const AttributeSettings& settings,
                                     std::string_view responseJson, AttributeList& out) {
  // Vectors make these answers large: one arena for the parse instead of an allocation a number.
  json::monotonic_resource arena;
  boost::system::error_code ec;
  const auto parsed = json::parse(responseJson, ec, &arena);
  if (ec || !parsed.is_object()) return false;
  if (genAi(settings)) {
    addGenAiResponse(parsed.get_object(), out);
  } else {
    addOpenInferenceResponse(settings.redaction, parsed.get_object(), responseJson, out);
  }
  return true;
}

}  // namespace switchyard::telemetry
