#include "api/endpoint_spec.hpp"

#include <array>

#include "api/error_envelopes.hpp"

namespace switchyard::api {

namespace {

using From = EndpointSpec::From;
using providers::Endpoint;

// Anthropic's beta features are switched on per request by this header, on Vertex as elsewhere.
constexpr std::array<std::string_view, 1> kAnthropicHeaders{"anthropic-beta"};

constexpr EndpointSpec kChat{
    Endpoint::ChatCompletions, "/v1/chat/completions",  "chat", From::Body, From::Body,
    &core::renderOpenAiError,  &renderOpenAiStreamError};
constexpr EndpointSpec kEmbeddings{
    Endpoint::Embeddings,     "/v1/embeddings",        "embeddings", From::Body, From::None,
    &core::renderOpenAiError, &renderOpenAiStreamError};
constexpr EndpointSpec kMessages{Endpoint::AnthropicMessages,
                                 "/anthropic/v1/messages",
                                 "chat",
                                 From::Body,
                                 From::Body,
                                 &renderAnthropicError,
                                 &renderAnthropicStreamError,
                                 kAnthropicHeaders};
constexpr EndpointSpec kCountTokens{Endpoint::AnthropicCountTokens,
                                    "/anthropic/v1/messages/count_tokens",
                                    "count_tokens",
                                    From::Body,
                                    From::None,
                                    &renderAnthropicError,
                                    &renderAnthropicStreamError,
                                    kAnthropicHeaders};
constexpr EndpointSpec kGenerateContent{Endpoint::GeminiGenerateContent,
                                        "/v1beta/models/{model}:generateContent",
                                        "generate_content",
                                        From::Path,
                                        From::Path,
                                        &renderGoogleError,
                                        &renderGoogleStreamError};
constexpr EndpointSpec kGeminiCountTokens{Endpoint::GeminiCountTokens,
                                          "/v1beta/models/{model}:countTokens",
                                          "count_tokens",
                                          From::Path,
                                          From::None,
                                          &renderGoogleError,
                                          &renderGoogleStreamError};

// Exact paths first; each API has its own prefix.
struct ExactPath {
  std::string_view path;
  const EndpointSpec* spec;
};
constexpr std::array<ExactPath, 6> kExact{{
    {"/v1/chat/completions", &kChat},
    {"/v1/embeddings", &kEmbeddings},
    {"/anthropic/v1/messages", &kMessages},
    {"/v1/messages", &kMessages},
    {"/anthropic/v1/messages/count_tokens", &kCountTokens},
    {"/v1/messages/count_tokens", &kCountTokens},
}};

bool startsWith(std::string_view text, std::string_view prefix) { return text.starts_with(prefix); }

// "{model}:{method}" at the end of a Gemini path; the model is one plain path segment.
EndpointMatch matchModelMethod(std::string_view rest) {
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  const std::string_view model = rest.substr(0, colon);
  if (model.find('/') != std::string_view::npos) return {};
  const std::string_view method = rest.substr(colon + 1);
  if (method == "generateContent") return {&kGenerateContent, model, false};
  if (method == "streamGenerateContent") return {&kGenerateContent, model, true};
  if (method == "countTokens") return {&kGeminiCountTokens, model, false};
  return {};
}

// The Vertex form: /v1/projects/{p}/locations/{l}/publishers/google/models/{model}:{method} (v1 or
// v1beta1, as google-genai sends in Vertex mode). The project and location are the client's idea;
// the backend's own are used upstream.
EndpointMatch matchVertexForm(std::string_view path) {
  std::string_view rest;
  if (startsWith(path, "/v1/projects/"))
    rest = path.substr(13);
  else if (startsWith(path, "/v1beta1/projects/"))
    rest = path.substr(18);
  else
    return {};
  const auto locations = rest.find("/locations/");
  if (locations == std::string_view::npos || locations == 0) return {};
  rest = rest.substr(locations + 11);
  constexpr std::string_view kModels = "/publishers/google/models/";
  const auto models = rest.find(kModels);
  if (models == std::string_view::npos || models == 0) return {};
  if (rest.substr(0, models).find('/') != std::string_view::npos) return {};
  return matchModelMethod(rest.substr(models + kModels.size()));
}

}  // namespace

EndpointMatch matchEndpoint(std::string_view path) {
  for (const auto& exact : kExact)
    if (exact.path == path) return {exact.spec, {}, false};
  if (startsWith(path, "/v1beta/models/")) return matchModelMethod(path.substr(15));
  return matchVertexForm(path);
}

ErrorRenderer errorRendererFor(std::string_view path) {
  if (startsWith(path, "/anthropic/") || startsWith(path, "/v1/messages"))
    return &renderAnthropicError;
  if (startsWith(path, "/v1beta/") || startsWith(path, "/v1beta1/") ||
      startsWith(path, "/v1/projects/"))
    return &renderGoogleError;
  return &core::renderOpenAiError;
}

std::string endpointPaths() {
  std::string paths;
  for (const auto& exact : kExact) {
    if (!paths.empty()) paths += ", ";
    paths += exact.path;
  }
  paths += ", " + std::string(kGenerateContent.path) +
           " (and :streamGenerateContent, :countTokens, and the Vertex form "
           "/v1/projects/{p}/locations/{l}/publishers/google/models/{model}:...)";
  return paths;
}

}  // namespace switchyard::api
