#include "api/error_envelopes.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>

#include "core/utf8.hpp"

namespace switchyard::api {

namespace {

// Upper-case letters and underscores: the spelling of a Google status (RESOURCE_EXHAUSTED).
bool looksLikeGoogleStatus(std::string_view code) {
  if (code.empty()) return false;
  for (const char c : code)
    if (!(std::isupper(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

bool looksLikeAnthropicType(std::string_view code) {
  return code.ends_with("_error") && code.find_first_of(" \"") == std::string_view::npos;
}

boost::json::object anthropicObject(const core::Error& error) {
  boost::json::object inner;
  inner["type"] = looksLikeAnthropicType(error.code)
                      ? std::string_view(error.code)
                      : anthropicErrorType(core::httpStatusOf(error));
  inner["message"] = core::validUtf8(error.message);
  boost::json::object outer;
  outer["type"] = "error";
  outer["error"] = std::move(inner);
  return outer;
}

}  // namespace

std::string renderOpenAiStreamError(const core::Error& error) {
  return "data: " + core::renderOpenAiError(error) + "\n\n";
}

std::string_view anthropicErrorType(unsigned status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 408:
    case 504:
      return "timeout_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string renderAnthropicError(const core::Error& error) {
  return boost::json::serialize(anthropicObject(error));
}

std::string renderAnthropicStreamError(const core::Error& error) {
  return "event: error\ndata: " + boost::json::serialize(anthropicObject(error)) + "\n\n";
}

std::string_view googleStatusName(unsigned status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 405:
    case 501:
      return "UNIMPLEMENTED";
    case 409:
      return "ABORTED";
    case 412:
      return "FAILED_PRECONDITION";
    case 413:
      return "INVALID_ARGUMENT";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 503:
      return "UNAVAILABLE";
    case 408:
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return status >= 500 ? "INTERNAL" : "INVALID_ARGUMENT";
  }
}

std::string renderGoogleError(const core::Error& error) {
  const unsigned status = core::httpStatusOf(error);
  boost::json::object inner;
  inner["code"] = status;
  inner["message"] = core::validUtf8(error.message);
  inner["status"] =
      looksLikeGoogleStatus(error.code) ? std::string_view(error.code) : googleStatusName(status);
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return boost::json::serialize(outer);
}

std::string renderGoogleStreamError(const core::Error& error) {
  return "data: " + renderGoogleError(error) + "\n\n";
}

}  // namespace switchyard::api
