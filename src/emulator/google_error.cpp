#include "emulator/google_error.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace switchyard::emulator {

namespace json = boost::json;

std::string_view googleStatusName(unsigned httpStatus) {
  switch (httpStatus) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 501:
      return "UNIMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      break;
  }
  if (httpStatus >= 500) return "INTERNAL";
  if (httpStatus >= 400) return "FAILED_PRECONDITION";
  return "UNKNOWN";
}

std::string_view defaultGoogleMessage(unsigned httpStatus) {
  switch (httpStatus) {
    case 400:
      return "Request contains an invalid argument.";
    case 401:
      return "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
             "cookie or other valid authentication credential. See "
             "https://developers.google.com/identity/sign-in/web/devconsole-project.";
    case 403:
      return "Permission 'aiplatform.endpoints.predict' denied on resource (or it may not exist).";
    case 404:
      return "Requested entity was not found.";
    case 409:
      return "The operation was aborted.";
    case 429:
      return "Resource exhausted. Please try again later. Please refer to "
             "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more "
             "details.";
    case 499:
      return "The operation was cancelled.";
    case 500:
      return "Internal error encountered.";
    case 501:
      return "Operation is not implemented, or supported, or enabled.";
    case 503:
      return "The service is currently unavailable.";
    case 504:
      return "The request timed out. Please try again.";
    default:
      break;
  }
  return httpStatus >= 500 ? "Internal error encountered." : "Request failed.";
}

std::string renderGoogleError(const GoogleError& error, bool asArray) {
  json::object inner;
  inner["code"] = error.status;
  inner["message"] =
      error.message.empty() ? std::string(defaultGoogleMessage(error.status)) : error.message;
  inner["status"] = googleStatusName(error.status);
  if (!error.reason.empty()) {
    json::object info;
    info["@type"] = "type.googleapis.com/google.rpc.ErrorInfo";
    info["reason"] = error.reason;
    info["domain"] = "googleapis.com";
    info["metadata"] = json::object{{"service", "aiplatform.googleapis.com"}};
    inner["details"] = json::array{std::move(info)};
  }
  json::object outer;
  outer["error"] = std::move(inner);
  if (asArray) return json::serialize(json::array{std::move(outer)});
  return json::serialize(outer);
}

}  // namespace switchyard::emulator
