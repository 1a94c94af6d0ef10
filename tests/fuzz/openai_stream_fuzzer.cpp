// libFuzzer target: the OpenAI-schema stream passthrough on any sequence of upstream SSE event data
// (layout and client contract in stream_contract.hpp). Beyond that contract, an accepted event is
// re-framed byte for byte (line breaks, which valid JSON only has between tokens, become spaces),
// the upstream's `[DONE]` produces nothing until finish().
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "providers/openai/stream_translator.hpp"
#include "stream_contract.hpp"

namespace json = boost::json;
using namespace switchyard;
using fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::StreamInput input;
  if (!fuzz::parseStreamInput(data, size, input)) return 0;

  const json::object body{{"model", "gpt-4o-mini"}, {"stream", true}};
  const providers::ApiRequest request{
      .body = &body, .model = "gpt-4o-mini", .stream = true, .includeUsage = input.includeUsage};
  const providers::BackendTarget target{"gpt-4o-mini", {}, {}, "/v1"};
  const providers::ResponseContext context{1700000000, "req-fuzz"};
  const auto translator = providers::openai::makeStreamTranslator(request, target, context);

  fuzz::StreamContract contract(*translator, [](const json::object&, std::string_view) {});
  std::string expected;
  contract.run(input.events, [&](std::string_view event, std::string_view added) {
    expected.clear();
    if (event != "[DONE]") {
      expected.append("data: ");
      for (const char c : event) expected.push_back(c == '\n' || c == '\r' ? ' ' : c);
      expected.append("\n\n");
    }
    if (added != expected) fail("an event not re-framed byte for byte", added);
  });
  return 0;
}
