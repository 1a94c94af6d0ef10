#pragma once
// What every OpenAI-schema translator shares: the backend already speaks the endpoint's API, so
// the request goes out as the client sent it with only `model` replaced by the backend's model,
// and the answer comes back verbatim, parsed only to read `model` and `usage`.

#include <string>
#include <string_view>

#include "providers/provider.hpp"

namespace switchyard::providers::openai {

// The upstream path of an endpoint under a schema prefix: the prefix defaults to "/v1" and loses
// trailing slashes, e.g. ("", "/embeddings") → "/v1/embeddings", ("/api/v1/", "/chat/completions")
// → "/api/v1/chat/completions".
std::string endpointPath(std::string_view prefix, std::string_view endpoint);

// One POST to endpointPath(target.pathPrefix, endpoint) with the client's object re-serialized
// field by field, `model` swapped for the backend's (added when absent). A client number beyond
// double range cannot be written as JSON: InvalidRequest "number out of range" naming where it is.
core::Result<UpstreamCalls> passthroughRequest(const ApiRequest& request,
                                               const BackendTarget& target,
                                               std::string_view endpoint);

// The 2xx body as the answer, with `model` (else the target's) and `usage` read from it. Usage
// counts that are not integers within int64's range read as 0 (json_fields.hpp toInt64). Read by
// scanAnswer (answer_scanner.hpp), or by the document reader below for what that declines.
core::Result<TranslatedResponse> passthroughResponse(std::string_view upstreamBody,
                                                     const BackendTarget& target);

// The same from a parsed document: the reference the scanning reader is tested against.
core::Result<TranslatedResponse> passthroughResponseFromDocument(std::string_view upstreamBody,
                                                                 const BackendTarget& target);

}  // namespace switchyard::providers::openai
