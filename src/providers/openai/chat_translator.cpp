#include "providers/openai/chat_translator.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "providers/json_fields.hpp"
#include "providers/json_writer.hpp"
#include "providers/openai/stream_translator.hpp"

namespace switchyard::providers::openai {

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
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  std::string path;
  if (prefix.empty()) {
    path = "/v1";
  } else {
    if (prefix.front() != '/') path.push_back('/');
    path.append(prefix);
  }
  path.append("/chat/completions");
  return path;
}

core::Result<UpstreamCalls> ChatTranslator::buildRequest(const ApiRequest& request,
                                                         const BackendTarget& target) const {
  if (!request.body) return Error::make(ErrorKind::Internal, "no request body to translate");
  const std::string_view model = target.model.empty() ? request.model : target.model;
  if (model.empty())
    return Error::make(ErrorKind::InvalidRequest, "you must provide a model parameter", "model");
  UpstreamCalls calls(1);
  core::OutboundRequest& outbound = calls.front();
  outbound.method = "POST";
  outbound.target = chatCompletionsPath(target.pathPrefix);
  outbound.headers.reserve(core::kTypicalOutboundHeaders);
  outbound.headers.push_back({"Content-Type", "application/json"});
  // Re-serialize the client's object field by field, swapping only `model`.
  outbound.body.reserve(256);
  JsonWriter w(outbound.body);
  w.beginObject();
  bool wroteModel = false;
  for (const auto& entry : *request.body) {
    w.escapedKey(entry.key());
    if (entry.key() == "model") {
      w.string(model);
      wroteModel = true;
    } else if (!w.value(entry.value())) {
      // A number beyond double range cannot be forwarded as JSON (it would be `Infinity`).
      return numberOutOfRange(entry.key(), entry.value());
    }
  }
  if (!wroteModel) w.field("model", model);
  w.endObject();
  return calls;
}

core::Result<TranslatedResponse> ChatTranslator::translateResponse(
    std::span<const std::string_view> upstreamBodies, const ApiRequest&,
    const BackendTarget& target, const ResponseContext&) const {
  const std::string_view upstreamBody = upstreamBodies.front();
  unsigned char initial[4096];
  json::monotonic_resource arena(initial, sizeof initial);
  boost::system::error_code ec;
  const json::value parsed = json::parse(upstreamBody, ec, json::storage_ptr(&arena));
  if (ec || !parsed.is_object())
    return Error::make(ErrorKind::UpstreamBadResponse,
                       "the OpenAI-schema backend returned a body that is not a JSON object");
  const auto& root = parsed.get_object();
  TranslatedResponse response;
  const auto* usage = objectField(&root, "usage");
  response.usage.promptTokens = integerField(usage, "prompt_tokens");
  response.usage.completionTokens = integerField(usage, "completion_tokens");
  response.usage.totalTokens = integerField(usage, "total_tokens");
  response.usage.cachedTokens =
      integerField(objectField(usage, "prompt_tokens_details"), "cached_tokens");
  response.usage.reasoningTokens =
      integerField(objectField(usage, "completion_tokens_details"), "reasoning_tokens");
  const auto* model = root.if_contains("model");
  response.responseModel = model && model->is_string() && !model->get_string().empty()
                               ? std::string(sv(model->get_string()))
                               : std::string(target.model);
  response.body.assign(upstreamBody.data(), upstreamBody.size());
  return response;
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
