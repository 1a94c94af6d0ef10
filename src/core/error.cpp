#include "core/error.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "core/result.hpp"
#include "core/utf8.hpp"

#include <stdexcept>

namespace switchyard::core {

ErrorSide sideOf(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidJson:
    case ErrorKind::InvalidRequest:
    case ErrorKind::ModelNotFound:
    case ErrorKind::RouteNotFound:
    case ErrorKind::MethodNotAllowed:
    case ErrorKind::RequestTimeout:
    case ErrorKind::PayloadTooLarge:
    case ErrorKind::UnsupportedMediaType:
    case ErrorKind::HeadersTooLarge:
    case ErrorKind::RateLimited:
    case ErrorKind::Unauthenticated:
    case ErrorKind::Forbidden:
      return ErrorSide::Client;
    case ErrorKind::UpstreamStatus:
    case ErrorKind::UpstreamBadResponse:
    case ErrorKind::UpstreamDns:
    case ErrorKind::UpstreamConnect:
    case ErrorKind::UpstreamTls:
    case ErrorKind::UpstreamReset:
    case ErrorKind::UpstreamTimeout:
    case ErrorKind::CredentialUnavailable:
    case ErrorKind::NoBackendAvailable:
      return ErrorSide::Upstream;
    case ErrorKind::RateLimitUnavailable:
    case ErrorKind::Overloaded:
    case ErrorKind::ShuttingDown:
    case ErrorKind::Internal:
      return ErrorSide::Internal;
  }
  return ErrorSide::Internal;
}

bool mayRetry(const Error& error) {
  switch (error.kind) {
    case ErrorKind::UpstreamDns:
    case ErrorKind::UpstreamConnect:
    case ErrorKind::UpstreamTls:
    case ErrorKind::UpstreamReset:
    case ErrorKind::UpstreamTimeout:
    case ErrorKind::CredentialUnavailable:
    case ErrorKind::UpstreamBadResponse:
      return true;
    case ErrorKind::UpstreamStatus:
      return error.upstreamStatus == 429 || error.upstreamStatus >= 500;
    default:
      return false;
  }
}

unsigned httpStatusOf(const Error& error) {
  switch (error.kind) {
    case ErrorKind::InvalidJson:
    case ErrorKind::InvalidRequest:
      return 400;
    case ErrorKind::ModelNotFound:
    case ErrorKind::RouteNotFound:
      return 404;
    case ErrorKind::MethodNotAllowed:
      return 405;
    case ErrorKind::RequestTimeout:
      return 408;
    case ErrorKind::PayloadTooLarge:
      return 413;
    case ErrorKind::UnsupportedMediaType:
      return 415;
    case ErrorKind::HeadersTooLarge:
      return 431;
    case ErrorKind::RateLimited:
      return 429;
    case ErrorKind::Unauthenticated:
      return 401;
    case ErrorKind::Forbidden:
      return 403;
    case ErrorKind::UpstreamStatus:
      return error.upstreamStatus >= 400 && error.upstreamStatus <= 599 ? error.upstreamStatus
                                                                        : 502;
    case ErrorKind::UpstreamBadResponse:
    case ErrorKind::UpstreamTls:
    case ErrorKind::UpstreamReset:
      return 502;
    case ErrorKind::UpstreamDns:
    case ErrorKind::UpstreamConnect:
    case ErrorKind::CredentialUnavailable:
    case ErrorKind::NoBackendAvailable:
    case ErrorKind::RateLimitUnavailable:
    case ErrorKind::Overloaded:
    case ErrorKind::ShuttingDown:
      return 503;
    case ErrorKind::UpstreamTimeout:
      return 504;
    case ErrorKind::Internal:
      return 500;
  }
  return 500;
}

namespace {

// OpenAI's `type` for an error the client sees.
std::string_view openAiType(const Error& error) {
  const unsigned status = httpStatusOf(error);
  switch (status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 429:
      return "rate_limit_error";
    default:
      break;
  }
  if (status >= 500) return status == 503 ? "service_unavailable_error" : "server_error";
  return "invalid_request_error";
}

}  // namespace

std::string_view kindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::InvalidJson:
      return "invalid_json";
    case ErrorKind::InvalidRequest:
      return "invalid_request";
    case ErrorKind::ModelNotFound:
      return "model_not_found";
    case ErrorKind::RouteNotFound:
      return "not_found";
    case ErrorKind::MethodNotAllowed:
      return "method_not_allowed";
    case ErrorKind::RequestTimeout:
      return "request_timeout";
    case ErrorKind::PayloadTooLarge:
      return "payload_too_large";
    case ErrorKind::UnsupportedMediaType:
      return "unsupported_media_type";
    case ErrorKind::HeadersTooLarge:
      return "headers_too_large";
    case ErrorKind::RateLimited:
      return "rate_limit_exceeded";
    case ErrorKind::Unauthenticated:
      return "unauthenticated";
    case ErrorKind::Forbidden:
      return "forbidden";
    case ErrorKind::UpstreamStatus:
      return "upstream_status";
    case ErrorKind::UpstreamBadResponse:
      return "upstream_bad_response";
    case ErrorKind::UpstreamDns:
      return "upstream_dns";
    case ErrorKind::UpstreamConnect:
      return "upstream_connect";
    case ErrorKind::UpstreamTls:
      return "upstream_tls";
    case ErrorKind::UpstreamReset:
      return "upstream_reset";
    case ErrorKind::UpstreamTimeout:
      return "upstream_timeout";
    case ErrorKind::CredentialUnavailable:
      return "credential_unavailable";
    case ErrorKind::NoBackendAvailable:
      return "no_backend_available";
    case ErrorKind::RateLimitUnavailable:
      return "rate_limit_unavailable";
    case ErrorKind::Overloaded:
      return "overloaded";
    case ErrorKind::ShuttingDown:
      return "shutting_down";
    case ErrorKind::Internal:
      return "internal_error";
  }
  return "internal_error";
}

std::string renderOpenAiError(const Error& error) {
  boost::json::object inner;
  inner["message"] = validUtf8(error.message);
  inner["type"] = openAiType(error);
  inner["param"] =
      error.param.empty() ? boost::json::value(nullptr) : boost::json::value(error.param);
  if (!error.code.empty()) {
    inner["code"] = error.code;
  } else if (sideOf(error.kind) == ErrorSide::Upstream ||
             sideOf(error.kind) == ErrorSide::Internal || error.kind == ErrorKind::ModelNotFound ||
             error.kind == ErrorKind::RateLimited) {
    inner["code"] = kindName(error.kind);
  } else {
    inner["code"] = nullptr;
  }
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return boost::json::serialize(outer);
}

void throw_exception_from_error(const Error& error, const boost::source_location&) {
  throw std::runtime_error(std::string(kindName(error.kind)) + ": " + error.message);
}

}  // namespace switchyard::core
