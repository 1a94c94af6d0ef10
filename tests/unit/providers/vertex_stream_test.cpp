// Vertex stream translation: cases/vertex_stream.json (the data of recorded-shape SSE events in,
// the client's frames out). An event is a JSON value (serialized) or a string (sent as is, for
// malformed data). Expected chunks list what varies; "id", "object", "created" and "model" are
// filled in from the case's "header" (defaults below), so every chunk is checked to carry the same
// values. "[DONE]" stands for the `data: [DONE]` frame. Tool-call ids use "{{call:...}}"
// (case_files.hpp). A second test checks, for every stream that finishes, that the deltas put back
// together equal the non-streamed translation of the same answer; a third, that the same events
// sent as the upstream's SSE bytes, cut anywhere, give what they give event by event.

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <map>
#include <optional>

#include "case_files.hpp"
#include "core/error.hpp"
#include "providers/vertex/chat_translator.hpp"
#include "providers/vertex/stream_translator.hpp"
#include "stream_runs.hpp"

namespace switchyard::providers {
namespace {

namespace json = boost::json;
using testing::Case;
using testing::pretty;
using testing::resolveIds;
using testing::str;
using testing::StreamRun;

constexpr std::string_view kDefaultRequestId = "req-1";
constexpr std::int64_t kDefaultNow = 1700000000;

struct CaseSetup {
  std::string requestId;
  std::int64_t now = kDefaultNow;
  std::string targetModel;
  bool includeUsage = false;
};

CaseSetup setupOf(const json::object& data) {
  const auto context = data.contains("context") ? data.at("context").as_object() : json::object{};
  CaseSetup setup;
  setup.requestId = str(context, "request_id", std::string(kDefaultRequestId));
  if (context.contains("now")) setup.now = context.at("now").to_number<std::int64_t>();
  setup.targetModel = str(data, "target_model", "gemini-2.5-flash");
  if (const auto* flag = data.if_contains("include_usage")) setup.includeUsage = flag->as_bool();
  return setup;
}

std::string eventData(const json::value& event) {
  return event.is_string() ? std::string(event.get_string()) : json::serialize(event);
}

std::vector<std::string> eventsOf(const json::object& data) {
  std::vector<std::string> events;
  for (const auto& event : data.at("events").as_array()) events.push_back(eventData(event));
  return events;
}

std::unique_ptr<SseStreamTranslator> translatorFor(const CaseSetup& setup) {
  const json::object body{{"model", "m"}, {"stream", true}};
  const ApiRequest request{
      .body = &body, .model = "m", .stream = true, .includeUsage = setup.includeUsage};
  const BackendTarget target{setup.targetModel, "proj-1", "us-central1", {}};
  const ResponseContext context{setup.now, setup.requestId};
  return vertex::makeStreamTranslator(request, target, context);
}

StreamRun runStream(const json::object& data, const CaseSetup& setup) {
  return testing::runEvents(*translatorFor(setup), eventsOf(data));
}

// Splits `out` into `data: <one line>\n\n` frames and parses each payload ("[DONE]" kept as a
// string). Any other byte layout is reported in `problem`.
std::vector<json::value> splitFrames(std::string_view out, std::string& problem) {
  std::vector<json::value> frames;
  while (!out.empty()) {
    if (!out.starts_with("data: ")) {
      problem = "frame does not start with `data: `: " + std::string(out.substr(0, 40));
      return frames;
    }
    const auto end = out.find("\n\n");
    if (end == std::string_view::npos) {
      problem = "frame not ended by a blank line";
      return frames;
    }
    const auto payload = out.substr(6, end - 6);
    if (payload.find_first_of("\r\n") != std::string_view::npos) {
      problem = "payload spans lines: " + std::string(payload);
      return frames;
    }
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

json::object headerOf(const json::object& data) {
  json::object header{{"id", "chatcmpl-resp-1"},
                      {"object", "chat.completion.chunk"},
                      {"created", 1752272144},
                      {"model", "gemini-2.5-flash-001"}};
  if (const auto* custom = data.if_contains("header"))
    for (const auto& entry : custom->as_object()) header[entry.key()] = entry.value();
  return header;
}

class VertexStream : public ::testing::TestWithParam<Case> {};

TEST_P(VertexStream, Translates) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const auto setup = setupOf(data);
  const auto run = runStream(data, setup);

  std::string problem;
  const auto frames = splitFrames(run.out, problem);
  ASSERT_TRUE(problem.empty()) << problem << "\nwhole output:\n" << run.out;

  json::array expected;
  const auto header = headerOf(data);
  for (const auto& item : data.at("expect").as_array()) {
    if (item.is_string()) {
      expected.push_back(item);
      continue;
    }
    json::object chunk = header;
    for (const auto& entry : item.as_object()) chunk[entry.key()] = entry.value();
    expected.push_back(std::move(chunk));
  }
  json::value expectedValue = std::move(expected);
  resolveIds(expectedValue, setup.requestId);
  const json::value actual = json::array(frames.begin(), frames.end());
  EXPECT_EQ(actual, expectedValue) << "actual:\n"
                                   << run.out << "\nexpected:\n"
                                   << pretty(expectedValue);

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
  if (const auto* model = data.if_contains("expect_model")) {
    EXPECT_EQ(run.model, std::string(model->as_string()));
  }
  if (const auto* usage = data.if_contains("expect_usage")) {
    const auto& u = usage->as_object();
    EXPECT_EQ(run.usage.promptTokens, u.at("prompt").to_number<std::int64_t>());
    EXPECT_EQ(run.usage.completionTokens, u.at("completion").to_number<std::int64_t>());
    EXPECT_EQ(run.usage.totalTokens, u.at("total").to_number<std::int64_t>());
    EXPECT_EQ(run.usage.cachedTokens, u.at("cached").to_number<std::int64_t>());
    EXPECT_EQ(run.usage.reasoningTokens, u.at("reasoning").to_number<std::int64_t>());
  }
}

// All events of a stream folded into the one GenerateContentResponse a non-streamed call returns:
// parts appended per candidate, the last finishReason, the last usage with counts, the first
// event's metadata and prompt feedback.
json::object mergeEvents(const json::array& events) {
  json::object merged;
  std::map<std::int64_t, json::object> candidates;
  bool first = true;
  for (const auto& event : events) {
    const auto& object = event.as_object();
    if (first) {
      for (const auto* key : {"modelVersion", "createTime", "responseId"})
        if (const auto* value = object.if_contains(key)) merged[key] = *value;
      first = false;
    }
    if (const auto* feedback = object.if_contains("promptFeedback");
        feedback && !merged.contains("promptFeedback"))
      merged["promptFeedback"] = *feedback;
    if (const auto* usage = object.if_contains("usageMetadata")) {
      const auto& u = usage->as_object();
      if (u.size() > 1 || !u.contains("trafficType")) merged["usageMetadata"] = u;
    }
    const auto* list = object.if_contains("candidates");
    if (!list) continue;
    for (const auto& item : list->as_array()) {
      const auto& candidate = item.as_object();
      const auto index =
          candidate.contains("index") ? candidate.at("index").to_number<std::int64_t>() : 0;
      auto& target = candidates[index];
      target["index"] = index;
      if (const auto* content = candidate.if_contains("content")) {
        auto& merged = target["content"];
        if (!merged.is_object()) merged = json::object{{"role", "model"}, {"parts", json::array{}}};
        auto& parts = merged.as_object()["parts"].as_array();
        for (const auto& part : content->at("parts").as_array()) parts.push_back(part);
      }
      if (const auto* reason = candidate.if_contains("finishReason"))
        target["finishReason"] = *reason;
      if (const auto* ratings = candidate.if_contains("safetyRatings"))
        target["safetyRatings"] = *ratings;  // the latest ratings stand
    }
  }
  if (!candidates.empty()) {
    json::array list;
    for (auto& [index, candidate] : candidates) list.push_back(std::move(candidate));
    merged["candidates"] = std::move(list);
  }
  return merged;
}

// The chunks of one stream put back together as chat.completion choices (logprobs left out).
std::map<std::int64_t, json::object> reassemble(const std::vector<json::value>& frames) {
  struct Parts {
    std::string content, reasoning, refusal;
    bool hasRefusal = false;
    json::array toolCalls;
    json::array thinkingBlocks;
    json::value safetyRatings;
    json::value finish;
  };
  std::map<std::int64_t, Parts> parts;
  for (const auto& frame : frames) {
    if (!frame.is_object()) continue;
    for (const auto& item : frame.at("choices").as_array()) {
      const auto& choice = item.as_object();
      auto& p = parts[choice.at("index").to_number<std::int64_t>()];
      const auto& delta = choice.at("delta").as_object();
      if (const auto* text = delta.if_contains("content"); text && text->is_string())
        p.content += std::string(text->get_string());
      if (const auto* text = delta.if_contains("reasoning_content"))
        p.reasoning += std::string(text->as_string());
      if (const auto* text = delta.if_contains("refusal"); text && text->is_string()) {
        p.refusal += std::string(text->get_string());
        p.hasRefusal = true;
      }
      if (const auto* calls = delta.if_contains("tool_calls")) {
        for (const auto& fragment : calls->as_array()) {
          const auto& f = fragment.as_object();
          const auto k = f.at("index").to_number<std::size_t>();
          if (k == p.toolCalls.size()) {
            p.toolCalls.push_back(json::object{
                {"id", f.at("id")}, {"type", f.at("type")}, {"function", f.at("function")}});
          } else {
            auto& arguments = p.toolCalls.at(k).as_object()["function"].as_object()["arguments"];
            arguments = std::string(arguments.as_string()) +
                        std::string(f.at("function").at("arguments").as_string());
          }
        }
      }
      if (const auto* blocks = delta.if_contains("thinking_blocks"))
        for (const auto& block : blocks->as_array()) p.thinkingBlocks.push_back(block);
      if (const auto* ratings = delta.if_contains("safety_ratings")) p.safetyRatings = *ratings;
      if (!choice.at("finish_reason").is_null()) p.finish = choice.at("finish_reason");
    }
  }
  std::map<std::int64_t, json::object> choices;
  for (auto& [index, p] : parts) {
    json::object message{{"role", "assistant"}};
    message["content"] = p.content.empty() ? json::value() : json::value(p.content);
    if (!p.reasoning.empty()) message["reasoning_content"] = p.reasoning;
    // A client puts the streamed reasoning into the first thinking block, as the whole answer has
    // it.
    if (!p.thinkingBlocks.empty()) {
      p.thinkingBlocks[0].as_object()["thinking"] = p.reasoning;
      message["thinking_blocks"] = p.thinkingBlocks;
    }
    message["refusal"] = p.hasRefusal ? json::value(p.refusal) : json::value();
    if (!p.toolCalls.empty()) message["tool_calls"] = p.toolCalls;
    if (!p.safetyRatings.is_null()) message["safety_ratings"] = p.safetyRatings;
    choices[index] =
        json::object{{"index", index}, {"message", message}, {"finish_reason", p.finish}};
  }
  return choices;
}

// The cases whose stream finishes and is one answer (not "compare_non_streamed": false).
std::vector<Case> finishingCases() {
  std::vector<Case> cases;
  for (auto& c : testing::loadCases("vertex_stream.json"))
    if (!c.data.contains("error") && !c.data.contains("compare_non_streamed"))
      cases.push_back(std::move(c));
  return cases;
}

class VertexStreamAgreement : public ::testing::TestWithParam<Case> {};

TEST_P(VertexStreamAgreement, DeltasAddUpToTheNonStreamedAnswer) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const auto setup = setupOf(data);
  const auto run = runStream(data, setup);
  ASSERT_FALSE(run.error.has_value()) << run.error->message;
  std::string problem;
  const auto frames = splitFrames(run.out, problem);
  ASSERT_TRUE(problem.empty()) << problem;

  const auto merged = mergeEvents(data.at("events").as_array());
  const json::object body{{"model", "m"}};
  const ApiRequest request{.body = &body, .model = "m"};
  BackendTarget target{setup.targetModel, "proj-1", "us-central1", {}};
  ResponseContext context{setup.now, setup.requestId};
  const std::string upstream = json::serialize(merged);
  const std::string_view bodies[] = {upstream};
  const auto whole = vertex::ChatTranslator().translateResponse(bodies, request, target, context);
  ASSERT_TRUE(whole.has_value()) << whole.error().message;
  const auto completion = json::parse(whole->body).as_object();

  const auto streamed = reassemble(frames);
  const auto& choices = completion.at("choices").as_array();
  ASSERT_EQ(streamed.size(), choices.size());
  for (const auto& item : choices) {
    json::object choice = item.as_object();
    choice.erase("logprobs");
    auto& message = choice["message"].as_object();
    if (message["content"] == json::value("")) message["content"] = nullptr;  // only empty parts
    const auto index = choice.at("index").to_number<std::int64_t>();
    ASSERT_TRUE(streamed.contains(index)) << "choice " << index;
    EXPECT_EQ(json::value(streamed.at(index)), json::value(choice))
        << "streamed:     " << pretty(streamed.at(index)) << "\nnon-streamed: " << pretty(choice);
  }
  const auto& firstChunk = frames.front().as_object();
  for (const auto* key : {"id", "created", "model"})
    EXPECT_EQ(firstChunk.at(key), completion.at(key)) << key;
  EXPECT_EQ(run.model, whole->responseModel);
  EXPECT_EQ(run.usage.promptTokens, whole->usage.promptTokens);
  EXPECT_EQ(run.usage.completionTokens, whole->usage.completionTokens);
  EXPECT_EQ(run.usage.totalTokens, whole->usage.totalTokens);
  EXPECT_EQ(run.usage.cachedTokens, whole->usage.cachedTokens);
  EXPECT_EQ(run.usage.reasoningTokens, whole->usage.reasoningTokens);
  if (setup.includeUsage) {
    ASSERT_GE(frames.size(), 2u);
    const auto& usageChunk = frames[frames.size() - 2].as_object();
    EXPECT_TRUE(usageChunk.at("choices").as_array().empty());
    EXPECT_EQ(usageChunk.at("usage"), completion.at("usage"));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, VertexStream,
                         ::testing::ValuesIn(testing::loadCases("vertex_stream.json")),
                         [](const auto& info) { return testing::testName(info.param); });
INSTANTIATE_TEST_SUITE_P(Cases, VertexStreamAgreement, ::testing::ValuesIn(finishingCases()),
                         [](const auto& info) { return testing::testName(info.param); });

// The same events as the upstream's SSE bytes (CRLF-framed as Vertex sends them, and LF-framed),
// cut once at every offset (inside a CRLF too) and cut between every two bytes, give the outcome
// they give event by event. An event's line breaks come back as LF (SSE joins data lines so).
class VertexStreamBytes : public ::testing::TestWithParam<Case> {};

TEST_P(VertexStreamBytes, AnyCutGivesTheEventByEventOutcome) {
  const auto& data = GetParam().data;
  ASSERT_FALSE(data.contains("load_error")) << data.at("load_error");
  const auto setup = setupOf(data);
  std::vector<std::string> events;
  for (const auto& event : eventsOf(data)) events.push_back(testing::sseData(event));
  const StreamRun expected = testing::runEvents(*translatorFor(setup), events);
  const auto make = [&setup] { return translatorFor(setup); };
  EXPECT_TRUE(testing::everyCutGives(make, testing::sseBody(events, "\r\n"), expected)) << "CRLF";
  EXPECT_TRUE(testing::everyCutGives(make, testing::sseBody(events, "\n"), expected)) << "LF";
}

INSTANTIATE_TEST_SUITE_P(Cases, VertexStreamBytes,
                         ::testing::ValuesIn(testing::loadCases("vertex_stream.json")),
                         [](const auto& info) { return testing::testName(info.param); });

constexpr std::string_view kTextEvent =
    R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]}}],"modelVersion":"gemini-2.5-flash-001"})";
