// What span content costs a request when tracing is on, next to work every request already does
// (the references): parsing the client's body, translating the Vertex answer, translating the
// Vertex stream. Inputs are the unary benchmark's: bench/post.lua's OpenAI body and the canned
// upstream's recorded answers (bench/canned-upstream/generate.json, stream.sse).
//   ninja -C build-openinference span_content_bench && build-openinference/span_content_bench

#include <benchmark/benchmark.h>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>

#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "providers/vertex/vertex_provider.hpp"
#include "telemetry/attribute_semconv.hpp"

namespace {

namespace json = boost::json;
using namespace switchyard;

constexpr std::string_view kRequest =
    R"({"model":"gemini-2.5-flash","messages":[{"role":"system","content":"Answer briefly."},)"
    R"({"role":"user","content":"You are a concise assistant. In two sentences, explain what an AI )"
    R"(gateway does and why it falls back to another backend when the first one fails."}],)"
    R"("temperature":0.2,"max_tokens":256})";

// SWITCHYARD_BENCH_DIR: bench/ as the build names it; else found from this file's path.
std::string cannedFile(const char* name) {
#ifdef SWITCHYARD_BENCH_DIR
  const std::string bench = SWITCHYARD_BENCH_DIR;
#else
  const std::string here = __FILE__;
  const std::string bench = here.substr(0, here.find_last_of('/')) + "/..";
#endif
  std::ifstream in(bench + "/canned-upstream/" + name);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) throw std::runtime_error(std::string("cannot read ") + name);
  return text.str();
}

struct Inputs {
  json::value request = json::parse(kRequest);
  json::object streamRequest{{"model", "gemini-2.5-flash"}, {"stream", true}};
  providers::ApiRequest chat{.body = &request.as_object(), .model = "gemini-2.5-flash"};
  providers::ApiRequest streamChat{
      .body = &streamRequest, .model = "gemini-2.5-flash", .stream = true, .includeUsage = true};
  providers::BackendTarget target{"gemini-2.5-flash", "proj-1", "us-central1", {}};
  providers::ResponseContext context{1700000000, "req-1"};
  const providers::Translator& vertex =
      *providers::vertex::provider().translator(providers::Endpoint::ChatCompletions);
  std::string upstreamBody = cannedFile("generate.json");
  std::string upstreamStream = cannedFile("stream.sse");
  std::string completion;    // what the client gets, unary
  std::string clientFrames;  // what the client gets, streamed

  Inputs() {
    completion = translateResponse().value().body;
    clientFrames = translateStream();
  }

  core::Result<providers::TranslatedResponse> translateResponse() const {
    const std::string_view bodies[] = {upstreamBody};
    return vertex.translateResponse(bodies, chat, target, context);
  }

  std::string translateStream() const {
    const auto translator = vertex.newStreamTranslator(streamChat, target, context);
    std::string out;
    (void)translator->onBytes(upstreamStream, out);
    (void)translator->finish(out);
    return out;
  }
};

const Inputs& inputs() {
  static const Inputs shared;
  return shared;
}

telemetry::AttributeSettings settingsFor(telemetry::SemanticConvention convention) {
  telemetry::AttributeSettings settings;
  settings.convention = convention;
  return settings;
}

const auto kHeaders = [](std::string_view name) -> std::string_view {
  return name == "agent-session-id" ? "session-42" : "";
};

void SpanContent_Reference_ParseRequest(benchmark::State& state) {
  std::array<unsigned char, 4096> seed;
  for (auto _ : state) {
    json::monotonic_resource arena(seed.data(), seed.size());
    auto value = json::parse(kRequest, json::storage_ptr(&arena));
    benchmark::DoNotOptimize(value);
  }
}

void SpanContent_Reference_TranslateVertexResponse(benchmark::State& state) {
  const auto& in = inputs();
  for (auto _ : state) {
    auto translated = in.translateResponse();
    benchmark::DoNotOptimize(translated);
  }
}

void SpanContent_Reference_TranslateVertexStream(benchmark::State& state) {
  const auto& in = inputs();
  for (auto _ : state) benchmark::DoNotOptimize(in.translateStream());
}

void SpanContent_RequestAttributes(benchmark::State& state,
                                   telemetry::SemanticConvention convention) {
  const auto& in = inputs();
  const auto settings = settingsFor(convention);
  const telemetry::ChatRequestView view{in.request.as_object(), kRequest, kHeaders};
  const providers::ProviderDescriptor& vertex = providers::vertex::provider().descriptor;
  for (auto _ : state) {
    telemetry::AttributeList out;
    telemetry::addChatRequestAttributes(settings, view, out);
    telemetry::addChatBackendAttributes(settings, vertex, "gemini-2.5-flash", out);
    benchmark::DoNotOptimize(out);
  }
}

void SpanContent_ResponseAttributes(benchmark::State& state,
                                    telemetry::SemanticConvention convention) {
  const auto& in = inputs();
  const auto settings = settingsFor(convention);
  for (auto _ : state) {
    telemetry::AttributeList out;
    telemetry::addChatResponseAttributes(settings, in.completion, out);
    benchmark::DoNotOptimize(out);
  }
}

void SpanContent_StreamFoldAndAttributes(benchmark::State& state,
                                         telemetry::SemanticConvention convention) {
  const auto& in = inputs();
  const auto settings = settingsFor(convention);
  for (auto _ : state) {
    telemetry::StreamFold fold;
    fold.feedFrames(in.clientFrames);
    telemetry::AttributeList out;
    telemetry::addChatStreamAttributes(settings, fold, out);
    benchmark::DoNotOptimize(out);
  }
}

using telemetry::SemanticConvention;
BENCHMARK(SpanContent_Reference_ParseRequest);
BENCHMARK(SpanContent_Reference_TranslateVertexResponse);
BENCHMARK(SpanContent_Reference_TranslateVertexStream);
BENCHMARK_CAPTURE(SpanContent_RequestAttributes, openinference, SemanticConvention::OpenInference);
BENCHMARK_CAPTURE(SpanContent_RequestAttributes, gen_ai, SemanticConvention::GenAi);
BENCHMARK_CAPTURE(SpanContent_ResponseAttributes, openinference, SemanticConvention::OpenInference);
BENCHMARK_CAPTURE(SpanContent_ResponseAttributes, gen_ai, SemanticConvention::GenAi);
BENCHMARK_CAPTURE(SpanContent_StreamFoldAndAttributes, openinference,
                  SemanticConvention::OpenInference);
BENCHMARK_CAPTURE(SpanContent_StreamFoldAndAttributes, gen_ai, SemanticConvention::GenAi);

}  // namespace
