// Translation hot paths, each on the bytes the load benchmarks send or receive: the OpenAI request
// parsed and turned into a Vertex (or OpenAI passthrough) upstream request, the recorded Vertex
// answer turned into a chat.completion, and the recorded Vertex SSE stream (its bytes, as the
// gateway feeds them) decoded and turned into chat.completion.chunk frames. Each through the
// provider's chat translator, as the gateway calls it.

#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "allocation_counter.hpp"
#include "api/endpoint_spec.hpp"
#include "api/parsed_request.hpp"
#include "inputs.hpp"
#include "providers/openai/openai_provider.hpp"
#include "providers/openai/passthrough.hpp"
#include "providers/vertex/vertex_provider.hpp"

namespace switchyard::bench {
namespace {

const providers::BackendTarget kVertexTarget{"gemini-2.5-flash", "p", "us-central1", ""};
const providers::BackendTarget kOpenAiTarget{"gpt-4o-mini", "", "", "/v1"};
const providers::ResponseContext kContext{1764191647, "bench-request-id"};

const providers::Translator& chatOf(const providers::Provider& provider) {
  return *provider.translator(providers::Endpoint::ChatCompletions);
}

// Parse + buildRequest: what every attempt of a non-streamed request pays before sending.
api::EndpointMatch chatEndpoint() { return api::matchEndpoint("/v1/chat/completions"); }

void requestTranslation(benchmark::State& state, const providers::Translator& translator,
                        const providers::BackendTarget& target, const std::string& body) {
  {
    api::ParsedRequest check;
    auto parsed = check.parse(chatEndpoint(), "application/json", body);
    auto outbound = parsed ? translator.buildRequest(check.request(), target)
                           : core::Result<providers::UpstreamCalls>(parsed.error());
    if (!outbound) {
      state.SkipWithError(("input does not translate: " + outbound.error().message).c_str());
      return;
    }
  }
  AllocationMeter meter;
  for (auto _ : state) {
    api::ParsedRequest request;
    auto parsed = request.parse(chatEndpoint(), "application/json", body);
    auto outbound = translator.buildRequest(request.request(), target);
    benchmark::DoNotOptimize(parsed);
    benchmark::DoNotOptimize(outbound);
  }
  meter.report(state);
  state.SetBytesProcessed(std::int64_t(state.iterations() * body.size()));
}

void BM_VertexRequest(benchmark::State& state, const char* bodyFile) {
  requestTranslation(state, chatOf(providers::vertex::provider()), kVertexTarget,
                     readBenchFile(bodyFile));
}
BENCHMARK_CAPTURE(BM_VertexRequest, small, "micro/data/chat_small.json");
BENCHMARK_CAPTURE(BM_VertexRequest, large_tools, "micro/data/chat_large_tools.json");

void BM_OpenAiPassthroughRequest(benchmark::State& state, const char* bodyFile) {
  requestTranslation(state, chatOf(providers::openai::provider()), kOpenAiTarget,
                     readBenchFile(bodyFile));
}
BENCHMARK_CAPTURE(BM_OpenAiPassthroughRequest, small, "micro/data/chat_small.json");
BENCHMARK_CAPTURE(BM_OpenAiPassthroughRequest, large_tools, "micro/data/chat_large_tools.json");

// A Vertex answer → OpenAI chat.completion. Besides the recorded answer: a function call (read from
// the parsed document after the one-pass scan declines it) and a long answer (text escaped or not:
// per-byte costs).
void vertexResponseOf(benchmark::State& state, const std::string& upstreamBody) {
  const providers::Translator& translator = chatOf(providers::vertex::provider());
  const std::string_view bodies[] = {upstreamBody};
  api::ParsedRequest request;
  if (!request.parse(chatEndpoint(), "application/json",
                     readBenchFile("micro/data/chat_small.json")) ||
      !translator.translateResponse(bodies, request.request(), kVertexTarget, kContext)) {
    state.SkipWithError("answer does not translate");
    return;
  }
  AllocationMeter meter;
  for (auto _ : state) {
    auto translated =
        translator.translateResponse(bodies, request.request(), kVertexTarget, kContext);
    benchmark::DoNotOptimize(translated);
  }
  meter.report(state);
  state.SetBytesProcessed(std::int64_t(state.iterations() * upstreamBody.size()));
}

// The recorded generateContent answer the canned upstream serves → OpenAI chat.completion.
void BM_VertexResponse(benchmark::State& state) {
  vertexResponseOf(state, readBenchFile("canned-upstream/generate.json"));
}
BENCHMARK(BM_VertexResponse);

void BM_VertexResponseToolCall(benchmark::State& state) {
  vertexResponseOf(
      state,
      R"({"candidates":[{"content":{"role":"model","parts":[{"text":"Checking the weather."},)"
      R"({"functionCall":{"name":"get_weather","args":{"city":"Paris","unit":"celsius"}}}]},)"
      R"("finishReason":"STOP","avgLogprobs":-0.21}],"usageMetadata":{"promptTokenCount":24,)"
      R"("candidatesTokenCount":58,"totalTokenCount":82,"trafficType":"ON_DEMAND"},)"
      R"("modelVersion":"gemini-2.5-flash","createTime":"2025-11-26T21:14:07.481203Z",)"
      R"("responseId":"f1wnaeOlHbq-2PgP1Je38Qk"})");
}
BENCHMARK(BM_VertexResponseToolCall);

void BM_VertexResponseLong(benchmark::State& state, bool escaped) {
  const std::string sentence = escaped ? R"(A line with \"quotes\" and caf\u00e9.\n)"
                                       : "A plain sentence of an answer, nothing to escape. ";
  std::string text;
  while (text.size() < 256 * 1024) text += sentence;
  vertexResponseOf(state, R"({"candidates":[{"content":{"role":"model","parts":[{"text":")" + text +
                              R"("}]},"finishReason":"STOP"}],"modelVersion":"m"})");
}
BENCHMARK_CAPTURE(BM_VertexResponseLong, plain_256k, false);
BENCHMARK_CAPTURE(BM_VertexResponseLong, escaped_256k, true);

