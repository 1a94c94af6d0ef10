// libFuzzer target: llmRequestCosts CEL expressions (config input, so untrusted bytes). Compiling
// any bytes must return an expression or an error pointing inside the source; a compiled
// expression must evaluate, on every input, to a value or an Internal error, the same each time
// and the same from a copy.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "cel/expression.hpp"

using namespace switchyard;

namespace {

// A broken contract: say which one, then abort so libFuzzer records the input.
[[noreturn]] void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "contract broken: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(std::min<std::size_t>(detail.size(), 2000)), detail.data());
  std::abort();
}

std::string describe(const core::Result<std::uint64_t>& r) {
  return r.has_value() ? std::to_string(*r) : "error: " + r.error().message;
}

cel::Inputs inputs(int which) {
  cel::Inputs in;
  switch (which) {
    case 0:  // all zero, the sample the config loader evaluates on
      break;
    case 1:
      in.model = "llama";
      in.backend = "foo.default";
      in.routeName = "route";
      in.inputTokens = 1000, in.cachedInputTokens = 200, in.cacheCreationInputTokens = 50;
      in.outputTokens = 300, in.totalTokens = 1300, in.reasoningTokens = 40;
      break;
    default:  // every count at the top of its range
      in.model = "gemini-2.5-pro\xc3\xa9";
      in.backend = "b";
      in.routeName = "";
      in.inputTokens = in.cachedInputTokens = in.cacheCreationInputTokens = UINT64_MAX;
      in.outputTokens = in.totalTokens = in.reasoningTokens = UINT64_MAX;
      break;
  }
  return in;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  auto compiled = cel::Expression::compile(source);
  if (const auto* error = std::get_if<cel::CompileError>(&compiled)) {
    if (error->offset > source.size()) fail("compile error offset past the source", error->message);
    if (error->message.empty()) fail("compile error without a message");
    return 0;
  }
  const auto& expression = std::get<cel::Expression>(compiled);
  const cel::Expression copy = expression;
  for (int which = 0; which < 3; ++which) {
    const cel::Inputs in = inputs(which);
    const auto first = expression.evaluate(in);
    if (!first.has_value()) {
      if (first.error().kind != core::ErrorKind::Internal) fail("error not Internal", source);
      if (!first.error().message.starts_with("cost expression ")) {
        fail("error message", first.error().message);
      }
    }
    const auto again = copy.evaluate(in);
    if (describe(first) != describe(again)) {
      fail("evaluation not repeatable", describe(first) + " then " + describe(again));
    }
  }
  return 0;
}
