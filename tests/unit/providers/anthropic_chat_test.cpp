// OpenAI chat ⇄ Claude on Vertex, table-driven:
// - cases/anthropic_chat_request.json: OpenAI request in, Vertex path + Messages body out (or the
// 400).
// - cases/anthropic_chat_response.json: Messages response in, chat.completion out.
// - cases/anthropic_chat_stream.json: the data of Claude's stream events in, the client's frames
// out.
//   Chunks list what varies; "id", "object", "created" and "model" come from the case's "header"
//   (defaults below), so every chunk is checked to carry the same values. "[DONE]" stands for the
//   `data: [DONE]` frame. Every stream is also sent as Claude's SSE bytes (`event:` and `data:`
//   lines), cut anywhere, and must give what it gives event by event.

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/anthropic/chat_translator.hpp"
#include "providers/anthropic/stream_translator.hpp"
#include "stream_runs.hpp"

namespace switchyard::providers {
namespace {

namespace json = boost::json;
using testing::Case;
using testing::pretty;
using testing::str;
using testing::StreamRun;

constexpr std::int64_t kNow = 1700000000;

void expectUsage(const json::object& data, const Usage& usage) {
  const auto* expected = data.if_contains("expect_usage");
  if (!expected) return;
  const auto& u = expected->as_object();
  EXPECT_EQ(usage.promptTokens, u.at("prompt").to_number<std::int64_t>());
  EXPECT_EQ(usage.completionTokens, u.at("completion").to_number<std::int64_t>());
  EXPECT_EQ(usage.totalTokens, u.at("total").to_number<std::int64_t>());
  EXPECT_EQ(usage.cachedTokens, u.at("cached").to_number<std::int64_t>());
  // Not in the OpenAI answer, but carried for CacheCreationInputToken costs.
  const auto* creation = u.if_contains("cache_creation");
  EXPECT_EQ(usage.cacheCreationTokens, creation ? creation->to_number<std::int64_t>() : 0);
}

// ---- requests -------------------------------------------------------------------------------

class AnthropicChatRequest : public ::testing::TestWithParam<Case> {};

TEST_P(AnthropicChatRequest, Translates) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const auto& body = data.at("request").as_object();
  const auto targetSpec = data.contains("target") ? data.at("target").as_object() : json::object{};
  ApiRequest request;
  request.body = &body;
  const auto model = str(body, "model");
  request.model = model;
  if (const auto* stream = body.if_contains("stream"); stream && stream->is_bool())
    request.stream = stream->get_bool();
  const auto targetModel = str(targetSpec, "model", model);
  const auto version = str(targetSpec, "version");
  const BackendTarget target{targetModel, "proj-1", "us-east5", {}, version};

  const auto result = anthropic::ChatTranslator().buildRequest(request, target);

