#include "cel/compiler.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "cel/lexer.hpp"

namespace switchyard::cel {
namespace {

constexpr std::string_view kMixingHint =
    " (CEL does not convert between int, uint and double: write 1u for a uint literal, 1.0 for a "
    "double, or convert with int(), uint() or double())";

std::string pair(Type a, Type b) {
  return "(" + std::string(typeName(a)) + ", " + std::string(typeName(b)) + ")";
}

std::string noOverload(std::string_view op, std::string_view types) {
  return "no matching overload for '" + std::string(op) + "' applied to " + std::string(types);
}

std::string variableList() {
  std::string list;
  for (const auto& v : kVariables) {
    if (!list.empty()) list += ", ";
    list += v.name;
  }
  return list;
}

class Compiler {
 public:
  explicit Compiler(std::string_view source) : source_(source), lexer_(source, program_.text) {}

  std::variant<Program, CompileError> run() {
    advance();
    const int root = expr();
    if (root >= 0 && tok_.kind != TokenKind::End) unexpected();
    if (error_) return std::move(*error_);
    const Node& node = program_.nodes[std::size_t(root)];
    if (node.type != Type::Int && node.type != Type::Uint) {
      return CompileError{node.offset,
                          "a cost expression must evaluate to int or uint, not " +
                              std::string(typeName(node.type)) +
                              (isNumeric(node.type) ? " (convert with uint() or int())" : "")};
    }
    program_.root = root;
    return std::move(program_);
  }

 private:
  // Parse functions return a node index, or -1 once error_ is set.

