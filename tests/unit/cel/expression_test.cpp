// Evaluation of cost expressions: values, CEL's typing rules at run time (heterogeneous numeric
// comparison, commutative && and ||), and the runtime errors (overflow, division by zero,
// conversion range, a negative cost).

#include "cel/expression.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace switchyard::cel {
namespace {

// The inputs every case runs on unless it says otherwise.
Inputs sample() {
  Inputs in;
  in.model = "llama";
  in.backend = "foo.default";
  in.routeName = "r1";
  in.inputTokens = 100;
  in.cachedInputTokens = 20;
  in.cacheCreationInputTokens = 5;
  in.outputTokens = 50;
  in.totalTokens = 150;
  in.reasoningTokens = 7;
  return in;
}

std::string compileError(std::string_view source) {
  auto compiled = Expression::compile(source);
  if (const auto* error = std::get_if<CompileError>(&compiled)) {
    return "offset " + std::to_string(error->offset) + ": " + error->message;
  }
  return {};
}

core::Result<std::uint64_t> run(std::string_view source, const Inputs& inputs = sample()) {
  auto compiled = Expression::compile(source);
  if (const auto* error = std::get_if<CompileError>(&compiled)) {
    return core::Error::make(core::ErrorKind::InvalidRequest, "compile: " + error->message);
  }
  return std::get<Expression>(compiled).evaluate(inputs);
}

struct ValueCase {
  std::string_view source;
  std::uint64_t expected;
};

const ValueCase kValues[] = {
    // Envoy AI Gateway's documented examples that are valid CEL.
    {"input_tokens + output_tokens + total_tokens", 300},
    {"input_tokens * output_tokens", 5000},
    {"backend == 'foo.default' ?  input_tokens + output_tokens : total_tokens", 150},
    {"model == 'llama' ? input_tokens * 2u + output_tokens : total_tokens", 250},
    {"model == 'gpt' ? input_tokens * 2u + output_tokens : total_tokens", 150},
    // Their cached-input pricing written with uint arithmetic: 80 + 2 + 6 + 50.
    {"(input_tokens - cached_input_tokens) + cached_input_tokens / 10u + "
     "cache_creation_input_tokens * 125u / 100u + output_tokens",
     138},
    // ... and with doubles, converted back at the end: 80 + 2 + 6.25 + 50.
    {"uint(double(input_tokens - cached_input_tokens) + double(cached_input_tokens) * 0.1 + "
     "double(cache_creation_input_tokens) * 1.25 + double(output_tokens))",
     138},
    {"cached_input_tokens + cache_creation_input_tokens + reasoning_tokens", 32},
    {"route_name == 'r1' ? 1u : 2u", 1},
    {".input_tokens", 100},
    // Precedence and associativity.
    {"1 + 2 * 3", 7},
    {"(1 + 2) * 3", 9},
    {"10 - 4 - 3", 3},
    {"100 / 10 / 5", 2},
    {"7 % 4 * 2", 6},
    {"2 + 3 == 5 ? 1 : 0", 1},
    {"true || false && false ? 1 : 0", 1},
    {"(true || false) && false ? 1 : 0", 0},
    {"false ? 1 : true ? 2 : 3", 2},
    {"1 < 2 == true ? 1 : 0", 1},
    // Unary operators: a single '-' before a number is part of the literal; runs of '-' or '!'
    // apply once when odd.
    {"-5 + 10", 5},
    {"-(-5)", 5},
    {"--5", 5},
    {"- - - -5 + 6", 11},
    {"!false ? 1u : 2u", 1},
    {"!!true ? 1 : 2", 1},
    {"-2.5 < 0.0 ? 1 : 0", 1},
    // Literals at the edges of their types; hex; exponents.
    {"-9223372036854775808 + 9223372036854775807 + 1", 0},
    {"9223372036854775807", 9223372036854775807ULL},
    {"18446744073709551615u", 18446744073709551615ULL},
    {"uint(0x10) + 0XfFu", 271},
    {"uint(1e3)", 1000},
    {"uint(.5e1)", 5},
    {"uint(2.5E-1 * 8.0)", 2},
    // Conversions.
    {"uint(double(input_tokens) * 0.5)", 50},
    {"int(2.9)", 2},
    {"int(-2.9) + 3", 1},
    {"uint(3)", 3},
    {"int(18446744073709551615u / 2u)", 9223372036854775807ULL},
    {"int(input_tokens)", 100},
    {"int('42')", 42},
    {"int('+42')", 42},
    {"int('-42') + 50", 8},
    {"uint('7')", 7},
    {"uint(double('2.5e1'))", 25},
    {"int(-9223372036854775807.0 / 2.0) + 4611686018427387904", 0},
    // Comparisons across int, uint and double, by value.
    {"input_tokens > 99 ? 1 : 0", 1},
    {"input_tokens == 100 ? 1 : 0", 1},
    {"input_tokens != 100 ? 1 : 0", 0},
    {"-1 < 0u ? 1 : 0", 1},
    {"0u > -1 ? 1 : 0", 1},
    {"18446744073709551615u > 9223372036854775807 ? 1 : 0", 1},
    {"1 == 1.0 ? 1 : 0", 1},
    {"1u == 1.0 ? 1 : 0", 1},
    {"input_tokens < 100.5 ? 1 : 0", 1},
    {"input_tokens <= 99.5 ? 1 : 0", 0},
    {"1.5 > 1 ? 1 : 0", 1},
    {"-0.5 < 0u ? 1 : 0", 1},
    {"1e20 > 18446744073709551615u ? 1 : 0", 1},
    // Exact, not through a rounding to double: 2^63 - 1 < 2^63 and 2^53 + 1 > 2^53.
    {"9223372036854775807 < 9223372036854775808.0 ? 1 : 0", 1},
    {"9007199254740993 > 9007199254740992.0 ? 1 : 0", 1},
    {"9007199254740993u > 9007199254740992.0 ? 1 : 0", 1},
    {"9007199254740993 == 9007199254740992.0 ? 1 : 0", 0},
    {"0.0 / 0.0 == 0.0 / 0.0 ? 1 : 0", 0},
    {"0.0 / 0.0 != 1 ? 1 : 0", 1},
    {"false < true ? 1 : 0", 1},
    // Strings.
    {"model != 'gpt' ? 1 : 0", 1},
    {"'abc' < 'abd' ? 1 : 0", 1},
    {"'b' > 'abc' ? 1 : 0", 1},
    {"\"llama\" == model ? 1 : 0", 1},
    {"model.startsWith('ll') && model.endsWith('ma') && model.contains('am') ? 1 : 0", 1},
    {"model.startsWith('ma') ? 1 : 0", 0},
    {"size(model)", 5},
    {"model.size() + backend.size()", 16},
    {"size('h\xc3\xa9llo')", 5},  // code points, not bytes
    {"'\\x41\\101\\u0041\\U00000041' == 'AAAA' ? 1 : 0", 1},
    {"'\\u00e9' == '\xc3\xa9' ? 1 : 0", 1},
    {"'\\a\\b\\f\\n\\r\\t\\v\\\\\\'\\\"\\`\\?'.size()", 12},
    {"r'\\n'.size()", 2},
    {"R\"\\\\\".size()", 2},
    {"'''a\nb'''.size()", 3},
    {"\"\"\"it's \"x\" \"\"\".size()", 9},
    {"\"it's\" == 'it\\'s' ? 1 : 0", 1},
    {"''.size()", 0},
    // && and || short-circuit, and are commutative with errors: a deciding operand wins.
    {"false && (1 / 0 == 1) ? 1 : 2", 2},
    {"(1 / 0 == 1) && false ? 1 : 2", 2},
    {"(1 / 0 == 1) || true ? 1 : 2", 1},
    {"true || (1 / 0 == 1) ? 1 : 2", 1},
    {"true ? 1 : 1 / 0", 1},
    // Comments and whitespace.
    {"input_tokens // the prompt\n + output_tokens\t\r\n", 150},
    {"\f1", 1},
    // Double arithmetic follows IEEE 754.
    {"1.0 / 0.0 > 1e308 ? 1 : 0", 1},
    {"-1.0 / 0.0 < -1e308 ? 1 : 0", 1},
};

TEST(CelEvaluate, Values) {
  for (const auto& c : kValues) {
    const auto result = run(c.source);
    ASSERT_TRUE(result.has_value()) << c.source << ": " << result.error().message;
    EXPECT_EQ(*result, c.expected) << c.source;
  }
}

TEST(CelEvaluate, InputsChangeTheResult) {
  auto compiled =
      Expression::compile("model == 'llama' ? input_tokens * 2u + output_tokens : total_tokens");
  const auto& expression = std::get<Expression>(compiled);
  Inputs in = sample();
  EXPECT_EQ(*expression.evaluate(in), 250u);
  in.model = "llama2";
  EXPECT_EQ(*expression.evaluate(in), 150u);
  in.totalTokens = 7;
  EXPECT_EQ(*expression.evaluate(in), 7u);
  in.model = "llama";
  in.inputTokens = 1;
  in.outputTokens = 1;
  EXPECT_EQ(*expression.evaluate(in), 3u);
}

TEST(CelEvaluate, AnExpressionSurvivesCopiesAndMoves) {
  // The literals' text lives in the expression; short strings must not be borrowed from a
  // moved-from object.
  std::vector<Expression> expressions;
  {
    auto compiled = Expression::compile("backend == 'ab' ? 1u : 2u");
    expressions.push_back(std::move(std::get<Expression>(compiled)));
  }
  for (int i = 0; i < 8; ++i) expressions.push_back(expressions.front());
  Inputs in = sample();
  in.backend = "ab";
  for (const auto& e : expressions) EXPECT_EQ(*e.evaluate(in), 1u);
  in.backend = "abc";
  for (const auto& e : expressions) EXPECT_EQ(*e.evaluate(in), 2u);
}

TEST(CelEvaluate, TokenCountsAreUintToTheTop) {
  Inputs in = sample();
  in.inputTokens = 18446744073709551615ULL;
  in.outputTokens = 0;
  EXPECT_EQ(*run("input_tokens + output_tokens", in), 18446744073709551615ULL);
  in.outputTokens = 1;
  EXPECT_FALSE(run("input_tokens + output_tokens", in).has_value());
}

struct ErrorCase {
  std::string_view source;
  std::string_view message;  // the whole message evaluate() returns
};

const ErrorCase kErrors[] = {
    // uint arithmetic does not wrap.
    {"output_tokens - input_tokens", "cost expression failed at offset 14: uint overflow"},
    {"18446744073709551615u + 1u", "cost expression failed at offset 22: uint overflow"},
    {"input_tokens * 184467440737095517u", "cost expression failed at offset 13: uint overflow"},
    // Nor does int.
    {"9223372036854775807 + 1", "cost expression failed at offset 20: int overflow"},
    {"-9223372036854775808 - 1", "cost expression failed at offset 21: int overflow"},
    {"4611686018427387904 * 2", "cost expression failed at offset 20: int overflow"},
    {"-(-9223372036854775808)", "cost expression failed at offset 0: int overflow"},
    {"-9223372036854775808 / -1", "cost expression failed at offset 21: int overflow"},
    {"-9223372036854775808 % -1", "cost expression failed at offset 21: int overflow"},
    // Division and modulus by zero.
    {"input_tokens / (output_tokens - 50u)",
     "cost expression failed at offset 13: division by zero"},
    {"input_tokens % 0u", "cost expression failed at offset 13: modulus by zero"},
    {"1 / 0", "cost expression failed at offset 2: division by zero"},
    {"1 % 0", "cost expression failed at offset 2: modulus by zero"},
    // Conversions out of range.
    {"uint(-1)",
     "cost expression failed at offset 0: uint() of a negative value or one outside "
     "the uint range"},
    {"uint(-0.5)",
     "cost expression failed at offset 0: uint() of a negative value or one "
     "outside the uint range"},
    {"uint(1.0 / 0.0)",
     "cost expression failed at offset 0: uint() of a negative value or one "
     "outside the uint range"},
    {"uint(18446744073709551616.0)",
     "cost expression failed at offset 0: uint() of a negative "
     "value or one outside the uint range"},
    {"int(18446744073709551615u)",
     "cost expression failed at offset 0: int() of a value outside the int range"},
    {"int(1e19)", "cost expression failed at offset 0: int() of a value outside the int range"},
    {"int(9223372036854775808.0)",
     "cost expression failed at offset 0: int() of a value outside the int range"},
    {"int(0.0 / 0.0)",
     "cost expression failed at offset 0: int() of a value outside the int range"},
    {"int('abc')",
     "cost expression failed at offset 0: int() of a string that is not a decimal "
     "int"},
    {"int('9223372036854775808')",
     "cost expression failed at offset 0: int() of a string that "
     "is not a decimal int"},
    {"int('')", "cost expression failed at offset 0: int() of a string that is not a decimal int"},
    {"int('+-1')",
     "cost expression failed at offset 0: int() of a string that is not a decimal int"},
    {"uint('-1')",
     "cost expression failed at offset 0: uint() of a string that is not a decimal uint"},
    {"uint(' 1')",
     "cost expression failed at offset 0: uint() of a string that is not a decimal uint"},
    {"int(double('x'))",
     "cost expression failed at offset 4: double() of a string that is not a number"},
    // A NaN has no order.
    {"0.0 / 0.0 < 1.0 ? 1 : 2", "cost expression failed at offset 10: NaN cannot be ordered"},
    {"1 >= 0.0 / 0.0 ? 1 : 2", "cost expression failed at offset 2: NaN cannot be ordered"},
    // An operand that does not decide && or || passes the other one's error on.
    {"true && (1 / 0 == 1) ? 1 : 2", "cost expression failed at offset 11: division by zero"},
    {"(1 / 0 == 1) || false ? 1 : 2", "cost expression failed at offset 3: division by zero"},
    {"(1 / 0 == 1) || (2 % 0 == 1) ? 1 : 2",
     "cost expression failed at offset 3: division by zero"},
    {"false ? 1 : 1 / 0", "cost expression failed at offset 14: division by zero"},
    // A cost is never negative.
    {"0 - 5", "cost expression evaluated to a negative number (-5)"},
    {"model.size() - 10", "cost expression evaluated to a negative number (-5)"},
    {"-9223372036854775808",
     "cost expression evaluated to a negative number "
     "(-9223372036854775808)"},
};

TEST(CelEvaluate, Errors) {
  for (const auto& c : kErrors) {
    const auto result = run(c.source);
    ASSERT_FALSE(result.has_value()) << c.source << " gave " << *result;
    EXPECT_EQ(result.error().kind, core::ErrorKind::Internal) << c.source;
    EXPECT_EQ(result.error().message, c.message) << c.source;
  }
}

TEST(CelEvaluate, LongRunsOfUnaryOperatorsAreOneOperation) {
  // 1001 minuses negate once, 1000 do nothing; neither nests.
  EXPECT_EQ(run(std::string(1000, '-') + "7").value(), 7u);
  const auto negative = run(std::string(1001, '-') + "7");
  ASSERT_FALSE(negative.has_value());
  EXPECT_EQ(negative.error().message, "cost expression evaluated to a negative number (-7)");
  EXPECT_EQ(run(std::string(1000, '!') + "true ? 1 : 2").value(), 1u);
  EXPECT_EQ(run(std::string(999, '!') + "true ? 1 : 2").value(), 2u);
}

TEST(CelEvaluate, ChainsUpToTheDepthLimit) {
  // 64 terms make a tree 64 deep, the most accepted.
  std::string sum = "1u";
  for (int i = 1; i < 64; ++i) sum += " + 1u";
  EXPECT_EQ(run(sum).value(), 64u);
  EXPECT_EQ(compileError(sum + " + 1u"), "offset 318: expression nests deeper than 64 levels");
}

}  // namespace
}  // namespace switchyard::cel
