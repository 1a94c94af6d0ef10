// libFuzzer target: the HTTP/1.1 request-head rules (checkRequestHead, splitAbsoluteForm) on any
// request head Beast's parser accepts from the client's bytes, parsed as the server parses it (head
// first, `chunked` the parser's verdict). The contract:
// - a refusal is 400, 417 or 431 with a message;
// - a Transfer-Encoding that does not end in chunked is refused;
// - a kept HTTP/1.1 request has exactly one Host; a kept absolute-form target became the origin
//   form (`/...`) and its authority the Host; only `Expect: 100-continue` is kept, and
//   expectsContinue() says so for HTTP/1.1 alone;
// - a kept head serialized again and re-parsed is kept again unchanged (the rules are idempotent,
//   and what they wrote is a valid head);
// - splitAbsoluteForm gives an authority without `/`, `?` or `@`, an origin starting with `/` and
//   at most one byte longer than the target.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "core/ascii.hpp"
#include "http/request_checks.hpp"
#include "passthrough_checks.hpp"

namespace bhttp = boost::beast::http;
using namespace switchyard;
using fuzz::failPassthrough;

namespace {

struct Head {
  http::Request request;
  bool chunked = false;
};

// The head as the server reads it, or nullopt when Beast refuses it or it is incomplete.
std::optional<Head> parseHead(std::string_view bytes) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(64 * 1024);
  parser.eager(false);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
  if (ec || !parser.is_header_done()) return std::nullopt;
  return Head{parser.get(), parser.chunked()};
}

// The head alone, as a client would send it again.
std::string serializeHead(const http::Request& request) {
  std::string out;
  out.append(request.method_string()).append(" ").append(request.target());
  out.append(" HTTP/").append(std::to_string(request.version() / 10)).append(".");
  out.append(std::to_string(request.version() % 10)).append("\r\n");
  for (const auto& field : request)
    out.append(field.name_string()).append(": ").append(field.value()).append("\r\n");
  out.append("\r\n");
  return out;
}

void checkSplit(std::string_view target) {
  const auto form = http::splitAbsoluteForm(target);
  if (!form) return;
  if (form->authority.find_first_of("/?@") != std::string_view::npos)
    failPassthrough("an authority holding `/`, `?` or `@`", form->authority);
  if (!form->origin.starts_with('/')) failPassthrough("an origin not starting with `/`", target);
  if (form->origin.size() > target.size() + 1) failPassthrough("an origin longer than its target");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto head = parseHead(bytes);
  if (!head) return 0;
  auto& request = head->request;
  const std::string originalTarget(request.target());
  checkSplit(originalTarget);
  const bool hadTransferEncoding = request.find(bhttp::field::transfer_encoding) != request.end();

  const auto refusal = http::checkRequestHead(request, head->chunked);
  if (refusal) {
    if (refusal.status != 400 && refusal.status != 417 && refusal.status != 431)
      failPassthrough("a refusal with an unexpected status", refusal.message);
    if (refusal.message.empty()) failPassthrough("a refusal without a message");
    return 0;
  }
  if (hadTransferEncoding && !head->chunked)
    failPassthrough("a Transfer-Encoding not ending in chunked was kept", bytes);
  if (request.version() >= 11 && request.count(bhttp::field::host) != 1)
    failPassthrough("an HTTP/1.1 request kept without exactly one Host", bytes);
  if (const auto form = http::splitAbsoluteForm(originalTarget)) {
    if (request.target() != form->origin) failPassthrough("an absolute form kept as is", bytes);
    if (request[bhttp::field::host] != form->authority)
      failPassthrough("the Host is not the target's authority", bytes);
  }
  const auto expect = request.find(bhttp::field::expect);
  if (expect != request.end() && !core::iequalsAscii(expect->value(), "100-continue"))
    failPassthrough("an expectation other than 100-continue was kept", bytes);
  if (http::expectsContinue(request) != (expect != request.end() && request.version() >= 11))
    failPassthrough("expectsContinue disagrees with the head", bytes);

  const std::string again = serializeHead(request);
  auto reparsed = parseHead(again);
  if (!reparsed) failPassthrough("a kept head does not parse again", again);
  if (const auto second = http::checkRequestHead(reparsed->request, reparsed->chunked))
    failPassthrough("a kept head is refused the second time", second.message);
  if (serializeHead(reparsed->request) != again)
    failPassthrough("the rules changed a kept head the second time", again);
  return 0;
}
