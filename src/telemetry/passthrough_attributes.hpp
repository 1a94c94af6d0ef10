#pragma once
// Span content for the endpoints whose bodies go to the provider in their own API's shape (the
// Anthropic Messages API, the Gemini API): the gateway does not read their messages, so the span
// records the request and answer as they are, the model and the token counts the answer reported.
// OpenInference: an LLM span with input.value / output.value and llm.token_count.*; GenAI:
// `{operation} {model}` with gen_ai.usage.*. Pure functions; called only when tracing is on.

#include <cstdint>
#include <string>
#include <string_view>

#include "telemetry/attribute_inputs.hpp"
#include "telemetry/attribute_list.hpp"
#include "telemetry/attribute_settings.hpp"

namespace switchyard::telemetry {

// OpenInference: `openInferenceName` (e.g. "Messages"); GenAI: "{operation} {model}".
std::string passthroughSpanName(const AttributeSettings& settings,
                                std::string_view openInferenceName, std::string_view operation,
                                std::string_view requestModel);

// The request: span kind / operation, the requested model, the body (honouring HIDE_INPUTS), the
// mapped headers.
void addPassthroughRequestAttributes(const AttributeSettings& settings, std::string_view operation,
                                     std::string_view requestModel, const ChatRequestView& request,
                                     AttributeList& out);

// A whole answer's body (honouring HIDE_OUTPUTS).
void addPassthroughResponseAttributes(const AttributeSettings& settings, std::string_view body,
                                      AttributeList& out);

// Token counts and the model that answered, as the provider reported them.
struct PassthroughUsage {
  std::int64_t input = 0;
  std::int64_t output = 0;
  std::int64_t total = 0;
  std::string_view responseModel;
};
void addPassthroughUsageAttributes(const AttributeSettings& settings, const PassthroughUsage& usage,
                                   AttributeList& out);

}  // namespace switchyard::telemetry
