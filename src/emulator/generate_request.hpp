#pragma once
// The Vertex AI generateContent surface as the emulator checks it: the model path of the URL and
// the GenerateContentRequest body, rejected with the status and message texts Vertex uses
// (docs/spec/wire.md §2.6, §2.7) so that a gateway bug shows up as the error it would meet live.

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "emulator/google_error.hpp"

namespace switchyard::emulator {

struct ModelCall {
  std::string apiVersion;  // "v1" or "v1beta1"
  std::string project;
  std::string location;
  std::string model;
  bool stream = false;       // :streamGenerateContent
  bool sse = false;          // ?alt=sse
  bool countTokens = false;  // :countTokens
};

// `target` is the request target (path and query). nullopt: not a publisher-model method path.
std::optional<ModelCall> parseModelCall(std::string_view target);

// Models the emulator serves: ^gemini-[a-z0-9.\-]+$.
bool isKnownModel(std::string_view model);

// 404 NOT_FOUND as Vertex words it for an unknown publisher model.
GoogleError modelNotFound(const ModelCall& call);

// Parses and validates a GenerateContentRequest. The error is a 400 INVALID_ARGUMENT.
boost::system::result<boost::json::object, GoogleError> parseGenerateRequest(
    std::string_view body, std::string_view model);

// A CountTokensRequest with contents: validated like generateContent, but with only the fields
// CountTokensRequest has (model, instances, contents, systemInstruction, tools, generationConfig).
boost::system::result<boost::json::object, GoogleError> parseCountTokensRequest(
    std::string_view body, std::string_view model);

}  // namespace switchyard::emulator
