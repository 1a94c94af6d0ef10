#include "telemetry/attribute_settings.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "core/ascii.hpp"

namespace switchyard::telemetry {

namespace {

constexpr std::string_view kSemconvVariable = "AI_GATEWAY_TRACING_SEMCONV";
// Envoy AI Gateway: a mapping shared by all signals, and the span's own, which wins per header.
constexpr std::string_view kBaseHeadersVariable = "OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES";
constexpr std::string_view kSpanHeadersVariable = "OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES";

struct Switch {
  std::string_view variable;
  bool Redaction::*field;
};

constexpr std::array kSwitches{
    Switch{"OPENINFERENCE_HIDE_LLM_INVOCATION_PARAMETERS", &Redaction::hideLlmInvocationParameters},
    Switch{"OPENINFERENCE_HIDE_LLM_TOOLS", &Redaction::hideLlmTools},
    Switch{"OPENINFERENCE_HIDE_INPUTS", &Redaction::hideInputs},
    Switch{"OPENINFERENCE_HIDE_OUTPUTS", &Redaction::hideOutputs},
    Switch{"OPENINFERENCE_HIDE_INPUT_MESSAGES", &Redaction::hideInputMessages},
    Switch{"OPENINFERENCE_HIDE_OUTPUT_MESSAGES", &Redaction::hideOutputMessages},
    Switch{"OPENINFERENCE_HIDE_INPUT_IMAGES", &Redaction::hideInputImages},
    Switch{"OPENINFERENCE_HIDE_INPUT_TEXT", &Redaction::hideInputText},
    Switch{"OPENINFERENCE_HIDE_OUTPUT_TEXT", &Redaction::hideOutputText},
    Switch{"OPENINFERENCE_HIDE_EMBEDDING_VECTORS", &Redaction::hideEmbeddingVectors},
    Switch{"OPENINFERENCE_HIDE_EMBEDDINGS_VECTORS", &Redaction::hideEmbeddingsVectors},
    Switch{"OPENINFERENCE_HIDE_EMBEDDINGS_TEXT", &Redaction::hideEmbeddingsText},
};
constexpr std::string_view kImageMaxLengthVariable = "OPENINFERENCE_BASE64_IMAGE_MAX_LENGTH";

std::string_view trim(std::string_view text) {
  constexpr std::string_view kBlank = " \t\r\n\f\v";
  const auto first = text.find_first_not_of(kBlank);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kBlank) - first + 1);
}

// Python's bool cast in TraceConfig: "true" or "false" in any case, nothing else.
std::optional<bool> parseBool(std::string_view text) {
  if (core::iequalsAscii(text, "true")) return true;
  if (core::iequalsAscii(text, "false")) return false;
  return std::nullopt;
}

// Python's int(): blanks around, an optional sign, decimal digits.
std::optional<std::int64_t> parseInt(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  std::int64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return number;
}

std::string ignored(std::string_view variable, std::string_view value, std::string_view expected) {
  std::string line;
  line.append(variable).append("=").append(value).append(" is not ").append(expected);
  line.append("; the default is used");
  return line;
}

// Envoy AI Gateway's resolution: an unset variable takes `fallback`, an empty one means none.
boost::system::result<std::vector<HeaderAttribute>, std::string> headerMapping(
    const EnvironmentLookup& environment, std::string_view variable, std::string_view fallback) {
  const auto value = environment(variable);
  auto parsed = parseHeaderAttributes(value ? std::string_view(*value) : fallback);
  if (!parsed) return std::string(variable) + ": " + parsed.error();
  return parsed;
}

}  // namespace

bool Redaction::redactsImageUrl(std::string_view url) const {
  return url.starts_with("data:image/") && url.find("base64") != std::string_view::npos &&
         static_cast<std::int64_t>(url.size()) > base64ImageMaxLength;
}

boost::system::result<std::vector<HeaderAttribute>, std::string> parseHeaderAttributes(
    std::string_view text) {
  std::vector<HeaderAttribute> mapping;
  if (text.empty()) return mapping;
  std::size_t position = 0;
  for (std::size_t start = 0;;) {
    const auto comma = text.find(',', start);
    const auto pair = text.substr(start, comma == std::string_view::npos ? comma : comma - start);
    ++position;
    const auto colon = pair.find(':');
    const auto header = trim(pair.substr(0, colon));
    const auto attribute =
        colon == std::string_view::npos ? std::string_view{} : trim(pair.substr(colon + 1));
    if (header.empty() || attribute.empty()) {
      return "pair " + std::to_string(position) + " (\"" + std::string(pair) +
             "\") is not header:attribute";
    }
    HeaderAttribute entry{std::string(header), std::string(attribute)};
    std::transform(entry.header.begin(), entry.header.end(), entry.header.begin(),
                   core::asciiLower);
    mapping.push_back(std::move(entry));
    if (comma == std::string_view::npos) return mapping;
    start = comma + 1;
  }
}

boost::system::result<LoadedAttributeSettings, std::string> loadAttributeSettings(
    const EnvironmentLookup& environment) {
  LoadedAttributeSettings loaded;
  auto& settings = loaded.settings;

  if (const auto semconv = environment(kSemconvVariable); semconv && !semconv->empty()) {
    if (*semconv == "gen_ai") {
      settings.convention = SemanticConvention::GenAi;
    } else if (*semconv != "openinference") {
      return std::string(kSemconvVariable) + "=" + *semconv + ": must be openinference or gen_ai";
    }
  }

  for (const auto& entry : kSwitches) {
    const auto value = environment(entry.variable);
    if (!value) continue;
    if (const auto flag = parseBool(*value)) {
      settings.redaction.*entry.field = *flag;
    } else {
      loaded.warnings.push_back(ignored(entry.variable, *value, "true or false"));
    }
  }
  if (const auto value = environment(kImageMaxLengthVariable)) {
    if (const auto number = parseInt(*value)) {
      settings.redaction.base64ImageMaxLength = *number;
    } else {
      loaded.warnings.push_back(ignored(kImageMaxLengthVariable, *value, "an integer"));
    }
  }

  auto base = headerMapping(environment, kBaseHeadersVariable, "");
  if (!base) return base.error();
  auto span = headerMapping(environment, kSpanHeadersVariable, "agent-session-id:session.id");
  if (!span) return span.error();
  settings.headerAttributes = std::move(*base);
  for (auto& entry : *span) {
    const auto same =
        std::find_if(settings.headerAttributes.begin(), settings.headerAttributes.end(),
                     [&](const HeaderAttribute& e) { return e.header == entry.header; });
    if (same != settings.headerAttributes.end()) {
      same->attribute = std::move(entry.attribute);
    } else {
      settings.headerAttributes.push_back(std::move(entry));
    }
  }
  return loaded;
}

}  // namespace switchyard::telemetry
