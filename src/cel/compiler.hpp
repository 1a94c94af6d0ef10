#pragma once
// Source text → type-checked Program: a recursive-descent parser of CEL's grammar that types
// each node as it builds it, so an error names the offset of the operator, call or name at fault.

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "cel/expression.hpp"
#include "cel/program.hpp"

namespace switchyard::cel {

inline constexpr std::size_t kMaxSourceBytes = 4096;
// The deepest tree accepted (parentheses, operator chains, calls): bounds the parser's and the
// evaluator's recursion whatever the input.
inline constexpr std::size_t kMaxDepth = 64;

std::variant<Program, CompileError> compileProgram(std::string_view source);

}  // namespace switchyard::cel
