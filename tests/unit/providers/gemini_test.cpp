// The native Gemini API on Vertex AI (GeminiTranslator, GeminiCountTokensTranslator):
// cases/gemini.json. Each case is of one kind:
// - "request": the client's raw `body` (with `stream`, `query`, `endpoint` "generate"/"count",
//   `target_model`) to the upstream call's path and exact body bytes, or `expect_error`;
// - "response": the raw `upstream` body to the answer (always verbatim), `expect_usage` as
//   [prompt, completion, total, cached, reasoning] and `expect_model`, or `expect_error`;
// - "stream": upstream `events` (each event's data) in the client's `framing` ("sse"/"array") to
//   the exact client bytes `expect_out`, usage, model and error; run event by event and as a
//   Vertex SSE body (CRLF and LF) cut at every byte, which must all agree;
// - "error": a non-2xx answer (`status`, `headers`, `body`) to the core::Error.

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/registry.hpp"
#include "providers/vertex/gemini_stream_translator.hpp"
#include "providers/vertex/gemini_translator.hpp"
#include "stream_runs.hpp"

namespace switchyard::providers {
namespace {

namespace json = boost::json;
using testing::Case;
using testing::str;

constexpr std::string_view kModel = "gemini-2.5-flash";

Endpoint endpointOf(const json::object& data) {
  return str(data, "endpoint", "generate") == "count" ? Endpoint::GeminiCountTokens
                                                      : Endpoint::GeminiGenerateContent;
}

const Translator& translatorFor(const json::object& data) {
  const Provider* provider = findProvider("GCPVertexAI");
  const Translator* translator = provider ? provider->translator(endpointOf(data)) : nullptr;
  if (!translator) {
    ADD_FAILURE() << "GCPVertexAI serves no Gemini endpoint";
    std::abort();
  }
  return *translator;
}

bool flag(const json::object& data, std::string_view key) {
  const auto* value = data.if_contains(key);
  return value && value->is_bool() && value->get_bool();
}

// Everything a case's request needs to stay alive while it is translated.
struct CaseRequest {
  json::value body;
  std::string query, targetModel;
  ApiRequest request;
  BackendTarget target;

