// libFuzzer target: the OpenAI chat → Claude on Vertex request translator on any JSON object a
// client may send (byte 0 bit 0: the request streams; the rest is the body). It must answer a
// request or an error. Every refusal is the client's InvalidRequest with a param: the target is
// fixed and valid, so nothing else can be wrong. A request is one POST to the model's rawPredict
// (streamRawPredict when streaming) whose body is a JSON object with the backend's
// anthropic_version, no `model`, a positive integer max_tokens above any thinking budget,
// `stream: true` exactly when streaming, and messages whose roles are user or assistant, never
// twice in a row (adjacent ones are merged), each with content; never more than a bounded multiple
// of the client's body.
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "passthrough_checks.hpp"
#include "providers/anthropic/chat_translator.hpp"

namespace json = boost::json;
using namespace switchyard;
using fuzz::failPassthrough;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const providers::anthropic::ChatTranslator translator;
  if (size < 1) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  boost::system::error_code ec;
  const json::value parsed = json::parse(input, ec);
  if (ec || !parsed.is_object()) return 0;  // the gateway rejects these before any provider
  const json::object& body = parsed.get_object();

  providers::ApiRequest request;
  request.body = &body;
  request.model = "claude-sonnet-4@20250514";
  request.stream = (data[0] & 1) != 0;
  const providers::BackendTarget target{"claude-sonnet-4@20250514", "p", "us-east5", {}, {}};
  const auto built = translator.buildRequest(request, target);
  if (!built) {
    if (built.error().kind != core::ErrorKind::InvalidRequest || built.error().param.empty())
      failPassthrough("refused without an InvalidRequest naming the field", built.error().message);
    return 0;
  }
  if (built->size() != 1) failPassthrough("a chat request that is not one upstream call");
  const auto& call = built->front();
  constexpr std::string_view kPath =
      "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:";
  if (call.method != "POST" ||
      call.target != std::string(kPath) + (request.stream ? "streamRawPredict" : "rawPredict"))
    failPassthrough("not a POST to the model's method", call.target);
  // Fixed members (version, default max_tokens, ids of tool results) on top of the client's.
  if (call.body.size() > 4 * input.size() + 256)
    failPassthrough("the upstream body outgrew the client's", call.body);

  json::monotonic_resource arena;
  const json::value out = json::parse(call.body, ec, &arena);
  if (ec || !out.is_object()) failPassthrough("upstream body is not a JSON object", call.body);
  const auto& root = out.get_object();
  if (root.contains("model")) failPassthrough("a model in the body", call.body);
  const auto* version = root.if_contains("anthropic_version");
  if (!version || *version != "vertex-2023-10-16")
    failPassthrough("not the backend's anthropic_version", call.body);
  const auto* maxTokens = root.if_contains("max_tokens");
  if (!maxTokens || !maxTokens->is_int64() || maxTokens->get_int64() < 1)
    failPassthrough("max_tokens is not a positive integer", call.body);
  if (const auto* thinking = root.if_contains("thinking"); thinking && thinking->is_object()) {
    const auto* budget = thinking->get_object().if_contains("budget_tokens");
    if (budget && (!budget->is_int64() || budget->get_int64() >= maxTokens->get_int64()))
      failPassthrough("a thinking budget not below max_tokens", call.body);
  }
  const auto* stream = root.if_contains("stream");
  if (request.stream ? (!stream || *stream != true) : stream != nullptr)
    failPassthrough("`stream` does not say what the request asked", call.body);
  const auto* messages = root.if_contains("messages");
  if (!messages || !messages->is_array()) failPassthrough("no messages array", call.body);
  std::string_view previous;
  for (const auto& item : messages->get_array()) {
    const auto* message = item.if_object();
    const auto* role = message ? message->if_contains("role") : nullptr;
    if (!role || (*role != "user" && *role != "assistant"))
      failPassthrough("a message without a user or assistant role", call.body);
    if (role->get_string() == previous)
      failPassthrough("two messages of one role in a row", call.body);
    previous = role->get_string();
    const auto* content = message->if_contains("content");
    if (!content || (content->is_array() ? content->get_array().empty()
                                         : !content->is_string() || content->get_string().empty()))
      failPassthrough("a message without content", call.body);
  }
  return 0;
}