  if (const auto* expected = data.if_contains("error")) {
    ASSERT_FALSE(result.has_value()) << "expected an error, got " << testing::firstBody(*result);
    const auto& error = expected->as_object();
    EXPECT_EQ(core::kindName(result.error().kind), str(error, "kind")) << result.error().message;
    EXPECT_EQ(result.error().param, str(error, "param")) << result.error().message;
    if (const auto contains = str(error, "message_contains"); !contains.empty()) {
      EXPECT_NE(result.error().message.find(contains), std::string::npos) << result.error().message;
    }
    return;
  }
  ASSERT_TRUE(result.has_value()) << core::kindName(result.error().kind)
                                  << " param=" << result.error().param << ": "
                                  << result.error().message;
  ASSERT_EQ(result->size(), 1u);
  const auto& outbound = result->front();
  EXPECT_EQ(outbound.method, "POST");
  EXPECT_EQ(core::findHeader(outbound.headers, "content-type"), "application/json");
  if (const auto expectedTarget = str(data, "expect_target"); !expectedTarget.empty()) {
    EXPECT_EQ(outbound.target, expectedTarget);
  }
  boost::system::error_code ec;
  const auto actual = json::parse(outbound.body, ec);
  ASSERT_FALSE(ec) << "output is not JSON: " << outbound.body;
  const auto& expectedBody = data.at("expect_body");
  EXPECT_EQ(actual, expectedBody) << "actual:   " << pretty(actual)
                                  << "\nexpected: " << pretty(expectedBody);
}

INSTANTIATE_TEST_SUITE_P(Cases, AnthropicChatRequest,
                         ::testing::ValuesIn(testing::loadCases("anthropic_chat_request.json")),
                         [](const auto& info) { return testing::testName(info.param); });

// ---- responses ------------------------------------------------------------------------------

class AnthropicChatResponse : public ::testing::TestWithParam<Case> {};

TEST_P(AnthropicChatResponse, Translates) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const std::string upstream = data.contains("upstream_raw") ? str(data, "upstream_raw")
                                                             : json::serialize(data.at("upstream"));
  const ResponseContext context{kNow, "req-1"};
  const auto targetModel = str(data, "target_model", "claude-sonnet-4-5");
  const BackendTarget target{targetModel, "proj-1", "us-east5", {}, {}};
  const json::object requestBody{{"model", "m"}};
  const ApiRequest request{.body = &requestBody, .model = "m", .query = {}};
  const std::string_view bodies[] = {upstream};

  const auto result =
      anthropic::ChatTranslator().translateResponse(bodies, request, target, context);

