#pragma once
// The chat span in OpenTelemetry GenAI terms (AI_GATEWAY_TRACING_SEMCONV=gen_ai),
// docs/spec/wire.md §5.4. Message content goes in one JSON attribute per direction (the
// conventions' input/output message schemas), left out or redacted by the same OpenInference
// switches as in the default mode.

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "telemetry/attribute_inputs.hpp"
#include "telemetry/attribute_list.hpp"
#include "telemetry/attribute_settings.hpp"

namespace switchyard::telemetry::genai {

// `{gen_ai.operation.name} {gen_ai.request.model}`: "chat gemini-2.5-flash" ("chat" without a
// model).
std::string spanName(std::string_view requestModel);

// gen_ai.operation.name=chat, gen_ai.request.model, the gen_ai.request.* parameters the client
// sent, gen_ai.output.type, and gen_ai.input.messages / gen_ai.tool.definitions unless hidden.
void addRequestAttributes(const Redaction& redaction, const ChatRequestView& request,
                          AttributeList& out);

// gen_ai.provider.name: gcp.vertex_ai or openai.
void addBackendAttributes(const ProviderKind& provider, AttributeList& out);

// gen_ai.response.id / .model / .finish_reasons, gen_ai.usage.*, and gen_ai.output.messages unless
// hidden, from the chat.completion sent to the client.
void addResponseAttributes(const Redaction& redaction, const boost::json::object& completion,
                           AttributeList& out);

// error.type: the upstream's HTTP status for an upstream_status error ("429"), else the gateway's
// error kind name ("upstream_timeout"); both stay low in cardinality.
void addErrorAttributes(const core::Error& error, AttributeList& out);

}  // namespace switchyard::telemetry::genai