constexpr std::string_view kFinishEvent =
    R"({"candidates":[{"content":{"role":"model","parts":[{"text":"!"}]},"finishReason":"STOP"}],"modelVersion":"gemini-2.5-flash-001"})";

std::string frame(std::string_view data) { return "data: " + std::string(data) + "\r\n\r\n"; }

// The decoder's limit (16 MiB of one event's data) protects memory: a longer line, or data lines
// adding up to more, fail the stream without output, whatever came before.
TEST(VertexStreamBytes, EventOverTheSizeLimitIsABadResponse) {
  const std::string line(1u << 20, 'x');
  std::string manyLines;
  for (int i = 0; i < 17; ++i) manyLines.append("data: ").append(line).append("\r\n");
  for (const std::string& oversized : {"data: " + std::string((16u << 20) + 1, 'x'), manyLines}) {
    const CaseSetup setup = setupOf(json::object{});
    const auto translator = translatorFor(setup);
    std::string out;
    ASSERT_TRUE(translator->onBytes(frame(kTextEvent), out));
    ASSERT_FALSE(out.empty());
    const std::string before = out;
    const auto result = translator->onBytes(oversized, out);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind, core::ErrorKind::UpstreamBadResponse);
    EXPECT_EQ(result.error().message, "upstream event exceeds the size limit");
    EXPECT_EQ(out, before);
  }
}

