#pragma once
// Claude on Vertex AI as the emulator checks it: the publisher-model paths
//   /{v1,v1beta1}/projects/{p}/locations/{l}/publishers/anthropic/models/{m}:rawPredict
//   .../models/{m}:streamRawPredict        .../models/count-tokens:rawPredict
// and the Messages body (Anthropic's Messages API, with `anthropic_version` in the body and the
// model in the URL), rejected as Anthropic does: 400 invalid_request_error "<path>: <problem>".

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "emulator/anthropic_error.hpp"

namespace switchyard::emulator {

struct ClaudeCall {
  std::string apiVersion;  // "v1" or "v1beta1"
  std::string project;
  std::string location;
  std::string model;         // from the URL; "count-tokens" for the token counter
  bool stream = false;       // :streamRawPredict
  bool countTokens = false;  // count-tokens:rawPredict (the model is in the body)
};

// `target` is the request target. nullopt: not an anthropic publisher-model method path.
std::optional<ClaudeCall> parseClaudeCall(std::string_view target);

// Models the emulator serves: ^claude-[a-z0-9.-]+(@[a-z0-9.-]+)?$ (e.g. claude-sonnet-4@20250514).
bool isKnownClaudeModel(std::string_view model);

// The versions accepted in `anthropic_version`: Vertex's documented "vertex-2023-10-16", and an
// Anthropic API version date from 2023-06-01 on (YYYY-MM-DD), which Anthropic's own Vertex SDK
// copies into the body from its anthropic-version header.
bool isKnownAnthropicVersion(std::string_view version);

enum class ClaudeBody {
  kMessages,  // rawPredict / streamRawPredict: anthropic_version and max_tokens required, no model
  kCountTokens,  // count-tokens:rawPredict: model required, no max_tokens / sampling fields
};

// Parses and validates the body. The error is a 400 invalid_request_error naming the field.
boost::system::result<boost::json::object, AnthropicError> parseClaudeRequest(std::string_view body,
                                                                              ClaudeBody kind);

// The signature the emulator puts on a thinking block it wrote, and checks when one comes back:
// base64("emulator-thinking-signature:" + thinking).
std::string thinkingSignature(std::string_view thinking);

}  // namespace switchyard::emulator
