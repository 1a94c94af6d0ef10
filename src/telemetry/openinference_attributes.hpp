#pragma once
// The chat span in OpenInference terms (what Phoenix renders): docs/spec/wire.md §5.1–5.3,
// flattened per §5.2, with what the Redaction hides left out or recorded as kRedacted exactly where
// the OpenInference instrumentations' TraceConfig.mask would.

#include <boost/json/object.hpp>

#include <string_view>

#include "telemetry/attribute_inputs.hpp"
#include "telemetry/attribute_list.hpp"
#include "telemetry/attribute_settings.hpp"

namespace switchyard::telemetry::openinference {

inline constexpr std::string_view kSpanName = "ChatCompletion";

// openinference.span.kind=LLM, llm.request.model_name, llm.invocation_parameters (the request minus
// messages, tools and functions), input.value + input.mime_type, llm.input_messages.*, llm.tools.*.
void addRequestAttributes(const Redaction& redaction, const ChatRequestView& request,
                          AttributeList& out);

// llm.system, llm.provider (vertexai/google or openai/openai) and llm.model_name, the model asked
// of that backend (its modelNameOverride, else the requested model).
void addBackendAttributes(const ProviderKind& provider, std::string_view upstreamModel,
                          AttributeList& out);

// From the chat.completion sent to the client, `completionJson` being its text (output.value):
// llm.response.model_name, output.value + output.mime_type, llm.output_messages.* (one per choice,
// reasoning_content as a `reasoning` content item), llm.finish_reason, llm.token_count.*.
void addResponseAttributes(const Redaction& redaction, const boost::json::object& completion,
                           std::string_view completionJson, AttributeList& out);

}  // namespace switchyard::telemetry::openinference
