#include "net/inbound_response_parser.hpp"

#include <boost/beast/http/error.hpp>

#include <algorithm>
#include <string>
#include <utility>

#include "core/ascii.hpp"
#include "net/field_syntax.hpp"

namespace switchyard::net {

namespace {

namespace http = boost::beast::http;

// Room for a usual response's fields without the vector growing through 1, 2, 4, 8.
constexpr std::size_t kUsualFieldCount = 16;

// Whether a comma-separated list holds `token`, in any case: what http::token_list::exists said of
// a Connection field, which the parser has already checked is a valid token list.
bool hasToken(std::string_view list, std::string_view token) {
  for (;;) {
    const auto comma = list.find(',');
    if (core::iequalsAscii(trimOws(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

void InboundResponseParser::on_response_impl(int code, string_view, int version, error_code&) {
  response_.status = static_cast<unsigned>(code);
  version_ = version;
  response_.headers.reserve(kUsualFieldCount);
}

void InboundResponseParser::on_field_impl(field known, string_view name, string_view value,
                                          error_code& ec) {
  // Beast threw beyond its field storage; only a header limit raised past the 64 KiB default
  // lets such a field through, and it is the upstream's fault.
  if (name.size() > kMaxFieldPart || value.size() > kMaxFieldPart) {
    ec = http::error::header_limit;
    return;
  }
  if (known == field::connection && !connectionSeen_) {
    connectionSeen_ = true;
    connectionClose_ = hasToken(value, "close");
    connectionKeepAlive_ = hasToken(value, "keep-alive");
  }
  // Same-name fields are kept together, after the last of their name, as Beast's fields did.
  auto& headers = response_.headers;
  auto sameName = std::find_if(headers.rbegin(), headers.rend(), [&](const auto& header) {
    return core::iequalsAscii(header.name, name);
  });
  core::Header header{std::string(name), std::string(trimOws(value))};
  if (sameName == headers.rend()) {
    headers.push_back(std::move(header));
  } else {
    headers.insert(sameName.base(), std::move(header));
  }
}

void InboundResponseParser::on_body_init_impl(const boost::optional<std::uint64_t>& length,
                                              error_code&) {
  // The parser has already held `length` against the body limit; an error body, against its own.
  if (!length) return;
  const bool success = response_.status >= 200 && response_.status <= 299;
  response_.body.reserve(
      static_cast<std::size_t>(success ? *length : std::min(*length, errorBodyLimit_)));
}

std::size_t InboundResponseParser::takeBody(string_view body, error_code& ec) {
  const bool success = response_.status >= 200 && response_.status <= 299;
  if (success || response_.body.size() + body.size() <= errorBodyLimit_) {
    response_.body.append(body);
    return body.size();
  }
  const std::size_t room = static_cast<std::size_t>(errorBodyLimit_ - response_.body.size());
  response_.body.append(body.substr(0, room));
  errorBodyCut_ = true;
  ec = http::error::body_limit;
  return room;
}

std::size_t InboundResponseParser::on_body_impl(string_view body, error_code& ec) {
  return takeBody(body, ec);
}

std::size_t InboundResponseParser::on_chunk_body_impl(std::uint64_t, string_view body,
                                                      error_code& ec) {
  return takeBody(body, ec);
}

}  // namespace switchyard::net