  if (const auto* expected = data.if_contains("error")) {
    ASSERT_FALSE(result.has_value()) << "expected an error, got " << result->body;
    EXPECT_EQ(core::kindName(result.error().kind), str(expected->as_object(), "kind"))
        << result.error().message;
    return;
  }
  ASSERT_TRUE(result.has_value()) << core::kindName(result.error().kind) << ": "
                                  << result.error().message;
  boost::system::error_code ec;
  const auto actual = json::parse(result->body, ec);
  ASSERT_FALSE(ec) << "output is not JSON: " << result->body;
  json::object expected{{"id", "chatcmpl-msg_1"},
                        {"object", "chat.completion"},
                        {"created", kNow},
                        {"model", "claude-sonnet-4-5-20250929"}};
  for (const auto& entry : data.at("expect").as_object()) expected[entry.key()] = entry.value();
  EXPECT_EQ(actual, json::value(expected))
      << "actual:   " << pretty(actual) << "\nexpected: " << pretty(expected);
  expectUsage(data, result->usage);
  if (const auto model = str(data, "expect_model"); !model.empty()) {
    EXPECT_EQ(result->responseModel, model);
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, AnthropicChatResponse,
                         ::testing::ValuesIn(testing::loadCases("anthropic_chat_response.json")),
                         [](const auto& info) { return testing::testName(info.param); });

// ---- errors ---------------------------------------------------------------------------------

TEST(AnthropicChatErrors, OverloadedIsOpenAis503AndKeepsItsType) {
  const std::vector<core::Header> headers{{"Retry-After", "7"}};
  const auto error = anthropic::ChatTranslator().translateError(
      529, headers,
      R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
  EXPECT_EQ(error.kind, core::ErrorKind::UpstreamStatus);
  EXPECT_EQ(error.upstreamStatus, 503u);
  EXPECT_EQ(error.code, "overloaded_error");
  EXPECT_EQ(error.message, "Overloaded");
  EXPECT_EQ(error.retryAfterSeconds, 7);
}

TEST(AnthropicChatErrors, OtherStatusesAreKept) {
  const auto error = anthropic::ChatTranslator().translateError(
      429, {}, R"({"type":"error","error":{"type":"rate_limit_error","message":"Slow down"}})");
  EXPECT_EQ(error.upstreamStatus, 429u);
  EXPECT_EQ(error.code, "rate_limit_error");
  const auto google = anthropic::ChatTranslator().translateError(
      404, {},
      R"({"error":{"code":404,"message":"Publisher model not found","status":"NOT_FOUND"}})");
  EXPECT_EQ(google.upstreamStatus, 404u);
}

// ---- streams --------------------------------------------------------------------------------

std::vector<std::string> eventsOf(const json::object& data) {
  std::vector<std::string> events;
  for (const auto& event : data.at("events").as_array())
    events.push_back(event.is_string() ? std::string(event.get_string()) : json::serialize(event));
  return events;
}

std::unique_ptr<SseStreamTranslator> streamTranslator(const json::object& data) {
  static const json::object body{{"model", "m"}, {"stream", true}};
  const auto* flag = data.if_contains("include_usage");
  const ApiRequest request{.body = &body,
                           .model = "m",
                           .stream = true,
                           .includeUsage = flag && flag->as_bool(),
                           .query = {}};
  const BackendTarget target{"claude-sonnet-4-5", "proj-1", "us-east5", {}, {}};
  return anthropic::makeStreamTranslator(request, target, ResponseContext{kNow, "req-1"});
}

// Claude's SSE: an `event:` line naming the type, then the data, a blank line after each.
std::string claudeSseBody(const std::vector<std::string>& events) {
  std::string body;
  for (const auto& event : events) {
    boost::system::error_code ec;
    const auto parsed = json::parse(event, ec);
    if (!ec && parsed.is_object())
      if (const auto* type = parsed.get_object().if_contains("type"); type && type->is_string())
        body.append("event: ").append(type->get_string()).append("\n");
    for (const auto line : testing::dataLines(event))
      body.append("data: ").append(line).append("\n");
    body.append("\n");
  }
  return body;
}

std::vector<json::value> framesOf(std::string_view out, std::string& problem) {
  std::vector<json::value> frames;
  while (!out.empty()) {
    const auto end = out.find("\n\n");
    if (!out.starts_with("data: ") || end == std::string_view::npos) {
      problem = "not a `data: ...\\n\\n` frame: " + std::string(out.substr(0, 60));
      return frames;
    }
    const auto payload = out.substr(6, end - 6);
    if (payload == "[DONE]") {
      frames.emplace_back("[DONE]");
    } else {
      boost::system::error_code ec;
      auto value = json::parse(payload, ec);
      if (ec) {
        problem = "payload is not JSON: " + std::string(payload);
        return frames;
      }
      frames.push_back(std::move(value));
    }
    out.remove_prefix(end + 2);
  }
  return frames;
}

class AnthropicChatStream : public ::testing::TestWithParam<Case> {};

TEST_P(AnthropicChatStream, Translates) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const auto run = testing::runEvents(*streamTranslator(data), eventsOf(data));

  std::string problem;
  const auto frames = framesOf(run.out, problem);
  ASSERT_TRUE(problem.empty()) << problem << "\nwhole output:\n" << run.out;
  json::object header{{"id", "chatcmpl-msg_1"},
                      {"object", "chat.completion.chunk"},
                      {"created", kNow},
                      {"model", "claude-sonnet-4-5-20250929"}};
  if (const auto* custom = data.if_contains("header"))
    for (const auto& entry : custom->as_object()) header[entry.key()] = entry.value();
  json::array expected;
  for (const auto& item : data.at("expect").as_array()) {
    if (item.is_string()) {
      expected.push_back(item);
      continue;
    }
    json::object chunk = header;
    for (const auto& entry : item.as_object()) chunk[entry.key()] = entry.value();
    expected.push_back(std::move(chunk));
  }
  const json::value actual = json::array(frames.begin(), frames.end());
  EXPECT_EQ(actual, json::value(expected)) << "actual:\n"
                                           << run.out << "\nexpected:\n"
                                           << pretty(expected);
  if (const auto* expectedError = data.if_contains("error")) {
    ASSERT_TRUE(run.error.has_value()) << "expected an error";
    const auto& e = expectedError->as_object();
    EXPECT_EQ(core::kindName(run.error->kind), str(e, "kind")) << run.error->message;
    if (e.contains("status")) {
      EXPECT_EQ(run.error->upstreamStatus, e.at("status").to_number<unsigned>());
    }
    if (e.contains("code")) {
      EXPECT_EQ(run.error->code, str(e, "code"));
    }
    if (e.contains("message")) {
      EXPECT_EQ(run.error->message, str(e, "message"));
    }
  } else {
    EXPECT_FALSE(run.error.has_value()) << run.error->message;
  }
  expectUsage(data, run.usage);
}

TEST_P(AnthropicChatStream, SseBytesCutAnywhereGiveTheSame) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const auto events = eventsOf(data);
  // Data that spans lines reaches onEvent() joined with LF, as the decoder yields it.
  std::vector<std::string> decoded;
  for (const auto& event : events) decoded.push_back(testing::sseData(event));
  const auto expected = testing::runEvents(*streamTranslator(data), decoded);
  EXPECT_TRUE(testing::everyCutGives([&] { return streamTranslator(data); }, claudeSseBody(events),
                                     expected));
}

