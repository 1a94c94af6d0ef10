#pragma once
// The rules of RFC 9112 and RFC 9110 a request head must keep before the server reads its body or
// hands it to a handler, where Beast's parser leaves them to the server: framing it cannot trust
// (a Transfer-Encoding that does not end in chunked), a missing Host, too many fields, an Expect it
// cannot meet. The absolute form of a target ("POST http://host/v1/...") becomes the origin form,
// so routing sees the same path either way.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http/server.hpp"

namespace switchyard::http {

// Like Envoy's default max_headers_count: fields (and trailer fields) per request.
inline constexpr std::size_t kMaxHeaderCount = 100;

// Why a request is turned away: the status and a message for the error body; status 0 = keep it.
struct Refusal {
  unsigned status = 0;
  std::string_view message;
  explicit operator bool() const { return status != 0; }
};

// `chunked` is the parser's verdict on the framing (Transfer-Encoding ends in chunked). May rewrite
// the target and Host of an absolute-form request.
Refusal checkRequestHead(Request& request, bool chunked);

// The fields and trailer fields of a whole request, once its body is read: trailers count toward
// the same limit as the head's fields.
Refusal checkFieldCount(const Request& request);

// Expect: 100-continue on an HTTP/1.1 request (RFC 9110 §10.1.1: HTTP/1.0 ignores it). Call after
// checkRequestHead, which refuses any other expectation.
bool expectsContinue(const Request& request);

// An absolute-form target split in two: "http://user@host:8080/path?q" gives the authority
// "host:8080" and the origin form "/path?q" ("/" when the target has no path).
struct AbsoluteForm {
  std::string_view authority;
  std::string origin;
};
std::optional<AbsoluteForm> splitAbsoluteForm(std::string_view target);

}  // namespace switchyard::http
