#pragma once
// CEL's lexis (literals, identifiers, operators, comments) over a source of untrusted bytes.
// Errors are tokens of kind Error carrying a message; nothing throws.

#include <cstdint>
#include <string>
#include <string_view>

namespace switchyard::cel {

enum class TokenKind : std::uint8_t {
  End,
  Error,
  Int,     // magnitude in `unsigned`; the parser checks the range against the sign
  Uint,    // `unsigned`
  Double,  // `real`
  String,  // decoded bytes in the text the lexer appends to
  Bytes,   // b"..." (not a type a cost expression has)
  Ident,
  Reserved,  // a reserved word other than the literals and `in`
  True,
  False,
  Null,
  In,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LBrace,
  RBrace,
  Dot,
  Comma,
  Question,
  Colon,
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Bang,
  EqualEqual,
  NotEqual,
  Less,
  LessEqual,
  Greater,
  GreaterEqual,
  AndAnd,
  OrOr,
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::uint32_t offset = 0;  // of the token's first byte
  std::uint32_t size = 0;    // bytes of source
  std::uint64_t unsigned_ = 0;
  bool tooLarge = false;  // an Int or Uint literal beyond 2^64 - 1
  double real = 0;
  std::uint32_t textOffset = 0, textSize = 0;  // String: where its bytes went
  std::string_view error;                      // Error: what is wrong (a static string)
};

class Lexer {
 public:
  // String literals' decoded bytes are appended to `text`.
  Lexer(std::string_view source, std::string& text) : source_(source), text_(text) {}

  Token next();

 private:
  Token number(std::uint32_t start);
  Token string(std::uint32_t start, bool raw, bool bytes);
  Token identifier(std::uint32_t start);
  bool skipSpaceAndComments();

  std::string_view source_;
  std::string& text_;
  std::uint32_t pos_ = 0;
};

}  // namespace switchyard::cel
