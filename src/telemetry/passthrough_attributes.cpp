#include "telemetry/passthrough_attributes.hpp"

#include "telemetry/attribute_semconv.hpp"

namespace switchyard::telemetry {

namespace {

constexpr std::string_view kJsonMimeType = "application/json";

bool genAi(const AttributeSettings& settings) {
  return settings.convention == SemanticConvention::GenAi;
}

}  // namespace

std::string passthroughSpanName(const AttributeSettings& settings,
                                std::string_view openInferenceName, std::string_view operation,
                                std::string_view requestModel) {
  if (!genAi(settings)) return std::string(openInferenceName);
  std::string name(operation);
  if (!requestModel.empty()) appendIdentifier(name.append(" "), requestModel);
  return name;
}

void addPassthroughRequestAttributes(const AttributeSettings& settings, std::string_view operation,
                                     std::string_view requestModel, const ChatRequestView& request,
                                     AttributeList& out) {
  if (genAi(settings)) {
    out.addString("gen_ai.operation.name", operation);
    out.addIdentifier("gen_ai.request.model", requestModel);
  } else {
    out.addString("openinference.span.kind", "LLM");
    const bool hidden = settings.redaction.hideInputs;
    out.addString("input.value", hidden ? kRedacted : request.rawBody);
    if (!hidden) out.addString("input.mime_type", kJsonMimeType);
  }
  addRequestIdentityAttributes(settings, request, out);
}

void addPassthroughResponseAttributes(const AttributeSettings& settings, std::string_view body,
                                      AttributeList& out) {
  if (genAi(settings)) return;  // the GenAI conventions record no content by default
  const bool hidden = settings.redaction.hideOutputs;
  out.addString("output.value", hidden ? kRedacted : body);
  if (!hidden) out.addString("output.mime_type", kJsonMimeType);
}

void addPassthroughUsageAttributes(const AttributeSettings& settings, const PassthroughUsage& usage,
                                   AttributeList& out) {
  if (genAi(settings)) {
    if (!usage.responseModel.empty())
      out.addIdentifier("gen_ai.response.model", usage.responseModel);
    out.addInt("gen_ai.usage.input_tokens", usage.input);
    out.addInt("gen_ai.usage.output_tokens", usage.output);
    return;
  }
  out.addInt("llm.token_count.prompt", usage.input);
  out.addInt("llm.token_count.completion", usage.output);
  out.addInt("llm.token_count.total", usage.total);
}

}  // namespace switchyard::telemetry
