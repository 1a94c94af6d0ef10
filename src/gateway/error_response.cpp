#include "gateway/error_response.hpp"

#include "gateway/credential_scrub.hpp"

namespace switchyard::gateway {

using core::Error;
using core::ErrorKind;

std::string_view responseFlagFor(const Error& error) {
  switch (error.kind) {
    case ErrorKind::UpstreamConnect:
    case ErrorKind::UpstreamDns:
    case ErrorKind::UpstreamTls:
      return "UF";
    case ErrorKind::UpstreamReset:
      return "UC";
    case ErrorKind::UpstreamTimeout:
      return "UT";
    case ErrorKind::NoBackendAvailable:
      return "UH";
    case ErrorKind::ModelNotFound:
    case ErrorKind::RouteNotFound:
      return "NR";
    case ErrorKind::RateLimited:
      return "RL";
    case ErrorKind::Overloaded:
      return "OM";  // Envoy's: the overload manager turned it away
    case ErrorKind::ShuttingDown:
      return "LR";  // ended here (a local reset), not by the client or the upstream
    default:
      return "";
  }
}

std::string attemptOutcome(const Error& error) {
  if (error.kind == ErrorKind::UpstreamStatus)
    return "status_" + std::to_string(error.upstreamStatus);
  return std::string(core::kindName(error.kind));
}

Error clientFacing(const Error& error) {
  Error shown = error;
  switch (error.kind) {
    case ErrorKind::UpstreamDns:
    case ErrorKind::UpstreamConnect:
      shown.message = "the backend could not be reached";
      break;
    case ErrorKind::UpstreamTls:
      shown.message = "the TLS handshake with the backend failed (certificate or protocol)";
      break;
    case ErrorKind::UpstreamReset:
      shown.message = "the backend closed the connection before a complete response";
      break;
    case ErrorKind::UpstreamTimeout:
      shown.message = "the backend did not answer within the request timeout";
      break;
    case ErrorKind::UpstreamBadResponse:
      shown.message = "the backend's response could not be read";
      break;
    case ErrorKind::CredentialUnavailable:
      shown.message = "no credential for the backend could be obtained";
      break;
    default:
      scrubCredentials(shown.message);
      break;
  }
  return shown;
}

boost::asio::awaitable<void> respondError(http::ResponseWriter& writer, RequestInfo& info,
                                          const Error& error, std::string (*render)(const Error&),
                                          http::HeaderList headers) {
  info.responseCode = core::httpStatusOf(error);
  info.errorType = core::kindName(error.kind);
  info.responseFlags = responseFlagFor(error);
  headers.emplace_back("x-request-id", std::string(info.requestId));
  if (error.retryAfterSeconds >= 0)
    headers.emplace_back("retry-after", std::to_string(error.retryAfterSeconds));
  co_await writer.send(info.responseCode, kJsonContentType, render(clientFacing(error)),
                       std::move(headers));
}

}  // namespace switchyard::gateway