// An OpenAI-schema answer, relayed as is and read for its model and usage: by the one-pass scan
// (what the provider does) and, as the reference in the same run, by the document reader it
// replaced. The recorded chat.completion, and an embeddings answer of 16 vectors of 1,536 numbers.
std::string embeddingsAnswer() {
  std::string body = R"({"object":"list","data":[)";
  for (int vector = 0; vector < 16; ++vector) {
    body += vector ? "," : "";
    body += R"({"object":"embedding","index":)" + std::to_string(vector) + R"(,"embedding":[)";
    for (int i = 0; i < 1536; ++i)
      body +=
          (i ? "," : "") + std::to_string(-0.0123456 + 0.0000127 * ((i * 7919 + vector) % 2003));
    body += "]}";
  }
  return body +
         R"(],"model":"text-embedding-3-small","usage":{"prompt_tokens":96,"total_tokens":96}})";
}

template <class Read>
void openAiAnswerOf(benchmark::State& state, const std::string& upstreamBody, Read read) {
  if (!read(upstreamBody, kOpenAiTarget)) {
    state.SkipWithError("answer is not read");
    return;
  }
  AllocationMeter meter;
  for (auto _ : state) {
    auto translated = read(upstreamBody, kOpenAiTarget);
    benchmark::DoNotOptimize(translated);
  }
  meter.report(state);
  state.SetBytesProcessed(std::int64_t(state.iterations() * upstreamBody.size()));
}

void BM_OpenAiAnswer(benchmark::State& state, bool scan, bool embeddings) {
  const std::string body =
      embeddings ? embeddingsAnswer() : readBenchFile("canned-upstream/chat.json");
  if (scan)
    openAiAnswerOf(state, body, providers::openai::passthroughResponse);
  else
    openAiAnswerOf(state, body, providers::openai::passthroughResponseFromDocument);
}
BENCHMARK_CAPTURE(BM_OpenAiAnswer, chat_scan, true, false);
BENCHMARK_CAPTURE(BM_OpenAiAnswer, chat_document, false, false);
BENCHMARK_CAPTURE(BM_OpenAiAnswer, embeddings_scan, true, true);
BENCHMARK_CAPTURE(BM_OpenAiAnswer, embeddings_document, false, true);

// The recorded streamGenerateContent body (7 CRLF-framed events, all at once as the canned upstream
// sends it): SSE decoding, per-event translation and chunk encoding, then the closing frames. The
// output buffer is reused, as a session reuses its write buffer.
void BM_VertexStream(benchmark::State& state) {
  const providers::Translator& translator = chatOf(providers::vertex::provider());
  const std::string upstreamBody = readBenchFile("canned-upstream/stream.sse");
  api::ParsedRequest request;
  if (!request.parse(
          chatEndpoint(), "application/json",
          R"({"model":"gemini-2.5-flash","stream":true,"stream_options":{"include_usage":true},)"
          R"("messages":[{"role":"user","content":"Explain what an AI gateway does."}]})")) {
    state.SkipWithError("stream request does not parse");
    return;
  }
  std::string out;
  auto translateAll = [&]() {
    out.clear();
    auto stream = translator.newStreamTranslator(request.request(), kVertexTarget, kContext);
    return stream->onBytes(upstreamBody, out) && stream->finish(out);
  };
  if (!translateAll() || out.find("data: [DONE]") == std::string::npos) {
    state.SkipWithError("recorded stream does not translate");
    return;
  }
  AllocationMeter meter;
  for (auto _ : state) {
    benchmark::DoNotOptimize(translateAll());
  }
  meter.report(state);
  state.SetBytesProcessed(std::int64_t(state.iterations() * upstreamBody.size()));
}
BENCHMARK(BM_VertexStream);

}  // namespace
}  // namespace switchyard::bench