// A body that stops after a data line but before the blank line ending its event, or inside a
// line, was cut short: finish() refuses it and adds nothing. One that stops between the CR and the
// LF of the last blank line is whole.
TEST(VertexStreamBytes, BodyEndingInsideAnEventIsABadResponse) {
  const CaseSetup setup = setupOf(json::object{});
  const std::string whole = frame(kTextEvent) + frame(kFinishEvent);
  const StreamRun complete = testing::runEvents(
      *translatorFor(setup), {std::string(kTextEvent), std::string(kFinishEvent)});
  ASSERT_FALSE(complete.error) << complete.error->message;
  const std::size_t cuts[] = {whole.size() - 1};
  EXPECT_EQ(testing::describe(testing::runBytes(*translatorFor(setup), whole, cuts)),
            testing::describe(complete));
  const std::string endsInCr = whole.substr(0, whole.size() - 1);
  EXPECT_EQ(testing::describe(testing::runBytes(*translatorFor(setup), endsInCr, {})),
            testing::describe(complete));

  std::string firstFrames;  // what the first event gives, the only whole one in each cut
  ASSERT_TRUE(translatorFor(setup)->onEvent(kTextEvent, firstFrames));
  for (const std::string& cutShort :
       {whole.substr(0, whole.size() - 2), whole.substr(0, whole.size() - 10),
        frame(kTextEvent) + "data: ", frame(kTextEvent) + "data"}) {
    const auto translator = translatorFor(setup);
    std::string out;
    ASSERT_TRUE(translator->onBytes(cutShort, out)) << cutShort;
    EXPECT_EQ(out, firstFrames);
    const auto result = translator->finish(out);
    ASSERT_FALSE(result) << cutShort;
    EXPECT_EQ(result.error().kind, core::ErrorKind::UpstreamBadResponse);
    EXPECT_EQ(result.error().message, "upstream stream ended inside an event");
    EXPECT_EQ(out, firstFrames);
  }
}