  int expr() {
    if (++nesting_ > kMaxDepth) {
      --nesting_;
      return fail(tok_.offset,
                  "expression nests deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    const int result = conditional();
    --nesting_;
    return result;
  }

  int conditional() {
    const int condition = logical(TokenKind::OrOr);
    if (condition < 0 || tok_.kind != TokenKind::Question) return condition;
    const std::uint32_t at = tok_.offset;
    advance();
    const int then = logical(TokenKind::OrOr);
    if (then < 0) return -1;
    if (tok_.kind != TokenKind::Colon) return fail(tok_.offset, "expected ':' of '?:'");
    advance();
    const int otherwise = expr();
    if (otherwise < 0) return -1;
    const Type c = typeOf(condition), t = typeOf(then), o = typeOf(otherwise);
    if (c != Type::Bool) {
      return fail(at, "the condition of '?:' must be bool, not " + std::string(typeName(c)));
    }
    if (t != o) {
      return fail(at, "the branches of '?:' have different types " + pair(t, o) +
                          (isNumeric(t) && isNumeric(o) ? std::string(kMixingHint) : ""));
    }
    Node node;
    node.op = Op::Conditional;
    node.type = t;
    node.offset = at;
    node.a = condition, node.b = then, node.c = otherwise;
    return add(node);
  }

  // `||` over `&&` over relations; both left-associative.
  int logical(TokenKind op) {
    const bool isOr = op == TokenKind::OrOr;
    int left = isOr ? logical(TokenKind::AndAnd) : relation();
    while (left >= 0 && tok_.kind == op) {
      const std::uint32_t at = tok_.offset;
      advance();
      const int right = isOr ? logical(TokenKind::AndAnd) : relation();
      if (right < 0) return -1;
      const Type l = typeOf(left), r = typeOf(right);
      if (l != Type::Bool || r != Type::Bool) {
        return fail(at, noOverload(isOr ? "||" : "&&", pair(l, r)));
      }
      Node node;
      node.op = isOr ? Op::Or : Op::And;
      node.type = Type::Bool;
      node.offset = at;
      node.a = left, node.b = right;
      left = add(node);
    }
    return left;
  }

  int relation() {
    int left = addition();
    while (left >= 0) {
      Op op;
      std::string_view name;
      switch (tok_.kind) {
        case TokenKind::EqualEqual:
          op = Op::Equal, name = "==";
          break;
        case TokenKind::NotEqual:
          op = Op::NotEqual, name = "!=";
          break;
        case TokenKind::Less:
          op = Op::Less, name = "<";
          break;
        case TokenKind::LessEqual:
          op = Op::LessEqual, name = "<=";
          break;
        case TokenKind::Greater:
          op = Op::Greater, name = ">";
          break;
        case TokenKind::GreaterEqual:
          op = Op::GreaterEqual, name = ">=";
          break;
        case TokenKind::In:
          return fail(tok_.offset,
                      "'in' is not supported in a cost expression (it has no lists "
                      "or maps)");
        default:
          return left;
      }
      const std::uint32_t at = tok_.offset;
      advance();
      const int right = addition();
      if (right < 0) return -1;
      const Type l = typeOf(left), r = typeOf(right);
      // Same types compare; int, uint and double also compare with each other (CEL's
      // heterogeneous numeric comparison).
      if (l != r && !(isNumeric(l) && isNumeric(r))) return fail(at, noOverload(name, pair(l, r)));
      Node node;
      node.op = op;
      node.type = Type::Bool;
      node.operand = l;
      node.rightOperand = r;
      node.offset = at;
      node.a = left, node.b = right;
      left = add(node);
    }
    return -1;
  }

  int addition() {
    int left = multiplication();
    while (left >= 0 && (tok_.kind == TokenKind::Plus || tok_.kind == TokenKind::Minus)) {
      const bool plus = tok_.kind == TokenKind::Plus;
      const std::uint32_t at = tok_.offset;
      advance();
      const int right = multiplication();
      if (right < 0) return -1;
      left = arithmetic(plus ? Op::Add : Op::Sub, plus ? "+" : "-", at, left, right);
    }
    return left;
  }

  int multiplication() {
    int left = unary();
    while (left >= 0) {
      Op op;
      std::string_view name;
      switch (tok_.kind) {
        case TokenKind::Star:
          op = Op::Mul, name = "*";
          break;
        case TokenKind::Slash:
          op = Op::Div, name = "/";
          break;
        case TokenKind::Percent:
          op = Op::Mod, name = "%";
          break;
        default:
          return left;
      }
      const std::uint32_t at = tok_.offset;
      advance();
      const int right = unary();
      if (right < 0) return -1;
      left = arithmetic(op, name, at, left, right);
    }
    return -1;
  }

  int arithmetic(Op op, std::string_view name, std::uint32_t at, int left, int right) {
    const Type l = typeOf(left), r = typeOf(right);
    if (l == Type::String && r == Type::String && op == Op::Add) {
      return fail(at, "string concatenation is not supported in a cost expression");
    }
    const bool typed = l == r && isNumeric(l) && !(op == Op::Mod && l == Type::Double);
    if (!typed) {
      return fail(at, noOverload(name, pair(l, r)) +
                          (l != r && isNumeric(l) && isNumeric(r) ? std::string(kMixingHint) : ""));
    }
    Node node;
    node.op = op;
    node.type = l;
    node.operand = l;
    node.offset = at;
    node.a = left, node.b = right;
    return add(node);
  }

  // A run of `!` or `-` applies once when odd and not at all when even (as cel-go reads
  // CEL's `"-" {"-"} Member`); a single `-` before a number literal is part of the literal, so
  // -9223372036854775808 is an int.
  int unary() {
    if (tok_.kind != TokenKind::Bang && tok_.kind != TokenKind::Minus) return member(-1);
    const TokenKind kind = tok_.kind;
    const std::uint32_t at = tok_.offset;
    std::size_t count = 0;
    while (tok_.kind == kind) {
      ++count;
      advance();
    }
    if (kind == TokenKind::Minus && count == 1 &&
        (tok_.kind == TokenKind::Int || tok_.kind == TokenKind::Double)) {
      return member(std::int64_t(at));
    }
    const int operand = member(-1);
    if (operand < 0 || count % 2 == 0) return operand;
    const Type t = typeOf(operand);
    Node node;
    node.offset = at;
    node.a = operand;
    node.type = t;
    node.operand = t;
    if (kind == TokenKind::Bang) {
      if (t != Type::Bool) return fail(at, noOverload("!", "(" + std::string(typeName(t)) + ")"));
      node.op = Op::Not;
    } else {
      if (t != Type::Int && t != Type::Double) {
        return fail(at, noOverload("-", "(" + std::string(typeName(t)) + ")") +
                            (t == Type::Uint ? " (a uint cannot be negated)" : ""));
      }
      node.op = Op::Negate;
    }
    return add(node);
  }

  // minusAt >= 0: the offset of a '-' that makes the number literal at tok_ negative.
  int member(std::int64_t minusAt) {
    int target = primary(minusAt);
    while (target >= 0) {
      if (tok_.kind == TokenKind::LBracket) {
        return fail(tok_.offset, "indexing is not supported in a cost expression");
      }
      if (tok_.kind == TokenKind::LBrace) {
        return fail(tok_.offset, "message construction is not supported in a cost expression");
      }
      if (tok_.kind != TokenKind::Dot) return target;
      advance();
      if (tok_.kind != TokenKind::Ident) return fail(tok_.offset, "expected a name after '.'");
      const Token name = tok_;
      advance();
      if (tok_.kind != TokenKind::LParen) {
        return fail(name.offset,
                    "field selection is not supported in a cost expression (the "
                    "variables have no fields)");
      }
      target = call(name, target);
    }
    return -1;
  }

  int primary(std::int64_t minusAt) {
    const Token t = tok_;
    const bool negative = minusAt >= 0;
    Node node;
    node.op = Op::Literal;
    node.offset = negative ? std::uint32_t(minusAt) : t.offset;
    switch (t.kind) {
      case TokenKind::Int: {
        constexpr std::uint64_t kLimit = std::uint64_t(INT64_MAX);
        if (t.tooLarge || t.unsigned_ > kLimit + (negative ? 1 : 0)) {
          return fail(node.offset, "int literal out of range (int is 64-bit signed)");
        }
        node.type = Type::Int;
        // Two's complement: the negation of 2^63 as a uint is INT64_MIN's bit pattern.
        node.value.i = negative ? std::int64_t(0 - t.unsigned_) : std::int64_t(t.unsigned_);
        advance();
        return add(node);
      }
      case TokenKind::Uint:
        if (t.tooLarge) return fail(t.offset, "uint literal out of range (uint is 64-bit)");
        node.type = Type::Uint;
        node.value.u = t.unsigned_;
        advance();
        return add(node);
      case TokenKind::Double:
        node.type = Type::Double;
        node.value.d = negative ? -t.real : t.real;
        advance();
        return add(node);
      case TokenKind::String:
        node.type = Type::String;
        node.textOffset = t.textOffset;
        node.textSize = t.textSize;
        advance();
        return add(node);
      case TokenKind::True:
      case TokenKind::False:
        node.type = Type::Bool;
        node.value.b = t.kind == TokenKind::True;
        advance();
        return add(node);
      case TokenKind::Bytes:
        return fail(t.offset, "bytes literals are not supported in a cost expression");
      case TokenKind::Null:
        return fail(t.offset, "null is not supported in a cost expression");
      case TokenKind::Reserved:
        return fail(t.offset, "'" + std::string(text(t)) + "' is a reserved word");
      case TokenKind::LBracket:
        return fail(t.offset, "list literals are not supported in a cost expression");
      case TokenKind::LBrace:
        return fail(t.offset, "map literals are not supported in a cost expression");
      case TokenKind::LParen: {
        advance();
        const int inner = expr();
        if (inner < 0) return -1;
        if (tok_.kind != TokenKind::RParen) return fail(tok_.offset, "expected ')'");
        advance();
        return inner;
      }
      case TokenKind::Dot:  // `.name`: the name in the root scope, which is the only scope here
        advance();
        if (tok_.kind != TokenKind::Ident) return fail(tok_.offset, "expected a name after '.'");
        return name();
      case TokenKind::Ident:
        return name();
      default:
        return unexpected();
    }
  }

  // A variable, or a call of a global function.
  int name() {
    const Token t = tok_;
    advance();
    if (tok_.kind == TokenKind::LParen) return call(t, -1);
    const std::string_view word = text(t);
    for (const auto& v : kVariables) {
      if (v.name != word) continue;
      Node node;
      node.op = Op::Load;
      node.type = v.type;
      node.variable = v.variable;
      node.offset = t.offset;
      return add(node);
    }
    return fail(t.offset, "undeclared reference to '" + std::string(word) +
                              "' (the variables are " + variableList() + ")");
  }

  // `name(args)`, or `receiver.name(args)` when receiver >= 0; tok_ is at the '('.
  int call(const Token& nameToken, int receiver) {
    const std::string name(text(nameToken));
    std::array<int, 2> args{-1, -1};
    std::size_t count = 0;
    advance();
    if (tok_.kind != TokenKind::RParen) {
      while (true) {
        const int arg = expr();
        if (arg < 0) return -1;
        if (count == args.size()) return fail(program_.nodes[arg].offset, "too many arguments");
        args[count++] = arg;
        if (tok_.kind == TokenKind::Comma) {
          advance();
          continue;
        }
        if (tok_.kind != TokenKind::RParen) return fail(tok_.offset, "expected ',' or ')'");
        break;
      }
    }
    advance();
    Node node;
    node.offset = nameToken.offset;
    const auto arity = [&](std::size_t n) -> bool {
      if (count == n) return true;
      fail(nameToken.offset,
           "'" + name + "' takes " + std::to_string(n) + (n == 1 ? " argument" : " arguments"));
      return false;
    };
    if (receiver < 0) {
      if (name == "int" || name == "uint" || name == "double") {
        if (!arity(1)) return -1;
        const Type from = typeOf(args[0]);
        if (from == Type::Bool) return fail(nameToken.offset, noOverload(name, "(bool)"));
        node.op = name == "int" ? Op::ToInt : name == "uint" ? Op::ToUint : Op::ToDouble;
        node.type = name == "int" ? Type::Int : name == "uint" ? Type::Uint : Type::Double;
        node.operand = from;
        node.a = args[0];
        return add(node);
      }
      if (name == "size") {
        if (!arity(1)) return -1;
        return size(node, args[0]);
      }
      return fail(nameToken.offset, "undeclared reference to function '" + name +
                                        "' (the functions are int, uint, double, size, and the "
                                        "string methods startsWith, endsWith, contains, size)");
    }
    if (name == "size") {
      if (!arity(0)) return -1;
      return size(node, receiver);
    }
    if (name == "startsWith" || name == "endsWith" || name == "contains") {
      if (!arity(1)) return -1;
      const Type r = typeOf(receiver), a = typeOf(args[0]);
      if (r != Type::String || a != Type::String) {
        return fail(nameToken.offset, noOverload(name, pair(r, a)));
      }
      node.op = name == "startsWith" ? Op::StartsWith
                : name == "endsWith" ? Op::EndsWith
                                     : Op::Contains;
      node.type = Type::Bool;
      node.a = receiver;
      node.b = args[0];
      return add(node);
    }
    return fail(nameToken.offset, "undeclared reference to method '" + name +
                                      "' (the string methods are startsWith, endsWith, "
                                      "contains, size)");
  }

  int size(Node node, int of) {
    const Type t = typeOf(of);
    if (t != Type::String) {
      return fail(node.offset, noOverload("size", "(" + std::string(typeName(t)) + ")"));
    }
    node.op = Op::Size;
    node.type = Type::Int;
    node.a = of;
    return add(node);
  }

  int add(Node node) {
    std::size_t depth = 0;
    for (const int child : {node.a, node.b, node.c}) {
      if (child >= 0) depth = std::max<std::size_t>(depth, program_.nodes[child].depth);
    }
    if (depth + 1 > kMaxDepth) {
      return fail(node.offset,
                  "expression nests deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    node.depth = std::uint8_t(depth + 1);
    program_.nodes.push_back(node);
    return int(program_.nodes.size() - 1);
  }

  Type typeOf(int node) const { return program_.nodes[std::size_t(node)].type; }

  std::string_view text(const Token& t) const { return source_.substr(t.offset, t.size); }

  void advance() {
    tok_ = lexer_.next();
    if (tok_.kind == TokenKind::Error) fail(tok_.offset, std::string(tok_.error));
  }

  int unexpected() {
    if (tok_.kind == TokenKind::End) return fail(tok_.offset, "unexpected end of expression");
    return fail(tok_.offset, "unexpected '" + std::string(text(tok_)) + "'");
  }

  // Keeps the first error: a lexer error is recorded before the parser trips over its token.
  int fail(std::uint32_t offset, std::string message) {
    if (!error_) error_ = CompileError{offset, std::move(message)};
    return -1;
  }

  std::string_view source_;
  Program program_;
  Lexer lexer_;
  Token tok_;
  std::size_t nesting_ = 0;
  std::optional<CompileError> error_;
};

}  // namespace

std::variant<Program, CompileError> compileProgram(std::string_view source) {
  if (source.size() > kMaxSourceBytes) {
    return CompileError{kMaxSourceBytes,
                        "expression is longer than " + std::to_string(kMaxSourceBytes) + " bytes"};
  }
  return Compiler(source).run();
}

}  // namespace switchyard::cel
