#include "http/request_checks.hpp"

#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <string>

#include "core/ascii.hpp"
#include "http/field_value.hpp"

namespace switchyard::http {

namespace bhttp = boost::beast::http;

namespace {

Refusal fieldCountRefusal(const Request& request) {
  std::size_t count = 0;
  for (auto it = request.begin(); it != request.end(); ++it) {
    if (++count > kMaxHeaderCount) return {431, "request has more than 100 header fields"};
  }
  return {};
}

}  // namespace

std::optional<AbsoluteForm> splitAbsoluteForm(std::string_view target) {
  std::size_t schemeEnd = 0;
  if (core::istartsWithAscii(target, "http://")) {
    schemeEnd = 7;
  } else if (core::istartsWithAscii(target, "https://")) {
    schemeEnd = 8;
  } else {
    return std::nullopt;
  }
  const auto rest = target.substr(schemeEnd);
  const auto pathStart = std::min(rest.find_first_of("/?"), rest.size());
  AbsoluteForm form;
  form.authority = rest.substr(0, pathStart);
  if (const auto at = form.authority.rfind('@'); at != std::string_view::npos)
    form.authority = form.authority.substr(at + 1);  // userinfo is no part of the host
  const auto origin = rest.substr(pathStart);
  if (origin.empty() || origin.front() == '?') form.origin = "/";
  form.origin.append(origin);
  return form;
}

Refusal checkRequestHead(Request& request, bool chunked) {
  // RFC 9112 §6.3: a Transfer-Encoding that does not end in chunked leaves the request's length
  // unknown; reading it as empty would serve the body as the next request (smuggling).
  if (!chunked && firstField(request, bhttp::field::transfer_encoding))
    return {400, "Transfer-Encoding must end in chunked"};
  if (auto refusal = fieldCountRefusal(request)) return refusal;
  if (auto absolute = splitAbsoluteForm(request.target())) {
    if (absolute->authority.empty()) return {400, "absolute-form request target without a host"};
    // RFC 9112 §3.2.2: the target's authority replaces any Host field.
    request.set(bhttp::field::host, std::string(absolute->authority));
    request.target(absolute->origin);
  }
  // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host.
  if (request.version() >= 11 && request.count(bhttp::field::host) != 1)
    return {400, "an HTTP/1.1 request needs exactly one Host header"};
  const auto* expect = firstField(request, bhttp::field::expect);
  if (expect && !core::iequalsAscii(expect->value(), "100-continue"))
    return {417, "the only expectation supported is 100-continue"};
  return {};
}

Refusal checkFieldCount(const Request& request) { return fieldCountRefusal(request); }

bool expectsContinue(const Request& request) {
  if (request.version() < 11) return false;
  const auto* expect = firstField(request, bhttp::field::expect);
  return expect && core::iequalsAscii(expect->value(), "100-continue");
}

}  // namespace switchyard::http
