#pragma once
// The CEL expressions of Envoy AI Gateway's llmRequestCosts (type CEL): compiled and type-checked
// once at config load, evaluated per request on the token counts of the answer.
//
// The subset is what a cost needs, with CEL's own typing: int, uint, double, bool and string
// literals; the variables below; + - * / % (no int/uint/double mixing, overflow and division by
// zero are errors), unary - and !, && || (commutative with errors), ?:, comparisons (int, uint and
// double also compare with each other, by value), int() uint() double() conversions (range
// checked), size(), and the string methods startsWith, endsWith, contains.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "cel/program.hpp"
#include "core/result.hpp"

namespace switchyard::cel {

// The variables an Envoy AI Gateway llmRequestCosts CEL expression may use.
struct Inputs {
  std::string_view model;                      // `model`
  std::string_view backend;                    // `backend` ("name.namespace")
  std::string_view routeName;                  // `route_name`
  std::uint64_t inputTokens = 0;               // `input_tokens`
  std::uint64_t cachedInputTokens = 0;         // `cached_input_tokens`
  std::uint64_t cacheCreationInputTokens = 0;  // `cache_creation_input_tokens`
  std::uint64_t outputTokens = 0;              // `output_tokens`
  std::uint64_t totalTokens = 0;               // `total_tokens`
  std::uint64_t reasoningTokens = 0;           // `reasoning_tokens`
};

struct CompileError {
  std::size_t offset = 0;  // byte offset into the source text
  std::string message;
};

class Expression {
 public:
  // Parses and type-checks `source` (at most 4 KiB, nested at most 64 deep). The expression must
  // have type int or uint; anything else is a compile error.
  static std::variant<Expression, CompileError> compile(std::string_view source);

  // The cost: the expression's value as a non-negative integer. A negative int result, an
  // overflow, a division by zero or a conversion out of range is an error (kind Internal) whose
  // message names the offset of the operation. Allocates only on error.
  core::Result<std::uint64_t> evaluate(const Inputs& inputs) const;

 private:
  explicit Expression(Program program) : program_(std::move(program)) {}

  Program program_;
};

}  // namespace switchyard::cel
