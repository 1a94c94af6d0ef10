#include "cel/lexer.hpp"

#include <array>
#include <charconv>
#include <system_error>

namespace switchyard::cel {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHexDigit(char c) { return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool isIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool isIdentPart(char c) { return isIdentStart(c) || isDigit(c); }

unsigned hexValue(char c) {
  if (isDigit(c)) return unsigned(c - '0');
  if (c >= 'a' && c <= 'f') return unsigned(c - 'a' + 10);
  return unsigned(c - 'A' + 10);
}

void appendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(char(cp));
  } else if (cp < 0x800) {
    out.push_back(char(0xC0 | (cp >> 6)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(char(0xE0 | (cp >> 12)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(char(0xF0 | (cp >> 18)));
    out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(char(0x80 | (cp & 0x3F)));
  }
}

// Well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
bool isUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0, min = 0;
    if (b < 0x80) {
      ++i;
      continue;
    } else if ((b & 0xE0) == 0xC0) {
      extra = 1, cp = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      extra = 2, cp = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      extra = 3, cp = b & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

struct Keyword {
  std::string_view word;
  TokenKind kind;
};

constexpr std::array<Keyword, 21> kKeywords{{
    {"true", TokenKind::True},          {"false", TokenKind::False},
    {"null", TokenKind::Null},          {"in", TokenKind::In},
    {"as", TokenKind::Reserved},        {"break", TokenKind::Reserved},
    {"const", TokenKind::Reserved},     {"continue", TokenKind::Reserved},
    {"else", TokenKind::Reserved},      {"for", TokenKind::Reserved},
    {"function", TokenKind::Reserved},  {"if", TokenKind::Reserved},
    {"import", TokenKind::Reserved},    {"let", TokenKind::Reserved},
    {"loop", TokenKind::Reserved},      {"package", TokenKind::Reserved},
    {"namespace", TokenKind::Reserved}, {"return", TokenKind::Reserved},
    {"var", TokenKind::Reserved},       {"void", TokenKind::Reserved},
    {"while", TokenKind::Reserved},
}};

Token errorAt(std::uint32_t offset, std::string_view message) {
  Token t;
  t.kind = TokenKind::Error;
  t.offset = offset;
  t.error = message;
  return t;
}

}  // namespace

bool Lexer::skipSpaceAndComments() {
  while (pos_ < source_.size()) {
    const char c = source_[pos_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      ++pos_;
    } else if (c == '/' && pos_ + 1 < source_.size() && source_[pos_ + 1] == '/') {
      while (pos_ < source_.size() && source_[pos_] != '\n' && source_[pos_] != '\r') ++pos_;
    } else {
      return true;
    }
  }
  return false;
}

Token Lexer::next() {
  if (!skipSpaceAndComments()) {
    Token end;
    end.offset = std::uint32_t(source_.size());
    return end;
  }
  const std::uint32_t start = pos_;
  const char c = source_[pos_];
  const auto at = [&](std::size_t k) { return pos_ + k < source_.size() ? source_[pos_ + k] : 0; };
  if (isDigit(c) || (c == '.' && isDigit(at(1)))) return number(start);
  if (c == '"' || c == '\'') return string(start, false, false);
  if (isIdentStart(c)) {
    // String prefixes: r (raw), b (bytes), in either order and case.
    const bool r0 = c == 'r' || c == 'R', b0 = c == 'b' || c == 'B';
    const char c1 = at(1);
    if ((r0 || b0) && (c1 == '"' || c1 == '\'')) {
      pos_ += 1;
      return string(start, r0, b0);
    }
    const bool r1 = c1 == 'r' || c1 == 'R', b1 = c1 == 'b' || c1 == 'B';
    if (((r0 && b1) || (b0 && r1)) && (at(2) == '"' || at(2) == '\'')) {
      pos_ += 2;
      return string(start, true, true);
    }
    return identifier(start);
  }
  Token t;
  t.offset = start;
  t.size = 1;
  const char n = at(1);
  switch (c) {
    case '(':
      t.kind = TokenKind::LParen;
      break;
    case ')':
      t.kind = TokenKind::RParen;
      break;
    case '[':
      t.kind = TokenKind::LBracket;
      break;
    case ']':
      t.kind = TokenKind::RBracket;
      break;
    case '{':
      t.kind = TokenKind::LBrace;
      break;
    case '}':
      t.kind = TokenKind::RBrace;
      break;
    case '.':
      t.kind = TokenKind::Dot;
      break;
    case ',':
      t.kind = TokenKind::Comma;
      break;
    case '?':
      t.kind = TokenKind::Question;
      break;
    case ':':
      t.kind = TokenKind::Colon;
      break;
    case '+':
      t.kind = TokenKind::Plus;
      break;
    case '-':
      t.kind = TokenKind::Minus;
      break;
    case '*':
      t.kind = TokenKind::Star;
      break;
    case '/':
      t.kind = TokenKind::Slash;
      break;
    case '%':
      t.kind = TokenKind::Percent;
      break;
    case '!':
      t.kind = n == '=' ? TokenKind::NotEqual : TokenKind::Bang;
      break;
    case '=':
      if (n != '=') return errorAt(start, "unexpected '=' (equality is '==')");
      t.kind = TokenKind::EqualEqual;
      break;
    case '<':
      t.kind = n == '=' ? TokenKind::LessEqual : TokenKind::Less;
      break;
    case '>':
      t.kind = n == '=' ? TokenKind::GreaterEqual : TokenKind::Greater;
      break;
    case '&':
      if (n != '&') return errorAt(start, "unexpected '&' (logical and is '&&')");
      t.kind = TokenKind::AndAnd;
      break;
    case '|':
      if (n != '|') return errorAt(start, "unexpected '|' (logical or is '||')");
      t.kind = TokenKind::OrOr;
      break;
    default:
      return errorAt(start, "unexpected character");
  }
  switch (t.kind) {
    case TokenKind::NotEqual:
    case TokenKind::EqualEqual:
    case TokenKind::LessEqual:
    case TokenKind::GreaterEqual:
    case TokenKind::AndAnd:
    case TokenKind::OrOr:
      t.size = 2;
      break;
    default:
      break;
  }
  pos_ += t.size;
  return t;
}

Token Lexer::number(std::uint32_t start) {
  Token t;
  t.offset = start;
  const auto at = [&](std::size_t p) { return p < source_.size() ? source_[p] : 0; };
  std::uint32_t p = start;
  const bool hex = at(p) == '0' && (at(p + 1) == 'x' || at(p + 1) == 'X') && isHexDigit(at(p + 2));
  if (hex) {
    p += 2;
    while (isHexDigit(at(p))) {
      if (t.unsigned_ > (UINT64_MAX >> 4)) t.tooLarge = true;
      t.unsigned_ = (t.unsigned_ << 4) | hexValue(at(p));
      ++p;
    }
  } else {
    while (isDigit(at(p))) ++p;
    const bool fraction = at(p) == '.' && isDigit(at(p + 1));
    std::uint32_t q = fraction ? p + 1 : p;
    while (fraction && isDigit(at(q))) ++q;
    std::uint32_t e = q;
    if (at(e) == 'e' || at(e) == 'E') {
      ++e;
      if (at(e) == '+' || at(e) == '-') ++e;
    }
    const bool exponent = e > q && isDigit(at(e));
    if (fraction || exponent) {
      if (exponent) {
        while (isDigit(at(e))) ++e;
        q = e;
      }
      const char* first = source_.data() + start;
      const auto [end, ec] = std::from_chars(first, source_.data() + q, t.real);
      if (ec != std::errc() || end != source_.data() + q) {
        return errorAt(start, "double literal out of range");
      }
      t.kind = TokenKind::Double;
      t.size = q - start;
      pos_ = q;
      return t;
    }
    for (std::uint32_t k = start; k < p; ++k) {
      const auto digit = std::uint64_t(at(k) - '0');
      if (t.unsigned_ > (UINT64_MAX - digit) / 10) t.tooLarge = true;
      t.unsigned_ = t.unsigned_ * 10 + digit;
    }
  }
  t.kind = TokenKind::Int;
  if (at(p) == 'u' || at(p) == 'U') {
    t.kind = TokenKind::Uint;
    ++p;
  }
  t.size = p - start;
  pos_ = p;
  return t;
}

Token Lexer::string(std::uint32_t start, bool raw, bool bytes) {
  // pos_ is at the opening quote.
  const char quote = source_[pos_];
  const bool triple =
      pos_ + 2 < source_.size() && source_[pos_ + 1] == quote && source_[pos_ + 2] == quote;
  pos_ += triple ? 3 : 1;
  const std::size_t textStart = text_.size();
  while (true) {
    if (pos_ >= source_.size()) return errorAt(start, "unterminated string literal");
    const char c = source_[pos_];
    if (c == quote) {
      if (!triple) {
        ++pos_;
        break;
      }
      if (pos_ + 2 < source_.size() && source_[pos_ + 1] == quote && source_[pos_ + 2] == quote) {
        pos_ += 3;
        break;
      }
    }
    if (!triple && (c == '\n' || c == '\r')) {
      return errorAt(pos_, "newline in a quoted string (use a triple-quoted string or \\n)");
    }
    if (raw || c != '\\') {
      text_.push_back(c);
      ++pos_;
      continue;
    }
    const std::uint32_t escape = pos_;
    const auto at = [&](std::size_t k) {
      return pos_ + k < source_.size() ? source_[pos_ + k] : 0;
    };
    const char e = at(1);
    char simple = 0;
    switch (e) {
      case 'a':
        simple = '\a';
        break;
      case 'b':
        simple = '\b';
        break;
      case 'f':
        simple = '\f';
        break;
      case 'n':
        simple = '\n';
        break;
      case 'r':
        simple = '\r';
        break;
      case 't':
        simple = '\t';
        break;
      case 'v':
        simple = '\v';
        break;
      case '\\':
      case '\'':
      case '"':
      case '`':
      case '?':
        simple = e;
        break;
      default:
        break;
    }
    if (simple != 0) {
      text_.push_back(simple);
      pos_ += 2;
      continue;
    }
    std::size_t digits = 0;
    std::uint32_t cp = 0;
    if (e == 'x' || e == 'X' || e == 'u' || e == 'U') {
      digits = (e == 'x' || e == 'X') ? 2 : e == 'u' ? 4 : 8;
      for (std::size_t k = 0; k < digits; ++k) {
        if (!isHexDigit(at(2 + k))) return errorAt(escape, "invalid hexadecimal escape");
        cp = (cp << 4) | hexValue(at(2 + k));
      }
      pos_ += 2 + std::uint32_t(digits);
    } else if (e >= '0' && e <= '3') {
      for (std::size_t k = 0; k < 3; ++k) {
        const char o = at(1 + k);
        if (o < '0' || o > '7') return errorAt(escape, "invalid octal escape");
        cp = (cp << 3) | std::uint32_t(o - '0');
      }
      pos_ += 4;
    } else {
      return errorAt(escape, "invalid escape sequence");
    }
    if (bytes) continue;  // the value is discarded: bytes are rejected by the parser
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return errorAt(escape, "escape is not a Unicode scalar value");
    }
    appendUtf8(text_, cp);
  }
  Token t;
  t.offset = start;
  t.size = pos_ - start;
  if (bytes) {
    text_.resize(textStart);
    t.kind = TokenKind::Bytes;
    return t;
  }
  if (!isUtf8(std::string_view(text_).substr(textStart))) {
    text_.resize(textStart);
    return errorAt(start, "string literal is not valid UTF-8");
  }
  t.kind = TokenKind::String;
  t.textOffset = std::uint32_t(textStart);
  t.textSize = std::uint32_t(text_.size() - textStart);
  return t;
}

Token Lexer::identifier(std::uint32_t start) {
  std::uint32_t p = start;
  while (p < source_.size() && isIdentPart(source_[p])) ++p;
  Token t;
  t.offset = start;
  t.size = p - start;
  t.kind = TokenKind::Ident;
  const std::string_view word = source_.substr(start, t.size);
  for (const auto& keyword : kKeywords) {
    if (keyword.word == word) t.kind = keyword.kind;
  }
  pos_ = p;
  return t;
}

}  // namespace switchyard::cel