  explicit CaseRequest(const json::object& data)
      : query(str(data, "query")), targetModel(str(data, "target_model", std::string(kModel))) {
    body = json::parse(str(data, "body", "{}"));
    request.endpoint = endpointOf(data);
    request.body = &body.as_object();
    request.model = kModel;
    request.stream = flag(data, "stream");
    request.query = query;
    target = BackendTarget{targetModel, "proj-1", "us-central1", "", {}};
  }
};

void expectError(const core::Error& actual, const json::object& expected) {
  EXPECT_EQ(core::kindName(actual.kind), str(expected, "kind")) << actual.message;
  if (expected.contains("param")) {
    EXPECT_EQ(actual.param, str(expected, "param"));
  }
  if (const auto* status = expected.if_contains("status")) {
    EXPECT_EQ(actual.upstreamStatus, status->to_number<unsigned>());
  }
  if (expected.contains("code")) {
    EXPECT_EQ(actual.code, str(expected, "code"));
  }
  if (const auto* retry = expected.if_contains("retry_after")) {
    EXPECT_EQ(actual.retryAfterSeconds, retry->to_number<int>());
  }
  if (const auto contains = str(expected, "message_contains"); !contains.empty()) {
    EXPECT_NE(actual.message.find(contains), std::string::npos) << actual.message;
  }
}

void expectUsage(const Usage& usage, const json::value& expected) {
  const auto& u = expected.as_array();
  EXPECT_EQ(usage.promptTokens, u.at(0).as_int64());
  EXPECT_EQ(usage.completionTokens, u.at(1).as_int64());
  EXPECT_EQ(usage.totalTokens, u.at(2).as_int64());
  EXPECT_EQ(usage.cachedTokens, u.at(3).as_int64());
  EXPECT_EQ(usage.reasoningTokens, u.at(4).as_int64());
}

std::vector<Case> casesOfKind(std::string_view kind) {
  std::vector<Case> out;
  for (auto& c : testing::loadCases("gemini.json"))
    if (c.name == "unreadable_file" || str(c.data, "kind") == kind) out.push_back(std::move(c));
  return out;
}

class GeminiRequest : public ::testing::TestWithParam<Case> {};

TEST_P(GeminiRequest, Builds) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  CaseRequest c(data);
  const auto calls = translatorFor(data).buildRequest(c.request, c.target);
  if (const auto* expected = data.if_contains("expect_error")) {
    ASSERT_FALSE(calls) << testing::firstBody(*calls);
    expectError(calls.error(), expected->as_object());
    return;
  }
  ASSERT_TRUE(calls) << calls.error().message;
  ASSERT_EQ(calls->size(), 1u);
  const auto& call = calls->front();
  EXPECT_EQ(call.method, "POST");
  EXPECT_EQ(call.target, str(data, "expect_path"));
  EXPECT_EQ(call.body, str(data, "expect_body"));
  // Only the content type: the client's credentials and query never reach the upstream call.
  ASSERT_EQ(call.headers.size(), 1u);
  EXPECT_EQ(call.headers[0].name, "Content-Type");
  EXPECT_EQ(call.headers[0].value, "application/json");
  EXPECT_EQ(call.target.find("key="), std::string::npos);
}

class GeminiResponse : public ::testing::TestWithParam<Case> {};

TEST_P(GeminiResponse, Answers) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  CaseRequest c(data);
  const std::string upstream = str(data, "upstream");
  const std::string_view bodies[] = {upstream};
  const auto answer = translatorFor(data).translateResponse(bodies, c.request, c.target, {});
  if (const auto* expected = data.if_contains("expect_error")) {
    ASSERT_FALSE(answer) << answer->body;
    expectError(answer.error(), expected->as_object());
    return;
  }
  ASSERT_TRUE(answer) << answer.error().message;
  EXPECT_EQ(answer->body, upstream);  // verbatim
  EXPECT_EQ(answer->responseModel, str(data, "expect_model"));
  expectUsage(answer->usage, data.at("expect_usage"));
}

std::unique_ptr<SseStreamTranslator> streamTranslatorFor(const json::object& data) {
  const BackendTarget target{kModel, "proj-1", "us-central1", "", {}};
  return vertex::makeGeminiStreamTranslator(
      str(data, "framing") == "sse" ? vertex::GeminiFraming::Sse : vertex::GeminiFraming::JsonArray,
      target);
}

std::vector<std::string> eventsOf(const json::object& data) {
  std::vector<std::string> events;
  for (const auto& event : data.at("events").as_array()) events.emplace_back(event.as_string());
  return events;
}

class GeminiStream : public ::testing::TestWithParam<Case> {};

TEST_P(GeminiStream, RelaysEventByEvent) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  auto translator = streamTranslatorFor(data);
  EXPECT_EQ(translator->contentType(), str(data, "framing") == "sse"
                                           ? "text/event-stream"
                                           : "application/json; charset=UTF-8");
  const auto run = testing::runEvents(*translator, eventsOf(data));
  EXPECT_EQ(run.out, str(data, "expect_out"));
  if (const auto* expected = data.if_contains("expect_error")) {
    ASSERT_TRUE(run.error) << run.out;
    expectError(*run.error, expected->as_object());
  } else {
    EXPECT_FALSE(run.error) << run.error->message;
  }
  EXPECT_EQ(run.model, str(data, "expect_model"));
  expectUsage(run.usage, data.at("expect_usage"));
}

TEST_P(GeminiStream, AnyCutOfTheVertexBodyGivesTheSame) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const auto events = eventsOf(data);
  const auto expected = testing::runEvents(*streamTranslatorFor(data), events);
  for (const std::string_view eol : {"\r\n", "\n"}) {
    std::vector<std::string> sent;
    for (const auto& event : events) sent.push_back(testing::sseData(event));
    // Multi-line data arrives joined with LF whatever the line ends were.
    const auto joined = testing::runEvents(*streamTranslatorFor(data), sent);
    EXPECT_TRUE(testing::everyCutGives([&] { return streamTranslatorFor(data); },
                                       testing::sseBody(events, eol), joined))
        << "line ends " << (eol.size() == 2 ? "CRLF" : "LF");
    if (events == sent) {
      EXPECT_EQ(testing::describe(joined), testing::describe(expected));
    }
  }
}