// All events of a stream folded into the one Message a non-streamed call returns.
json::object mergeEvents(const std::vector<std::string>& events) {
  json::object message;
  json::array content;
  std::vector<std::string> partial;  // each tool_use block's input text
  for (const auto& data : events) {
    const auto event = json::parse(data).as_object();
    const auto type = str(event, "type");
    if (type == "message_start") {
      message = event.at("message").as_object();
    } else if (type == "content_block_start") {
      const auto index = event.at("index").to_number<std::size_t>();
      if (content.size() <= index) content.resize(index + 1);
      partial.resize(content.size());
      content[index] = event.at("content_block");
    } else if (type == "content_block_delta") {
      auto& block = content[event.at("index").to_number<std::size_t>()].as_object();
      const auto& delta = event.at("delta").as_object();
      const auto append = [&](std::string_view key, std::string_view from) {
        block[key] = str(block, key) + str(delta, from);
      };
      const auto kind = str(delta, "type");
      if (kind == "text_delta") append("text", "text");
      if (kind == "thinking_delta") append("thinking", "thinking");
      if (kind == "signature_delta") append("signature", "signature");
      if (kind == "input_json_delta")
        partial[event.at("index").to_number<std::size_t>()] += str(delta, "partial_json");
    } else if (type == "content_block_stop") {
      const auto index = event.at("index").to_number<std::size_t>();
      auto& block = content[index].as_object();
      if (str(block, "type") == "tool_use" && !partial[index].empty())
        block["input"] = json::parse(partial[index]);
    } else if (type == "message_delta") {
      message["stop_reason"] = event.at("delta").at("stop_reason");
      auto& usage = message["usage"].as_object();
      for (const auto& entry : event.at("usage").as_object()) usage[entry.key()] = entry.value();
    }
  }
  message["content"] = std::move(content);
  return message;
}

