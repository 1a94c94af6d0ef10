// Compile errors: CEL's static typing (no int/uint/double mixing in arithmetic), what a cost
// expression cannot contain, syntax and lexical errors, and the size and depth limits; each with
// the byte offset it points at.

#include <gtest/gtest.h>

#include <string>

#include "cel/expression.hpp"

namespace switchyard::cel {
namespace {

struct Case {
  std::string_view source;
  std::size_t offset;
  std::string message;  // the whole message
};

constexpr std::string_view kMixing =
    " (CEL does not convert between int, uint and double: write 1u for a uint literal, 1.0 for a "
    "double, or convert with int(), uint() or double())";

const std::string kInputPlusOne =
    "no matching overload for '+' applied to (uint, int)" + std::string(kMixing);
const std::string kUintTimesDouble =
    "no matching overload for '*' applied to (uint, double)" + std::string(kMixing);

const Case kCases[] = {
    // Token counts are uint and an unsuffixed literal is int: CEL has no overload mixing them.
    {"input_tokens + 1", 13, kInputPlusOne},
    {"input_tokens * 0.5", 13, kUintTimesDouble},
    {"1 - 1u", 2, "no matching overload for '-' applied to (int, uint)" + std::string(kMixing)},
    {"1.0 / 2", 4, "no matching overload for '/' applied to (double, int)" + std::string(kMixing)},
    // Two of Envoy AI Gateway's documented examples are not valid CEL (cel-go rejects them too):
    // a misspelt variable, and uint * double.
    {"model == 'llama' ?  input_tokens + output_token * 0.5 : total_tokens", 35,
     "undeclared reference to 'output_token' (the variables are model, backend, route_name, "
     "input_tokens, cached_input_tokens, cache_creation_input_tokens, output_tokens, "
     "total_tokens, reasoning_tokens)"},
    {"backend == 'bar.default' ?  (input_tokens - cached_input_tokens) + cached_input_tokens * "
     "0.1 + cache_creation_input_tokens * 1.25 + output_tokens : total_tokens",
     87, kUintTimesDouble},
    // Operators on the wrong types.
    {"-input_tokens", 0,
     "no matching overload for '-' applied to (uint) (a uint cannot be negated)"},
    {"-1u", 0, "no matching overload for '-' applied to (uint) (a uint cannot be negated)"},
    {"!1", 0, "no matching overload for '!' applied to (int)"},
    {"-model.size() + -true", 16, "no matching overload for '-' applied to (bool)"},
    {"1.0 % 2.0", 4, "no matching overload for '%' applied to (double, double)"},
    {"true + true", 5, "no matching overload for '+' applied to (bool, bool)"},
    {"model + 'x' == 'llamax' ? 1 : 0", 6,
     "string concatenation is not supported in a cost expression"},
    {"model - 'x'", 6, "no matching overload for '-' applied to (string, string)"},
    {"input_tokens > 'a' ? 1 : 0", 13, "no matching overload for '>' applied to (uint, string)"},
    {"model == 1 ? 1 : 0", 6, "no matching overload for '==' applied to (string, int)"},
    {"true == 1 ? 1 : 0", 5, "no matching overload for '==' applied to (bool, int)"},
    {"1 && true ? 1 : 0", 2, "no matching overload for '&&' applied to (int, bool)"},
    {"true || 'x' ? 1 : 0", 5, "no matching overload for '||' applied to (bool, string)"},
    {"input_tokens ? 1 : 2", 13, "the condition of '?:' must be bool, not uint"},
    {"true ? 1 : 1u", 5,
     "the branches of '?:' have different types (int, uint)" + std::string(kMixing)},
    {"true ? 1 : 'x'", 5, "the branches of '?:' have different types (int, string)"},
    // The result must be a cost.
    {"model", 0, "a cost expression must evaluate to int or uint, not string"},
    {"1.5", 0,
     "a cost expression must evaluate to int or uint, not double (convert with uint() or int())"},
    {"-1.5", 0,
     "a cost expression must evaluate to int or uint, not double (convert with uint() or int())"},
    {"input_tokens > 1", 13, "a cost expression must evaluate to int or uint, not bool"},
    {"(input_tokens * 2u) / 3.0", 20,
     "no matching overload for '/' applied to (uint, double)" + std::string(kMixing)},
    // Functions.
    {"uint(true)", 0, "no matching overload for 'uint' applied to (bool)"},
    {"int(1, 2)", 0, "'int' takes 1 argument"},
    {"double()", 0, "'double' takes 1 argument"},
    {"int(1, 2, 3)", 10, "too many arguments"},
    {"size(1)", 0, "no matching overload for 'size' applied to (int)"},
    {"input_tokens.size()", 13, "no matching overload for 'size' applied to (uint)"},
    {"model.size(1)", 6, "'size' takes 0 arguments"},
    {"model.startsWith(1) ? 1 : 0", 6,
     "no matching overload for 'startsWith' applied to (string, int)"},
    {"foo(1)", 0,
     "undeclared reference to function 'foo' (the functions are int, uint, double, size, and the "
     "string methods startsWith, endsWith, contains, size)"},
    {"model.matches('x') ? 1 : 0", 6,
     "undeclared reference to method 'matches' (the string methods are startsWith, endsWith, "
     "contains, size)"},
    // What a cost expression has no use for.
    {"model.foo", 6,
     "field selection is not supported in a cost expression (the variables have no fields)"},
    {"model[0]", 5, "indexing is not supported in a cost expression"},
    {"model{}", 5, "message construction is not supported in a cost expression"},
    {"[1, 2]", 0, "list literals are not supported in a cost expression"},
    {"{'a': 1}", 0, "map literals are not supported in a cost expression"},
    {"1 in [1]", 2, "'in' is not supported in a cost expression (it has no lists or maps)"},
    {"null", 0, "null is not supported in a cost expression"},
    {"b'abc'", 0, "bytes literals are not supported in a cost expression"},
    {"size(Rb'abc')", 5, "bytes literals are not supported in a cost expression"},
    {"if", 0, "'if' is a reserved word"},
    {"1 + while", 4, "'while' is a reserved word"},
    // Syntax.
    {"", 0, "unexpected end of expression"},
    {"   // nothing\n", 14, "unexpected end of expression"},
    {"input_tokens +", 14, "unexpected end of expression"},
    {"(1 + 2", 6, "expected ')'"},
    {"1 2", 2, "unexpected '2'"},
    {"1 + )", 4, "unexpected ')'"},
    {"true ? 1", 8, "expected ':' of '?:'"},
    {"int(1 2)", 6, "expected ',' or ')'"},
    {"model.", 6, "expected a name after '.'"},
    {".1u", 2, "unexpected 'u'"},  // .1 is a double
    {".(1)", 1, "expected a name after '.'"},
    {"1.", 2, "expected a name after '.'"},
    // Lexis.
    {"input_tokens = 1", 13, "unexpected '=' (equality is '==')"},
    {"input_tokens & 1u", 13, "unexpected '&' (logical and is '&&')"},
    {"input_tokens | 1u", 13, "unexpected '|' (logical or is '||')"},
    {"1 # 2", 2, "unexpected character"},
    {"1 + \xc3\xa9", 4, "unexpected character"},
    {"'abc", 0, "unterminated string literal"},
    {"'''abc''", 0, "unterminated string literal"},
    {"'a\nb'", 2, "newline in a quoted string (use a triple-quoted string or \\n)"},
    {"size('\\q')", 6, "invalid escape sequence"},
    {"size('\\x4')", 6, "invalid hexadecimal escape"},
    {"size('\\u12')", 6, "invalid hexadecimal escape"},
    {"size('\\48')", 6, "invalid escape sequence"},
    {"size('\\38')", 6, "invalid octal escape"},
    {"size('\\ud800')", 6, "escape is not a Unicode scalar value"},
    {"size('\\U00110000')", 6, "escape is not a Unicode scalar value"},
    {"size('\xff')", 5, "string literal is not valid UTF-8"},
    {"size('\xc0\x80')", 5, "string literal is not valid UTF-8"},
    {"size('\xed\xa0\x80')", 5, "string literal is not valid UTF-8"},
    {"9223372036854775808", 0, "int literal out of range (int is 64-bit signed)"},
    {"-9223372036854775809", 0, "int literal out of range (int is 64-bit signed)"},
    {"1 + - 9223372036854775809", 4, "int literal out of range (int is 64-bit signed)"},
    {"99999999999999999999", 0, "int literal out of range (int is 64-bit signed)"},
    {"0x10000000000000000u", 0, "uint literal out of range (uint is 64-bit)"},
    {"18446744073709551616u", 0, "uint literal out of range (uint is 64-bit)"},
    {"uint(1e999)", 5, "double literal out of range"},
};

TEST(CelCompile, Errors) {
  for (const auto& c : kCases) {
    auto compiled = Expression::compile(c.source);
    const auto* error = std::get_if<CompileError>(&compiled);
    ASSERT_NE(error, nullptr) << c.source << " compiled";
    EXPECT_EQ(error->message, c.message) << c.source;
    EXPECT_EQ(error->offset, c.offset) << c.source << ": " << error->message;
  }
}

TEST(CelCompile, SourceLimit) {
  const std::string longest = "1" + std::string(4095, ' ');
  EXPECT_TRUE(std::holds_alternative<Expression>(Expression::compile(longest)));
  auto compiled = Expression::compile(longest + " ");
  const auto* error = std::get_if<CompileError>(&compiled);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->offset, 4096u);
  EXPECT_EQ(error->message, "expression is longer than 4096 bytes");
}

TEST(CelCompile, NestingLimit) {
  // The whole expression is one level, so 63 parentheses are the most.
  const auto nested = [](int depth) {
    return std::string(std::size_t(depth), '(') + "1" + std::string(std::size_t(depth), ')');
  };
  EXPECT_TRUE(std::holds_alternative<Expression>(Expression::compile(nested(63))));
  auto compiled = Expression::compile(nested(64));
  const auto* error = std::get_if<CompileError>(&compiled);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->offset, 64u);
  EXPECT_EQ(error->message, "expression nests deeper than 64 levels");
  // Hostile depth stops at the limit instead of exhausting the stack.
  compiled = Expression::compile(nested(2000));
  ASSERT_TRUE(std::holds_alternative<CompileError>(compiled));
  compiled = Expression::compile(std::string(2000, '(') + std::string(2000, '-'));
  ASSERT_TRUE(std::holds_alternative<CompileError>(compiled));
  // A chain of ternaries nests on the right.
  std::string chain;
  for (int i = 0; i < 70; ++i) chain += "input_tokens > " + std::to_string(i) + "u ? 1 : ";
  chain += "0";
  ASSERT_TRUE(std::holds_alternative<CompileError>(Expression::compile(chain)));
}

}  // namespace
}  // namespace switchyard::cel
