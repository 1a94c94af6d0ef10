#include "providers/anthropic/error_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "providers/json_fields.hpp"
#include "providers/provider.hpp"
#include "providers/vertex/error_translator.hpp"

namespace switchyard::providers::anthropic {

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

}  // namespace switchyard::providers::anthropic
