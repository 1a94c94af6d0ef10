#include "providers/vertex/error_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <string>

#include "core/json_fields.hpp"
#include "providers/vertex/wire.hpp"

namespace switchyard::providers::vertex {

using core::integerField;
using core::stringField;
using core::sv;

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxMessage = 2048;    // Google messages are short; cap what we relay
constexpr std::size_t kMaxBodyPrefix = 200;  // of a body that is not Google's envelope

// RetryInfo.retryDelay as whole seconds: "30s" (JSON form) or {"seconds":..,"nanos":..}.
int retryDelaySeconds(const json::object& error) {
  const auto* details = error.if_contains("details");
  if (!details || !details->is_array()) return -1;
  for (const auto& detail : details->get_array()) {
    if (!detail.is_object()) continue;
    const auto& object = detail.get_object();
    const auto* type = object.if_contains("@type");
    if (!type || !type->is_string() || !sv(type->get_string()).ends_with("google.rpc.RetryInfo"))
      continue;
    const auto* delay = object.if_contains("retryDelay");
    if (!delay) continue;
    if (delay->is_string()) {
      if (const auto seconds = parseDurationSeconds(sv(delay->get_string()));
          seconds && *seconds < (1 << 30))
        return static_cast<int>(*seconds);
    } else if (delay->is_object()) {
      // Duration's seconds is an int64 (a string in proto3 JSON); integerField reads both and
      // gives 0 for anything out of range, and the cap below comes before any arithmetic.
      const auto& d = delay->get_object();
      std::int64_t seconds = integerField(&d, "seconds");
      if (seconds < 0 || seconds >= (1 << 30)) continue;
      if (integerField(&d, "nanos") > 0) ++seconds;
      return static_cast<int>(seconds);
    }
  }
  return -1;
}

// Printable ASCII only, whitespace runs collapsed to one space, at most `limit` bytes.
std::string sanitizedPrefix(std::string_view body, std::size_t limit) {
  std::string out;
  bool space = false;
  for (const char ch : body) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = !out.empty();
      continue;
    }
    if (space) {
      out.push_back(' ');
      space = false;
    }
    out.push_back(c >= 0x21 && c < 0x7F ? ch : '?');
  }
  return out;
}

// Google's own message (valid UTF-8 after parsing): controls dropped, whitespace collapsed, cut at
// `limit` bytes on a character boundary.
std::string cleanMessage(std::string_view text, std::size_t limit) {
  std::string out;
  bool space = false;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) {
      out.push_back(' ');
      space = false;
    }
    out.push_back(ch);
  }
  if (out.size() > limit) {
    std::size_t cut = limit;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

}  // namespace

const json::object* findGoogleError(const json::value& root) {
  const json::value* holder = &root;
  if (root.is_array()) {
    if (root.get_array().empty()) return nullptr;
    holder = &root.get_array()[0];
  }
  if (!holder->is_object()) return nullptr;
  const auto* error = holder->get_object().if_contains("error");
  return error && error->is_object() ? &error->get_object() : nullptr;
}

unsigned httpStatusOfGoogleError(const json::object& error) {
  const std::int64_t code = integerField(&error, "code");
  if (code >= 400 && code <= 599) return static_cast<unsigned>(code);
  if (const auto status = stringField(&error, "status"); !status.empty())
    return httpStatusForGoogleStatus(status);
  return httpStatusForGrpcCode(code);
}

core::Error translateError(unsigned status, std::string_view upstreamBody) {
  unsigned char initial[4096];
  json::monotonic_resource arena(initial, sizeof initial);
  boost::system::error_code ec;
  const json::value root = json::parse(upstreamBody, ec, json::storage_ptr(&arena));
  const json::object* error = ec ? nullptr : findGoogleError(root);

  std::string message;
  std::string code;
  int retryAfter = -1;
  if (error) {
    if (const auto* text = error->if_contains("message"); text && text->is_string())
      message = cleanMessage(sv(text->get_string()), kMaxMessage);
    if (const auto* statusName = error->if_contains("status");
        statusName && statusName->is_string())
      code = std::string(sv(statusName->get_string()));
    retryAfter = retryDelaySeconds(*error);
  }
  if (message.empty()) {
    message = "upstream returned HTTP " + std::to_string(status);
    if (!error) {
      if (auto prefix = sanitizedPrefix(upstreamBody, kMaxBodyPrefix); !prefix.empty())
        message += ": " + prefix;
    }
  }
  core::Error result = core::Error::upstream(status, std::move(message), std::move(code));
  result.retryAfterSeconds = retryAfter;
  return result;
}

}  // namespace switchyard::providers::vertex
