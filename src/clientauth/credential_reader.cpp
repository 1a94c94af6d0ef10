#include "clientauth/credential_reader.hpp"

#include "core/ascii.hpp"

namespace switchyard::clientauth {

namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int high = hexDigit(text[i + 1]), low = hexDigit(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<std::string> queryParam(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const auto key = percentDecode(pair.substr(0, eq));
    if (!key || *key != name) continue;
    return eq == std::string_view::npos ? std::string() : percentDecode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::optional<std::string_view> cookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semi = header.find(';');
    const auto pair = trimmed(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos || trimmed(pair.substr(0, eq)) != name) continue;
    auto value = trimmed(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return value;
  }
  return std::nullopt;
}

std::optional<std::string> readCredential(std::span<const config::CredentialSource> sources,
                                          const RequestFacts& request) {
  using Where = config::CredentialSource::Where;
  for (const auto& source : sources) {
    switch (source.where) {
      case Where::Header: {
        auto value = trimmed(request.header(source.name));
        if (!source.prefix.empty()) {
          // "Bearer " is matched case-insensitively, as RFC 6750's scheme name is.
          if (core::istartsWithAscii(value, source.prefix))
            value = trimmed(value.substr(source.prefix.size()));
          else if (!source.prefixOptional)
            continue;
        }
        if (!value.empty()) return std::string(value);
        break;
      }
      case Where::Param:
        if (auto value = queryParam(request.query, source.name); value && !value->empty())
          return value;
        break;
      case Where::Cookie:
        if (auto value = cookieValue(request.header("cookie"), source.name);
            value && !value->empty())
          return std::string(*value);
        break;
    }
  }
  return std::nullopt;
}

}  // namespace switchyard::clientauth
