#include "gateway/credential_scrub.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace switchyard::gateway {

namespace {

bool isAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool isBase64Url(char c) { return isAlnum(c) || c == '-' || c == '_'; }
// Characters of an OAuth token or API key as they appear in headers (RFC 6750 b64token).
bool isTokenChar(char c) {
  return isBase64Url(c) || c == '.' || c == '~' || c == '+' || c == '/' || c == '=';
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool startsWithNoCase(std::string_view text, std::size_t at, std::string_view word) {
  if (text.size() - at < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if (lower(text[at + i]) != word[i]) return false;
  return true;
}

// A name or key starts here, not in the middle of a longer word (x-goog-api-key is not api-key).
bool atWordStart(std::string_view text, std::size_t at) {
  return at == 0 || !isBase64Url(text[at - 1]);
}

std::size_t runOf(std::string_view text, std::size_t at, bool (*accept)(char)) {
  std::size_t end = at;
  while (end < text.size() && accept(text[end])) ++end;
  return end - at;
}

// Header names whose echoed value is a credential (lower case; longer names first).
constexpr std::array<std::string_view, 7> kCredentialHeaders = {
    "proxy-authorization", "authorization", "x-goog-api-key", "x-api-key",
    "set-cookie",          "api-key",       "cookie"};

// Where an echoed credential header's value starts and ends at `at` ({0, 0}: none). Matches
// `name: value`, `name=value` and JSON's `"name": "value"`; the value runs to the end of its
// quotes, or of its line, field (`;`, `,`, `&`) or JSON string.
std::pair<std::size_t, std::size_t> headerValueAt(std::string_view text, std::size_t at) {
  if (!atWordStart(text, at)) return {0, 0};
  for (const std::string_view name : kCredentialHeaders) {
    if (!startsWithNoCase(text, at, name)) continue;
    std::size_t i = at + name.size();
    if (i < text.size() && (text[i] == '"' || text[i] == '\'')) ++i;
    if (i < text.size() && text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '"') i += 2;
    while (i < text.size() && text[i] == ' ') ++i;
    if (i >= text.size() || (text[i] != ':' && text[i] != '=')) return {0, 0};
    ++i;
    while (i < text.size() && text[i] == ' ') ++i;
    char quote = 0;
    if (i < text.size() && (text[i] == '"' || text[i] == '\'')) quote = text[i++];
    if (i + 1 < text.size() && text[i] == '\\' && text[i + 1] == '"') {
      quote = '\\';  // an escaped quote inside a JSON string
      i += 2;
    }
    std::size_t end = i;
    while (end < text.size()) {
      const char c = text[end];
      if (quote != 0 && (c == quote || c == '\\' || c == '"')) break;
      if (quote == 0 && (c == ';' || c == ',' || c == '&' || c == '"' || c == '\\' || c == '\r' ||
                         c == '\n' || c == '}'))
        break;
      ++end;
    }
    while (end > i && text[end - 1] == ' ') --end;
    return {i, end};
  }
  return {0, 0};
}

// The length of a credential-shaped token at `at`, or 0.
std::size_t secretAt(std::string_view text, std::size_t at) {
  const char c = text[at];
  if (c == 'y' && text.substr(at, 5) == "ya29.") {
    const std::size_t run = runOf(text, at + 5, isTokenChar);
    return run > 0 ? 5 + run : 0;
  }
  if (c == 'A' && text.substr(at, 4) == "AIza" && atWordStart(text, at)) {
    const std::size_t run = runOf(text, at + 4, isBase64Url);
    return run >= 35 ? 4 + run : 0;
  }
  if (c == 's' && text.substr(at, 3) == "sk-" && atWordStart(text, at)) {
    const std::size_t run = runOf(text, at + 3, isBase64Url);
    return run >= 20 ? 3 + run : 0;
  }
  if (c == 'e' && text.substr(at, 3) == "eyJ" && atWordStart(text, at)) {
    // header.payload.signature, each base64url; the signature may be empty (alg none).
    std::size_t i = at + runOf(text, at, isBase64Url);
    if (i >= text.size() || text[i] != '.') return 0;
    const std::size_t payload = runOf(text, i + 1, isBase64Url);
    if (payload == 0) return 0;
    i += 1 + payload;
    if (i >= text.size() || text[i] != '.') return 0;
    i += 1 + runOf(text, i + 1, isBase64Url);
    return i - at;
  }
  return 0;
}

// After `Bearer ` (any case, one or more spaces): where the token starts, or 0.
std::size_t bearerTokenAt(std::string_view text, std::size_t at) {
  if (!atWordStart(text, at) || !startsWithNoCase(text, at, "bearer ")) return 0;
  std::size_t i = at + 7;
  while (i < text.size() && text[i] == ' ') ++i;
  return i < text.size() && isTokenChar(text[i]) ? i : 0;
}

}  // namespace

std::size_t scrubCredentials(std::string& text) {
  const std::string_view in = text;
  std::string out;
  std::size_t copied = 0;  // in[copied, ...) is not in `out` yet
  std::size_t count = 0;
  const auto redact = [&](std::size_t from, std::size_t to) {
    if (out.empty()) out.reserve(in.size());
    out.append(in.substr(copied, from - copied)).append(kRedacted);
    copied = to;
    ++count;
  };
  for (std::size_t i = 0; i < in.size();) {
    if (const auto [from, to] = headerValueAt(in, i); to > from) {
      redact(from, to);
      i = to;
    } else if (const std::size_t token = bearerTokenAt(in, i); token != 0) {
      const std::size_t end = token + runOf(in, token, isTokenChar);
      redact(token, end);
      i = end;
    } else if (const std::size_t length = secretAt(in, i); length != 0) {
      redact(i, i + length);
      i += length;
    } else {
      ++i;
    }
  }
  if (count == 0) return 0;
  out.append(in.substr(copied));
  text = std::move(out);
  return count;
}

}  // namespace switchyard::gateway
