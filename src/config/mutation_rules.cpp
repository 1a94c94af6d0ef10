#include "config/mutation_rules.hpp"

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "core/ascii.hpp"

namespace switchyard::config {

namespace {

constexpr std::string_view kCredential =
    "carries the backend credential, which the BackendSecurityPolicy's signer writes";
constexpr std::string_view kFraming = "is written by the gateway's HTTP client for each request";
constexpr std::string_view kHopByHop = "is a hop-by-hop header the gateway's HTTP client owns";
constexpr std::string_view kPerAttempt = "is written by the gateway for each attempt";

constexpr std::array<std::pair<std::string_view, std::string_view>, 15> kProtectedHeaders{{
    {"authorization", kCredential},
    {"proxy-authorization", kCredential},
    {"x-goog-api-key", kCredential},
    {"api-key", kCredential},
    {"x-api-key", kCredential},
    {"host", kFraming},
    {"content-length", kFraming},
    {"transfer-encoding", kFraming},
    {"connection", kHopByHop},
    {"keep-alive", kHopByHop},
    {"proxy-connection", kHopByHop},
    {"te", kHopByHop},
    {"trailer", kHopByHop},
    {"upgrade", kHopByHop},
    {"x-request-id", kPerAttempt},
}};

// Trace context is written per attempt too; kept apart so the table above stays one kind a line.
constexpr std::array<std::string_view, 2> kTraceHeaders{"traceparent", "tracestate"};

bool isTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  for (const char allowed : std::string_view("!#$%&'*+-.^_`|~"))
    if (c == allowed) return true;
  return false;
}

}  // namespace

std::string_view protectedHeaderReason(std::string_view name) {
  for (const auto& [protectedName, reason] : kProtectedHeaders)
    if (core::iequalsAscii(name, protectedName)) return reason;
  for (const auto traceName : kTraceHeaders)
    if (core::iequalsAscii(name, traceName)) return kPerAttempt;
  return {};
}

std::string_view protectedBodyMemberReason(std::string_view name) {
  if (name == "stream")
    return "decides how the gateway reads the answer, so it stays as the client sent it";
  return {};
}

bool headerValueMayBeSecret(std::string_view name) {
  constexpr std::array<std::string_view, 8> kHints{"key",      "token",  "secret",     "auth",
                                                   "password", "cookie", "credential", "signature"};
  std::string lower(name);
  for (auto& c : lower) c = core::asciiLower(c);
  for (const auto hint : kHints)
    if (lower.find(hint) != std::string::npos) return true;
  return false;
}

bool isHeaderNameToken(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name)
    if (!isTokenChar(c)) return false;
  return true;
}

}  // namespace switchyard::config
