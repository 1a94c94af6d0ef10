#pragma once
// A compiled cost expression: a type-checked tree in one vector, children by index, literals'
// text in one string. The compiler writes it once; the evaluator only reads it, so evaluation
// allocates nothing.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::cel {

// CEL's static types, the ones a cost expression can produce.
enum class Type : std::uint8_t { Int, Uint, Double, Bool, String };

constexpr std::string_view typeName(Type type) {
  switch (type) {
    case Type::Int:
      return "int";
    case Type::Uint:
      return "uint";
    case Type::Double:
      return "double";
    case Type::Bool:
      return "bool";
    case Type::String:
      return "string";
  }
  return "?";
}

constexpr bool isNumeric(Type type) {
  return type == Type::Int || type == Type::Uint || type == Type::Double;
}

// The variables of an Envoy AI Gateway llmRequestCosts expression, in Inputs' order.
enum class Variable : std::uint8_t {
  Model,
  Backend,
  RouteName,
  InputTokens,
  CachedInputTokens,
  CacheCreationInputTokens,
  OutputTokens,
  TotalTokens,
  ReasoningTokens,
};

struct VariableDecl {
  std::string_view name;
  Variable variable;
  Type type;
};

inline constexpr std::array<VariableDecl, 9> kVariables{{
    {"model", Variable::Model, Type::String},
    {"backend", Variable::Backend, Type::String},
    {"route_name", Variable::RouteName, Type::String},
    {"input_tokens", Variable::InputTokens, Type::Uint},
    {"cached_input_tokens", Variable::CachedInputTokens, Type::Uint},
    {"cache_creation_input_tokens", Variable::CacheCreationInputTokens, Type::Uint},
    {"output_tokens", Variable::OutputTokens, Type::Uint},
    {"total_tokens", Variable::TotalTokens, Type::Uint},
    {"reasoning_tokens", Variable::ReasoningTokens, Type::Uint},
}};

enum class Op : std::uint8_t {
  Literal,  // value (strings: text_ of the program)
  Load,     // variable
  // Arithmetic on two operands of node.operand's type (no mixing, as CEL).
  Add,
  Sub,
  Mul,
  Div,
  Mod,
  Negate,  // int or double
  Not,
  And,
  Or,
  Conditional,  // a ? b : c
  // Comparisons of node.operand (left) with node.rightOperand; int, uint and double compare
  // with each other by numeric value.
  Equal,
  NotEqual,
  Less,
  LessEqual,
  Greater,
  GreaterEqual,
  // Conversions from node.operand.
  ToInt,
  ToUint,
  ToDouble,
  // String functions.
  Size,  // code points
  StartsWith,
  EndsWith,
  Contains,
};

struct Node {
  Op op = Op::Literal;
  Type type = Type::Int;          // the node's result type
  Type operand = Type::Int;       // type of child a, where the op depends on it
  Type rightOperand = Type::Int;  // type of child b, for comparisons
  Variable variable = Variable::Model;
  std::uint8_t depth = 1;    // 1 + the deepest child: bounds the evaluator's recursion
  std::uint32_t offset = 0;  // where in the source, for error messages
  std::int32_t a = -1, b = -1, c = -1;
  union {
    std::int64_t i;
    std::uint64_t u;
    double d;
    bool b;
  } value{.i = 0};
  std::uint32_t textOffset = 0, textSize = 0;  // a string literal's bytes in Program::text
};

struct Program {
  std::vector<Node> nodes;
  std::string text;
  std::int32_t root = -1;
};

}  // namespace switchyard::cel
