#include "emulator/anthropic_error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace switchyard::emulator {

namespace json = boost::json;

namespace {

std::string_view defaultMessage(unsigned status) {
  switch (status) {
    case 400:
      return "Invalid request.";
    case 401:
      return "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
             "cookie or other valid authentication credential.";
    case 403:
      return "Permission denied.";
    case 404:
      return "Not found.";
    case 413:
      return "Request exceeds the maximum allowed number of bytes.";
    case 429:
      return "Number of request tokens has exceeded your rate limit. Please try again later.";
    case 529:
      return "Overloaded";
    default:
      break;
  }
  return status >= 500 ? "Internal server error" : "Request failed.";
}

}  // namespace

std::string_view anthropicErrorType(unsigned status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      break;
  }
  return status >= 500 ? "api_error" : "invalid_request_error";
}

std::string renderAnthropicError(const AnthropicError& error) {
  json::object inner;
  inner["type"] = anthropicErrorType(error.status);
  inner["message"] =
      error.message.empty() ? std::string(defaultMessage(error.status)) : error.message;
  json::object outer;
  outer["type"] = "error";
  outer["error"] = std::move(inner);
  return json::serialize(outer);
}

}  // namespace switchyard::emulator
