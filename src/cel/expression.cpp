#include "cel/expression.hpp"

#include "cel/compiler.hpp"
#include "cel/evaluator.hpp"

namespace switchyard::cel {

std::variant<Expression, CompileError> Expression::compile(std::string_view source) {
  auto compiled = compileProgram(source);
  if (auto* error = std::get_if<CompileError>(&compiled)) return std::move(*error);
  return Expression(std::move(std::get<Program>(compiled)));
}

core::Result<std::uint64_t> Expression::evaluate(const Inputs& inputs) const {
  Value value;
  if (const Failure failure = evaluateProgram(program_, inputs, value)) {
    return core::Error::make(core::ErrorKind::Internal,
                             "cost expression failed at offset " + std::to_string(failure.offset) +
                                 ": " + std::string(faultMessage(failure.fault)));
  }
  if (program_.nodes[std::size_t(program_.root)].type == Type::Uint) return value.u;
  if (value.i < 0) {
    return core::Error::make(
        core::ErrorKind::Internal,
        "cost expression evaluated to a negative number (" + std::to_string(value.i) + ")");
  }
  return std::uint64_t(value.i);
}

}  // namespace switchyard::cel
