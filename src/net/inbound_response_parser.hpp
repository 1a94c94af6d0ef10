#pragma once
// Parses an upstream's response straight into the core::InboundResponse the client hands out.
// Beast's response_parser<string_body> put every field in an allocation of its own (basic_fields),
// and the client then copied each one again into core::Header; here each is copied once.

#include <boost/beast/http/basic_parser.hpp>

#include <cstdint>
#include <string_view>
#include <utility>

#include "core/http_message.hpp"

namespace switchyard::net {

class InboundResponseParser : public boost::beast::http::basic_parser<false> {
 public:
  // Whether the connection may carry another request, by the response's version and its first
  // Connection field, as Beast's message::keep_alive() said. Framing is need_eof()'s business.
  bool keepAlive() const { return version_ < 11 ? connectionKeepAlive_ : !connectionClose_; }

  core::InboundResponse takeResponse() { return std::move(response_); }

  // An answer that is not 2xx keeps at most `limit` bytes of its body: past them the parse stops
  // with http::error::body_limit and errorBodyCut() says the body was cut short on purpose (the
  // connection is not reused). An upstream's error body may be endless; its start says enough.
  void limitErrorBody(std::uint64_t limit) { errorBodyLimit_ = limit; }
  bool errorBodyCut() const { return errorBodyCut_; }

 private:
  using error_code = boost::system::error_code;
  using field = boost::beast::http::field;
  using verb = boost::beast::http::verb;
  using string_view = boost::beast::string_view;  // Boost's own in 1.81, whatever the macro says

  void on_request_impl(verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(field, string_view name, string_view value, error_code& ec) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}

  std::size_t takeBody(string_view body, error_code& ec);

  core::InboundResponse response_;
  std::uint64_t errorBodyLimit_ = UINT64_MAX;
  bool errorBodyCut_ = false;
  int version_ = 11;
  // The first Connection field's tokens: Beast's message looked at that one only.
  bool connectionSeen_ = false;
  bool connectionClose_ = false;
  bool connectionKeepAlive_ = false;
};

}  // namespace switchyard::net