class GeminiError : public ::testing::TestWithParam<Case> {};

TEST_P(GeminiError, Classifies) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  std::vector<core::Header> headers;
  if (const auto* given = data.if_contains("headers"))
    for (const auto& h : given->as_object())
      headers.push_back({std::string(h.key()), std::string(h.value().as_string())});
  for (const Endpoint endpoint : {Endpoint::GeminiGenerateContent, Endpoint::GeminiCountTokens}) {
    const auto* translator = findProvider("GCPVertexAI")->translator(endpoint);
    ASSERT_NE(translator, nullptr);
    const auto error = translator->translateError(data.at("status").to_number<unsigned>(), headers,
                                                  str(data, "body"));
    expectError(error, data.at("expect").as_object());
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GeminiRequest, ::testing::ValuesIn(casesOfKind("request")),
                         [](const auto& info) { return testing::testName(info.param); });
INSTANTIATE_TEST_SUITE_P(Cases, GeminiResponse, ::testing::ValuesIn(casesOfKind("response")),
                         [](const auto& info) { return testing::testName(info.param); });
INSTANTIATE_TEST_SUITE_P(Cases, GeminiStream, ::testing::ValuesIn(casesOfKind("stream")),
                         [](const auto& info) { return testing::testName(info.param); });
INSTANTIATE_TEST_SUITE_P(Cases, GeminiError, ::testing::ValuesIn(casesOfKind("error")),
                         [](const auto& info) { return testing::testName(info.param); });

TEST(GeminiFraming, FromTheClientsQuery) {
  using vertex::GeminiFraming;
  using vertex::geminiFramingOf;
  EXPECT_EQ(geminiFramingOf(""), GeminiFraming::JsonArray);
  EXPECT_EQ(geminiFramingOf("alt=json"), GeminiFraming::JsonArray);
  EXPECT_EQ(geminiFramingOf("alt=sse"), GeminiFraming::Sse);
  EXPECT_EQ(geminiFramingOf("key=abc&alt=sse"), GeminiFraming::Sse);
  EXPECT_EQ(geminiFramingOf("alt=sse&key=abc"), GeminiFraming::Sse);
  EXPECT_EQ(geminiFramingOf("alt=json&alt=sse"), GeminiFraming::Sse);  // the last one given
  EXPECT_EQ(geminiFramingOf("salt=sse"), GeminiFraming::JsonArray);
  EXPECT_EQ(geminiFramingOf("alt=proto"), std::nullopt);
  EXPECT_EQ(geminiFramingOf("alt="), std::nullopt);
  EXPECT_EQ(geminiFramingOf("alt"), std::nullopt);
}

TEST(GeminiStream, CutInsideAnEventIsABadResponse) {
  auto translator = vertex::makeGeminiStreamTranslator(vertex::GeminiFraming::JsonArray,
                                                       {kModel, "p", "r", "", {}});
  std::string out;
  ASSERT_TRUE(translator->onBytes("data: {\"candidates\":[]}\r\n\r\ndata: {\"cand", out));
  EXPECT_EQ(out, "[{\"candidates\":[]}");
  const auto finished = translator->finish(out);
  ASSERT_FALSE(finished);
  EXPECT_EQ(finished.error().kind, core::ErrorKind::UpstreamBadResponse);
  EXPECT_EQ(out, "[{\"candidates\":[]}");  // no closing bracket after a cut
}

TEST(GeminiStream, NotStreamedOnCountTokens) {
  const auto* translator = findProvider("GCPVertexAI")->translator(Endpoint::GeminiCountTokens);
  ASSERT_NE(translator, nullptr);
  ApiRequest request;
  request.endpoint = Endpoint::GeminiCountTokens;
  EXPECT_EQ(translator->newStreamTranslator(request, {kModel, "p", "r", "", {}}, {}), nullptr);
}

}  // namespace
}  // namespace switchyard::providers
