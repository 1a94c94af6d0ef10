#include "cel/evaluator.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace switchyard::cel {
namespace {

constexpr double kTwoTo63 = 9223372036854775808.0;
constexpr double kTwoTo64 = 18446744073709551616.0;

// Three-way results; kUnordered when a NaN takes part.
constexpr int kUnordered = 2;

template <class T>
int threeWay(T a, T b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

// i against d as numbers, exactly (no rounding of i to double).
int compareIntDouble(std::int64_t i, double d) {
  if (std::isnan(d)) return kUnordered;
  if (d >= kTwoTo63) return -1;
  if (d < -kTwoTo63) return 1;
  const double whole = std::trunc(d);
  const auto w = static_cast<std::int64_t>(whole);  // exact: whole is in [-2^63, 2^63)
  if (i != w) return threeWay(i, w);
  return threeWay(whole, d);  // the fraction decides
}

int compareUintDouble(std::uint64_t u, double d) {
  if (std::isnan(d)) return kUnordered;
  if (d < 0) return 1;
  if (d >= kTwoTo64) return -1;
  const double whole = std::trunc(d);
  const auto w = static_cast<std::uint64_t>(whole);
  if (u != w) return threeWay(u, w);
  return threeWay(whole, d);
}

int compareIntUint(std::int64_t i, std::uint64_t u) {
  if (i < 0) return -1;
  return threeWay(static_cast<std::uint64_t>(i), u);
}

int flip(int c) { return c == kUnordered ? c : -c; }

int compare(Type lt, const Value& l, Type rt, const Value& r) {
  if (lt == rt) {
    switch (lt) {
      case Type::Int:
        return threeWay(l.i, r.i);
      case Type::Uint:
        return threeWay(l.u, r.u);
      case Type::Double:
        return std::isnan(l.d) || std::isnan(r.d) ? kUnordered : threeWay(l.d, r.d);
      case Type::Bool:
        return threeWay(l.b, r.b);
      case Type::String:  // bytewise, which for UTF-8 is code point order
        return threeWay(l.s.compare(r.s), 0);
    }
  }
  switch (lt) {
    case Type::Int:
      return rt == Type::Uint ? compareIntUint(l.i, r.u) : compareIntDouble(l.i, r.d);
    case Type::Uint:
      return rt == Type::Int ? flip(compareIntUint(r.i, l.u)) : compareUintDouble(l.u, r.d);
    case Type::Double:
      return rt == Type::Int ? flip(compareIntDouble(r.i, l.d)) : flip(compareUintDouble(r.u, l.d));
    default:
      return kUnordered;  // the compiler admits no other mix
  }
}

bool parseInt(std::string_view s, std::int64_t& out) {
  // Go's strconv.ParseInt(s, 10, 64), which cel-go uses: an optional sign, decimal digits.
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

bool parseUint(std::string_view s, std::uint64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

bool parseDouble(std::string_view s, double& out) {
  if (s.size() > 1 && s[0] == '+' && s[1] != '-') s.remove_prefix(1);
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

std::int64_t codePoints(std::string_view s) {
  std::int64_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

class Evaluator {
 public:
  Evaluator(const Program& program, const Inputs& inputs) : program_(program), inputs_(inputs) {}

  Failure eval(std::int32_t index, Value& out) const {
    const Node& n = program_.nodes[std::size_t(index)];
    switch (n.op) {
      case Op::Literal:
        switch (n.type) {
          case Type::Int:
            out.i = n.value.i;
            break;
          case Type::Uint:
            out.u = n.value.u;
            break;
          case Type::Double:
            out.d = n.value.d;
            break;
          case Type::Bool:
            out.b = n.value.b;
            break;
          case Type::String:
            out.s = std::string_view(program_.text.data() + n.textOffset, n.textSize);
            break;
        }
        return {};
      case Op::Load:
        load(n.variable, out);
        return {};
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div:
      case Op::Mod: {
        Value l, r;
        if (const Failure f = eval(n.a, l)) return f;
        if (const Failure f = eval(n.b, r)) return f;
        const Fault fault = arithmetic(n.op, n.operand, l, r, out);
        return {fault, n.offset};
      }
      case Op::Negate: {
        Value v;
        if (const Failure f = eval(n.a, v)) return f;
        if (n.operand == Type::Double) {
          out.d = -v.d;
          return {};
        }
        if (v.i == INT64_MIN) return {Fault::IntOverflow, n.offset};
        out.i = -v.i;
        return {};
      }
      case Op::Not: {
        if (const Failure f = eval(n.a, out)) return f;
        out.b = !out.b;
        return {};
      }
      case Op::And:
      case Op::Or:
        return logical(n, out);
      case Op::Conditional: {
        Value c;
        if (const Failure f = eval(n.a, c)) return f;
        return eval(c.b ? n.b : n.c, out);
      }
      case Op::Equal:
      case Op::NotEqual:
      case Op::Less:
      case Op::LessEqual:
      case Op::Greater:
      case Op::GreaterEqual: {
        Value l, r;
        if (const Failure f = eval(n.a, l)) return f;
        if (const Failure f = eval(n.b, r)) return f;
        const int c = compare(n.operand, l, n.rightOperand, r);
        if (n.op == Op::Equal || n.op == Op::NotEqual) {
          out.b = (c == 0) == (n.op == Op::Equal);
          return {};
        }
        if (c == kUnordered) return {Fault::NanOrdering, n.offset};
        out.b = n.op == Op::Less        ? c < 0
                : n.op == Op::LessEqual ? c <= 0
                : n.op == Op::Greater   ? c > 0
                                        : c >= 0;
        return {};
      }
      case Op::ToInt:
      case Op::ToUint:
      case Op::ToDouble: {
        Value v;
        if (const Failure f = eval(n.a, v)) return f;
        const Fault fault = convert(n.op, n.operand, v, out);
        return {fault, n.offset};
      }
      case Op::Size: {
        Value v;
        if (const Failure f = eval(n.a, v)) return f;
        out.i = codePoints(v.s);
        return {};
      }
      case Op::StartsWith:
      case Op::EndsWith:
      case Op::Contains: {
        Value l, r;
        if (const Failure f = eval(n.a, l)) return f;
        if (const Failure f = eval(n.b, r)) return f;
        out.b = n.op == Op::StartsWith ? l.s.starts_with(r.s)
                : n.op == Op::EndsWith ? l.s.ends_with(r.s)
                                       : l.s.find(r.s) != std::string_view::npos;
        return {};
      }
    }
    return {};
  }

 private:
  void load(Variable variable, Value& out) const {
    switch (variable) {
      case Variable::Model:
        out.s = inputs_.model;
        return;
      case Variable::Backend:
        out.s = inputs_.backend;
        return;
      case Variable::RouteName:
        out.s = inputs_.routeName;
        return;
      case Variable::InputTokens:
        out.u = inputs_.inputTokens;
        return;
      case Variable::CachedInputTokens:
        out.u = inputs_.cachedInputTokens;
        return;
      case Variable::CacheCreationInputTokens:
        out.u = inputs_.cacheCreationInputTokens;
        return;
      case Variable::OutputTokens:
        out.u = inputs_.outputTokens;
        return;
      case Variable::TotalTokens:
        out.u = inputs_.totalTokens;
        return;
      case Variable::ReasoningTokens:
        out.u = inputs_.reasoningTokens;
        return;
    }
  }

  // CEL's && and || are commutative: an operand that decides the result (false for &&, true
  // for ||) wins even over an error in the other one.
  Failure logical(const Node& n, Value& out) const {
    const bool decisive = n.op == Op::Or;
    Value l, r;
    const Failure fl = eval(n.a, l);
    if (!fl && l.b == decisive) {
      out.b = decisive;
      return {};
    }
    const Failure fr = eval(n.b, r);
    if (!fr && r.b == decisive) {
      out.b = decisive;
      return {};
    }
    if (fl) return fl;
    if (fr) return fr;
    out.b = !decisive;
    return {};
  }

  static Fault arithmetic(Op op, Type type, const Value& l, const Value& r, Value& out) {
    switch (type) {
      case Type::Int: {
        bool overflow = false;
        switch (op) {
          case Op::Add:
            overflow = __builtin_add_overflow(l.i, r.i, &out.i);
            break;
          case Op::Sub:
            overflow = __builtin_sub_overflow(l.i, r.i, &out.i);
            break;
          case Op::Mul:
            overflow = __builtin_mul_overflow(l.i, r.i, &out.i);
            break;
          case Op::Div:
          case Op::Mod:
            if (r.i == 0) return op == Op::Div ? Fault::DivisionByZero : Fault::ModulusByZero;
            if (l.i == INT64_MIN && r.i == -1) return Fault::IntOverflow;
            out.i = op == Op::Div ? l.i / r.i : l.i % r.i;
            break;
          default:
            break;
        }
        return overflow ? Fault::IntOverflow : Fault::None;
      }
      case Type::Uint: {
        bool overflow = false;
        switch (op) {
          case Op::Add:
            overflow = __builtin_add_overflow(l.u, r.u, &out.u);
            break;
          case Op::Sub:
            overflow = __builtin_sub_overflow(l.u, r.u, &out.u);
            break;
          case Op::Mul:
            overflow = __builtin_mul_overflow(l.u, r.u, &out.u);
            break;
          case Op::Div:
          case Op::Mod:
            if (r.u == 0) return op == Op::Div ? Fault::DivisionByZero : Fault::ModulusByZero;
            out.u = op == Op::Div ? l.u / r.u : l.u % r.u;
            break;
          default:
            break;
        }
        return overflow ? Fault::UintOverflow : Fault::None;
      }
      case Type::Double:  // IEEE 754: no errors (x / 0.0 is an infinity)
        out.d = op == Op::Add   ? l.d + r.d
                : op == Op::Sub ? l.d - r.d
                : op == Op::Mul ? l.d * r.d
                                : l.d / r.d;
        return Fault::None;
      default:
        return Fault::None;
    }
  }

  // Ranges as cel-go checks them: a double converts to int when it is finite and strictly
  // inside (-2^63, 2^63), to uint when it is in [0, 2^64); the fraction is truncated.
  static Fault convert(Op op, Type from, const Value& v, Value& out) {
    if (op == Op::ToInt) {
      switch (from) {
        case Type::Int:
          out.i = v.i;
          return Fault::None;
        case Type::Uint:
          if (v.u > std::uint64_t(INT64_MAX)) return Fault::IntRange;
          out.i = std::int64_t(v.u);
          return Fault::None;
        case Type::Double:
          if (!std::isfinite(v.d) || v.d <= -kTwoTo63 || v.d >= kTwoTo63) return Fault::IntRange;
          out.i = static_cast<std::int64_t>(v.d);
          return Fault::None;
        case Type::String:
          return parseInt(v.s, out.i) ? Fault::None : Fault::NotAnInt;
        case Type::Bool:
          break;
      }
    } else if (op == Op::ToUint) {
      switch (from) {
        case Type::Int:
          if (v.i < 0) return Fault::UintRange;
          out.u = std::uint64_t(v.i);
          return Fault::None;
        case Type::Uint:
          out.u = v.u;
          return Fault::None;
        case Type::Double:
          if (!std::isfinite(v.d) || v.d < 0 || v.d >= kTwoTo64) return Fault::UintRange;
          out.u = static_cast<std::uint64_t>(v.d);
          return Fault::None;
        case Type::String:
          return parseUint(v.s, out.u) ? Fault::None : Fault::NotAUint;
        case Type::Bool:
          break;
      }
    } else {
      switch (from) {
        case Type::Int:
          out.d = double(v.i);
          return Fault::None;
        case Type::Uint:
          out.d = double(v.u);
          return Fault::None;
        case Type::Double:
          out.d = v.d;
          return Fault::None;
        case Type::String:
          return parseDouble(v.s, out.d) ? Fault::None : Fault::NotADouble;
        case Type::Bool:
          break;
      }
    }
    return Fault::None;
  }

  const Program& program_;
  const Inputs& inputs_;
};

}  // namespace

std::string_view faultMessage(Fault fault) {
  switch (fault) {
    case Fault::None:
      return "no error";
    case Fault::IntOverflow:
      return "int overflow";
    case Fault::UintOverflow:
      return "uint overflow";
    case Fault::DivisionByZero:
      return "division by zero";
    case Fault::ModulusByZero:
      return "modulus by zero";
    case Fault::IntRange:
      return "int() of a value outside the int range";
    case Fault::UintRange:
      return "uint() of a negative value or one outside the uint range";
    case Fault::NotAnInt:
      return "int() of a string that is not a decimal int";
    case Fault::NotAUint:
      return "uint() of a string that is not a decimal uint";
    case Fault::NotADouble:
      return "double() of a string that is not a number";
    case Fault::NanOrdering:
      return "NaN cannot be ordered";
  }
  return "error";
}

Failure evaluateProgram(const Program& program, const Inputs& inputs, Value& out) {
  return Evaluator(program, inputs).eval(program.root, out);
}

}  // namespace switchyard::cel
