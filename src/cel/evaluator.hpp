#pragma once
// Evaluation of a compiled Program: a walk of its tree (at most kMaxDepth deep) on values that
// borrow the inputs' and the program's strings, so it allocates nothing.

#include <cstdint>
#include <string_view>

#include "cel/expression.hpp"
#include "cel/program.hpp"

namespace switchyard::cel {

// The runtime errors of the subset.
enum class Fault : std::uint8_t {
  None,
  IntOverflow,
  UintOverflow,
  DivisionByZero,
  ModulusByZero,
  IntRange,     // int() of a value outside int's range
  UintRange,    // uint() of a negative value or one beyond uint's range
  NotAnInt,     // int() of a string that is not a decimal int
  NotAUint,     // uint() of a string that is not a decimal uint
  NotADouble,   // double() of a string that is not a number
  NanOrdering,  // <, <=, >, >= with a NaN operand
};

std::string_view faultMessage(Fault fault);

struct Failure {
  Fault fault = Fault::None;
  std::uint32_t offset = 0;  // of the operation that failed
  explicit operator bool() const { return fault != Fault::None; }
};

// A value of the node's static type; only the member that type names is meaningful.
struct Value {
  union {
    std::int64_t i = 0;
    std::uint64_t u;
    double d;
    bool b;
  };
  std::string_view s;
};

Failure evaluateProgram(const Program& program, const Inputs& inputs, Value& out);

}  // namespace switchyard::cel