// The gateway may call finish() once more, or onEvent() after a failure: the outcome is stable.
TEST(VertexStreamTranslator, ErrorsStickAndFinishIsIdempotent) {
  const json::object body{{"model", "m"}};
  const ApiRequest request{.body = &body, .model = "m", .stream = true};
  BackendTarget target{"gemini-2.5-flash", "p", "r", {}};
  ResponseContext context{1, "req"};

  auto failed = vertex::makeStreamTranslator(request, target, context);
  std::string out;
  ASSERT_FALSE(failed->onEvent("not json", out));
  EXPECT_TRUE(out.empty());
  const auto again = failed->onEvent(R"({"candidates":[{"finishReason":"STOP"}]})", out);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, core::ErrorKind::UpstreamBadResponse);
  EXPECT_FALSE(failed->finish(out));
  EXPECT_TRUE(out.empty());

  auto ok = vertex::makeStreamTranslator(request, target, context);
  ASSERT_TRUE(ok->onEvent(
      R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}]})", out));
  ASSERT_TRUE(ok->finish(out));
  const auto size = out.size();
  EXPECT_TRUE(ok->finish(out));
  EXPECT_EQ(out.size(), size);
  EXPECT_TRUE(out.ends_with("data: [DONE]\n\n"));
  EXPECT_EQ(ok->responseModel(), "gemini-2.5-flash");
}

}  // namespace
}  // namespace switchyard::providers
