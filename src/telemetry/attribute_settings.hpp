#pragma once
// What a chat span records and how, read once at start-up: the semantic convention
// (AI_GATEWAY_TRACING_SEMCONV, as in Envoy AI Gateway), the OpenInference redaction switches
// (OPENINFERENCE_*, Arize-ai/openinference spec/configuration.md) and the request-header →
// attribute mapping (OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES, Envoy AI Gateway's format).

#include <boost/system/result.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "telemetry/environment.hpp"

namespace switchyard::telemetry {

enum class SemanticConvention { OpenInference, GenAi };

// What a hidden value becomes, so a reader can tell "hidden" from "absent".
inline constexpr std::string_view kRedacted = "__REDACTED__";

// OpenInference TraceConfig. A hidden key is either left out or recorded as kRedacted, exactly as
// the Python instrumentation's TraceConfig.mask decides for that key.
struct Redaction {
  bool hideLlmInvocationParameters = false;  // leaves out llm.invocation_parameters
  bool hideLlmTools = false;                 // leaves out llm.tools.*
  bool hideInputs = false;  // input.value redacted, input.mime_type, input messages, tools left out
  bool hideOutputs = false;  // output.value redacted, output.mime_type, output messages left out
  bool hideInputMessages = false;
  bool hideOutputMessages = false;
  bool hideInputImages = false;  // leaves out input image URLs (the part's type stays)
  bool hideInputText = false;    // input message text redacted
  bool hideOutputText = false;   // output message text (and reasoning) redacted
  // Embedding spans: each vector / input text recorded as kRedacted. The vectors switch has an
  // older, deprecated spelling (OPENINFERENCE_HIDE_EMBEDDING_VECTORS) that still counts.
  bool hideEmbeddingVectors = false;
  bool hideEmbeddingsVectors = false;
  bool hideEmbeddingsText = false;
  std::int64_t base64ImageMaxLength = 32000;

  bool operator==(const Redaction&) const = default;
  bool inputMessagesHidden() const { return hideInputs || hideInputMessages; }
  bool outputMessagesHidden() const { return hideOutputs || hideOutputMessages; }
  bool toolsHidden() const { return hideInputs || hideLlmTools; }
  bool embeddingVectorsHidden() const { return hideEmbeddingVectors || hideEmbeddingsVectors; }
  // A `data:image/…base64…` URL longer than base64ImageMaxLength is recorded as kRedacted.
  bool redactsImageUrl(std::string_view url) const;
};

struct HeaderAttribute {
  std::string header;  // lower case
  std::string attribute;
  bool operator==(const HeaderAttribute&) const = default;
};

struct AttributeSettings {
  SemanticConvention convention = SemanticConvention::OpenInference;
  Redaction redaction;
  std::vector<HeaderAttribute> headerAttributes = {{"agent-session-id", "session.id"}};
};

struct LoadedAttributeSettings {
  AttributeSettings settings;
  std::vector<std::string> warnings;  // one line per value ignored in favour of its default
};

// A malformed OPENINFERENCE_* value keeps its default with a warning, as the OpenInference
// instrumentations do. An unknown AI_GATEWAY_TRACING_SEMCONV or a malformed header mapping is an
// error: settings nobody reads must not run unnoticed (Envoy AI Gateway refuses them too).
boost::system::result<LoadedAttributeSettings, std::string> loadAttributeSettings(
    const EnvironmentLookup& environment);

// `header:attribute` pairs separated by commas, blanks around each name ignored, the first colon
// splitting a pair (`agent-session-id:session.id,x-tenant-id:tenant.id`). An empty text is no
// mapping; an empty pair, header or attribute is an error naming the pair.
boost::system::result<std::vector<HeaderAttribute>, std::string> parseHeaderAttributes(
    std::string_view text);

}  // namespace switchyard::telemetry
