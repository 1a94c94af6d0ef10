#include "providers/openai/chat_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/json_fields.hpp"
#include "providers/openai/passthrough.hpp"
#include "providers/openai/stream_translator.hpp"

namespace switchyard::providers::openai {

using core::objectField;
using core::sv;

namespace json = boost::json;
using core::Error;
using core::ErrorKind;

namespace {

// Printable ASCII of a body that is not an OpenAI envelope, whitespace collapsed, capped.
std::string bodyPrefix(std::string_view body) {
  constexpr std::size_t kLimit = 200;
  std::string out;
  bool space = false;
  for (const char ch : body) {
    if (out.size() >= kLimit) {
      out += "...";
      break;
    }
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20) {
      space = !out.empty();
      continue;
    }
    if (space) {
      out.push_back(' ');
      space = false;
    }
    out.push_back(c < 0x7F ? ch : '?');
  }
  return out;
}

}  // namespace

std::string chatCompletionsPath(std::string_view prefix) {
  return endpointPath(prefix, "/chat/completions");
}

core::Result<UpstreamCalls> ChatTranslator::buildRequest(const ApiRequest& request,
                                                         const BackendTarget& target) const {
  return passthroughRequest(request, target, "/chat/completions");
}

core::Result<TranslatedResponse> ChatTranslator::translateResponse(
    std::span<const std::string_view> upstreamBodies, const ApiRequest&,
    const BackendTarget& target, const ResponseContext&) const {
  return passthroughResponse(upstreamBodies.front(), target);
}

std::unique_ptr<StreamTranslator> ChatTranslator::newStreamTranslator(
    const ApiRequest& request, const BackendTarget& target, const ResponseContext& context) const {
  return makeStreamTranslator(request, target, context);
}

Error ChatTranslator::translateError(unsigned status, const std::vector<core::Header>& headers,
                                     std::string_view upstreamBody) const {
  Error error = errorFromBody(status, upstreamBody);
  error.retryAfterSeconds = retryAfterSeconds(headers);
  return error;
}

Error errorFromBody(unsigned status, std::string_view upstreamBody) {
  unsigned char initial[2048];
  json::monotonic_resource arena(initial, sizeof initial);
  boost::system::error_code ec;
  const json::value parsed = json::parse(upstreamBody, ec, json::storage_ptr(&arena));
  const json::object* error =
      !ec && parsed.is_object() ? objectField(&parsed.get_object(), "error") : nullptr;
  const auto text = [&](std::string_view key) -> std::string {
    const auto* value = error ? error->if_contains(key) : nullptr;
    return value && value->is_string() ? std::string(sv(value->get_string())) : std::string();
  };
  std::string message = text("message");
  if (message.empty()) {
    message = "upstream returned HTTP " + std::to_string(status);
    if (!error) {
      if (auto prefix = bodyPrefix(upstreamBody); !prefix.empty()) message += ": " + prefix;
    }
  }
  std::string code = text("code");
  if (code.empty()) code = text("type");
  Error result = Error::upstream(status, std::move(message), std::move(code));
  result.param = text("param");
  return result;
}

}  // namespace switchyard::providers::openai
