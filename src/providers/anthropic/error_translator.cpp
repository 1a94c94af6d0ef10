#include "providers/anthropic/error_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/json_fields.hpp"
#include "providers/provider.hpp"
#include "providers/vertex/error_translator.hpp"

namespace switchyard::providers::anthropic {

using core::objectField;
using core::stringField;

namespace json = boost::json;

std::optional<core::Error> anthropicError(unsigned status, std::string_view body) {
  unsigned char initial[2048];
  json::monotonic_resource arena(initial, sizeof initial);
  boost::system::error_code ec;
  const json::value parsed = json::parse(body, ec, json::storage_ptr(&arena));
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::object* root = &parsed.get_object();
  // The envelope, or the inner object alone (as some stream events carry it).
  const json::object* error = objectField(root, "error");
  if (!error) error = root;
  const auto type = stringField(error, "type");
  const auto message = stringField(error, "message");
  if (type.empty() || (!type.ends_with("_error") && type != "request_too_large"))
    return std::nullopt;
  return core::Error::upstream(
      status,
      message.empty() ? "upstream returned HTTP " + std::to_string(status) : std::string(message),
      std::string(type));
}

core::Error translateError(unsigned status, const std::vector<core::Header>& headers,
                           std::string_view upstreamBody) {
  auto error = anthropicError(status, upstreamBody);
  core::Error result = error ? std::move(*error) : vertex::translateError(status, upstreamBody);
  if (result.retryAfterSeconds < 0) result.retryAfterSeconds = retryAfterSeconds(headers);
  return result;
}

unsigned statusOfErrorType(std::string_view type) {
  struct Known {
    std::string_view type;
    unsigned status;
  };
  static constexpr Known kKnown[] = {
      {"invalid_request_error", 400}, {"authentication_error", 401},
      {"billing_error", 402},         {"permission_error", 403},
      {"not_found_error", 404},       {"request_too_large", 413},
      {"rate_limit_error", 429},      {"api_error", 500},
      {"timeout_error", 504},         {"overloaded_error", 529},
  };
  for (const auto& known : kKnown)
    if (known.type == type) return known.status;
  return 500;
}

core::Error streamError(std::string_view data) {
  unsigned char initial[1024];
  json::monotonic_resource arena(initial, sizeof initial);
  boost::system::error_code ec;
  const json::value parsed = json::parse(data, ec, json::storage_ptr(&arena));
  const json::object* root = !ec && parsed.is_object() ? &parsed.get_object() : nullptr;
  const json::object* error = objectField(root, "error");
  if (auto known =
          anthropicError(statusOfErrorType(stringField(error ? error : root, "type")), data))
    return std::move(*known);
  return core::Error::upstream(500, "the upstream stream reported an error it did not describe",
                               "api_error");
}

}  // namespace switchyard::providers::anthropic