// What a client makes of the answer: the same from chunks put back together as from the whole.
struct Assembled {
  std::string content, reasoning, finish;
  std::vector<std::string> calls;       // "id name arguments"
  std::vector<std::string> signatures;  // thinking signatures, then redacted data
  bool operator==(const Assembled&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Assembled& a) {
  os << "content=" << a.content << " reasoning=" << a.reasoning << " finish=" << a.finish;
  for (const auto& c : a.calls) os << " call=" << c;
  for (const auto& s : a.signatures) os << " sig=" << s;
  return os;
}

void addBlocks(const json::value* blocks, Assembled& a) {
  if (!blocks) return;
  for (const auto& block : blocks->as_array()) {
    const auto& b = block.as_object();
    a.signatures.push_back(str(b, "type") == "thinking" ? str(b, "signature") : str(b, "data"));
  }
}

Assembled fromChunks(std::string_view out) {
  Assembled a;
  std::string problem;
  std::vector<std::string> ids, names, arguments;
  for (const auto& frame : framesOf(out, problem)) {
    if (!frame.is_object()) continue;
    for (const auto& item : frame.at("choices").as_array()) {
      const auto& choice = item.as_object();
      const auto& delta = choice.at("delta").as_object();
      a.content += str(delta, "content");
      a.reasoning += str(delta, "reasoning_content");
      addBlocks(delta.if_contains("thinking_blocks"), a);
      if (const auto* calls = delta.if_contains("tool_calls")) {
        for (const auto& piece : calls->as_array()) {
          const auto& p = piece.as_object();
          const auto k = p.at("index").to_number<std::size_t>();
          if (k >= ids.size()) ids.resize(k + 1), names.resize(k + 1), arguments.resize(k + 1);
          if (p.contains("id")) ids[k] = str(p, "id");
          const auto& function = p.at("function").as_object();
          if (function.contains("name")) names[k] = str(function, "name");
          arguments[k] += str(function, "arguments");
        }
      }
      if (const auto& finish = choice.at("finish_reason"); finish.is_string())
        a.finish = std::string(finish.get_string());
    }
  }
  for (std::size_t k = 0; k < ids.size(); ++k)
    a.calls.push_back(ids[k] + " " + names[k] + " " + json::serialize(json::parse(arguments[k])));
  return a;
}

Assembled fromCompletion(const json::object& completion) {
  Assembled a;
  const auto& choice = completion.at("choices").at(0).as_object();
  const auto& message = choice.at("message").as_object();
  a.content = str(message, "content");
  a.reasoning = str(message, "reasoning_content");
  a.finish = str(choice, "finish_reason");
  // The whole answer's blocks hold the text too; a stream's carry only the signature.
  addBlocks(message.if_contains("thinking_blocks"), a);
  if (const auto* calls = message.if_contains("tool_calls"))
    for (const auto& call : calls->as_array()) {
      const auto& function = call.at("function").as_object();
      a.calls.push_back(str(call.as_object(), "id") + " " + str(function, "name") + " " +
                        json::serialize(json::parse(str(function, "arguments"))));
    }
  return a;
}

TEST_P(AnthropicChatStream, AgreesWithTheWholeAnswer) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  if (data.contains("error")) GTEST_SKIP() << "the stream does not finish";
  const auto events = eventsOf(data);
  const auto run = testing::runEvents(*streamTranslator(data), events);
  ASSERT_FALSE(run.error) << run.error->message;
  const std::string whole = json::serialize(mergeEvents(events));
  const std::string_view bodies[] = {whole};
  const json::object requestBody{{"model", "m"}};
  const ApiRequest request{.body = &requestBody, .model = "m", .query = {}};
  const BackendTarget target{"claude-sonnet-4-5", "proj-1", "us-east5", {}, {}};
  const auto completion = anthropic::ChatTranslator().translateResponse(
      bodies, request, target, ResponseContext{kNow, "req-1"});
  ASSERT_TRUE(completion.has_value()) << completion.error().message << "\n" << whole;
  EXPECT_EQ(fromChunks(run.out), fromCompletion(json::parse(completion->body).as_object()))
      << "merged message: " << whole;
  EXPECT_EQ(run.usage.promptTokens, completion->usage.promptTokens);
  EXPECT_EQ(run.usage.completionTokens, completion->usage.completionTokens);
  EXPECT_EQ(run.usage.cachedTokens, completion->usage.cachedTokens);
  EXPECT_EQ(run.usage.cacheCreationTokens, completion->usage.cacheCreationTokens);
}

INSTANTIATE_TEST_SUITE_P(Cases, AnthropicChatStream,
                         ::testing::ValuesIn(testing::loadCases("anthropic_chat_stream.json")),
                         [](const auto& info) { return testing::testName(info.param); });

}  // namespace
}  // namespace switchyard::providers
