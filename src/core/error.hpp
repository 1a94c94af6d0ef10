#pragma once
// The one error type of the request path: what went wrong, on which side, and whether another
// attempt may help. Status codes and the OpenAI envelope are chosen only by renderOpenAiError().

#include <string>
#include <string_view>

namespace switchyard::core {

enum class ErrorKind {
  // Client side: the request itself is wrong.
  InvalidJson,           // 400: body is not JSON
  InvalidRequest,        // 400: JSON but not a valid chat request (param names the field)
  ModelNotFound,         // 404: no rule matches the model (code model_not_found)
  RouteNotFound,         // 404: unknown path
  MethodNotAllowed,      // 405
  RequestTimeout,        // 408: client too slow sending the request
  PayloadTooLarge,       // 413
  UnsupportedMediaType,  // 415
  HeadersTooLarge,       // 431
  RateLimited,           // 429: a rate limit of the gateway's own (BackendTrafficPolicy rateLimit)
  Unauthenticated,       // 401: no valid client credential (SecurityPolicy apiKeyAuth / jwt)
  Forbidden,             // 403: authenticated, but SecurityPolicy authorization denies it
  // Upstream side: the backend or the way to it failed.
  UpstreamStatus,         // upstream answered non-2xx; its status is kept
  UpstreamBadResponse,    // 502: upstream answered 2xx with something we cannot read
  UpstreamDns,            // 503: hostname did not resolve
  UpstreamConnect,        // 503: connection refused / unreachable
  UpstreamTls,            // 502: handshake or certificate verification failed
  UpstreamReset,          // 502: connection closed before a full response
  UpstreamTimeout,        // 504: attempt deadline passed
  CredentialUnavailable,  // 503: no token could be obtained for the backend's credential
  NoBackendAvailable,     // 503: every backend of the rule is unusable
  // Ours.
  RateLimitUnavailable,  // 503: a fail-closed rate limit cannot reach its shared state (Redis)
  Overloaded,            // 503: shed by the process's own limits (requests in flight, heap)
  ShuttingDown,          // 503: shutdown's drain time ran out before the request finished
  Internal,              // 500
};

enum class ErrorSide { Client, Upstream, Internal };

struct Error {
  ErrorKind kind = ErrorKind::Internal;
  std::string message;
  std::string param;  // OpenAI `param`, empty = null
  std::string code;   // OpenAI `code` override (e.g. Google's RESOURCE_EXHAUSTED), empty = default
  unsigned upstreamStatus = 0;  // for UpstreamStatus: the status the upstream answered
  int retryAfterSeconds = -1;   // from Retry-After / RetryInfo, -1 = none
  // UpstreamReset: the HTTP/2 peer closed the stream with REFUSED_STREAM (by RST_STREAM, or as one
  // above a GOAWAY's last stream): it did not process the request (BackendTrafficPolicy's
  // refused-stream retry trigger).
  bool refusedStream = false;

  static Error make(ErrorKind kind, std::string message, std::string param = {}) {
    Error e;
    e.kind = kind;
    e.message = std::move(message);
    e.param = std::move(param);
    return e;
  }
  static Error upstream(unsigned status, std::string message, std::string code = {}) {
    Error e;
    e.kind = ErrorKind::UpstreamStatus;
    e.upstreamStatus = status;
    e.message = std::move(message);
    e.code = std::move(code);
    return e;
  }
};

ErrorSide sideOf(ErrorKind kind);

// Whether trying another backend (or the same one later) may succeed.
bool mayRetry(const Error& error);

// The HTTP status the client sees for this error.
unsigned httpStatusOf(const Error& error);

// {"error":{"message","type","param","code"}} with the fields filled for this error.
std::string renderOpenAiError(const Error& error);

// Short stable name of the kind, for logs and metrics ("upstream_tls", "model_not_found", ...).
std::string_view kindName(ErrorKind kind);

}  // namespace switchyard::core
