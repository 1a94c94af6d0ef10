#pragma once
// Embeddings span cases in attribute_cases.hpp's table format ("like", "env", "changes", "expect"
// work the same): "request" is an OpenAI embeddings request, "response" an embeddings `list`, and
// the case runs through the embeddings entry points in the order the chat cases use. A "response"
// of null (to take back one a "like" case brought) means no answer: a failed request.

#include <string>

// attribute_cases.hpp uses providers::findProvider without including its header.
#include "providers/registry.hpp"
// (after the registry, which it needs)
#include "attribute_cases.hpp"
#include "telemetry/embedding_attributes.hpp"

namespace switchyard::telemetry::testing {

inline CaseRun runEmbeddingsCase(const json::object& data) {
  const auto settings = settingsOf(data);
  const auto request = objectOf(data, "request");
  const auto headers = objectOf(data, "headers");
  CaseRun run;
  run.requestText = json::serialize(request);
  const EmbeddingsRequestView view{request, run.requestText, [&headers](std::string_view name) {
                                     const auto* value = headers.if_contains(name);
                                     return value ? std::string_view(value->as_string())
                                                  : std::string_view();
                                   }};
  addEmbeddingsRequestAttributes(settings, view, run.attributes);
  if (const auto* backend = data.if_contains("backend")) {
    addEmbeddingsBackendAttributes(settings, providerOf(backend->as_object()),
                                   text(backend->as_object(), "model"), run.attributes);
  }
  if (const auto* response = data.if_contains("response"); response && !response->is_null()) {
    run.responseText = json::serialize(*response);
    EXPECT_TRUE(addEmbeddingsResponseAttributes(settings, run.responseText, run.attributes));
  }
  return run;
}

// Every difference from the case's expectation, or "" when the attributes are exactly those.
inline std::string embeddingsMismatches(const json::object& data) {
  const auto run = runEmbeddingsCase(data);
  const auto expected = expectationOf(data, run);
  return differences(expected, asJson(run.attributes, expected));
}

}  // namespace switchyard::telemetry::testing
