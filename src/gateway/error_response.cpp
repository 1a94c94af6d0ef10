#include "gateway/error_response.hpp"

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

boost::asio::awaitable<void> respondError(http::ResponseWriter& writer, RequestInfo& info,
                                          const Error& error, std::string (*render)(const Error&),
                                          http::HeaderList headers) {
  info.responseCode = core::httpStatusOf(error);
  info.errorType = core::kindName(error.kind);
  info.responseFlags = responseFlagFor(error);
  headers.emplace_back("x-request-id", std::string(info.requestId));
  if (error.retryAfterSeconds >= 0)
    headers.emplace_back("retry-after", std::to_string(error.retryAfterSeconds));
  co_await writer.send(info.responseCode, kJsonContentType, render(error), std::move(headers));
}

}  // namespace switchyard::gateway
