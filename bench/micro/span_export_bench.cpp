// What a traced request costs the request thread (filling a Span, handing it to the exporter) and
// what the export thread spends encoding a batch. References in the same run: filling the same span
// and dropping it, and passing it through the queue on one thread, so the differences are submit()
// alone and the cost of the span being freed on the export thread.
//   ninja -C build micro_bench && build/micro_bench --benchmark_filter='Span|Otlp'

#include <benchmark/benchmark.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>
#include <vector>

#include "allocation_counter.hpp"
#include "inputs.hpp"
#include "telemetry/otlp_encoder.hpp"
#include "telemetry/otlp_http_exporter.hpp"
#include "telemetry/span_queue.hpp"

namespace switchyard::bench {
namespace {

using namespace telemetry;

// The unary load benchmark's request body, as input.value; an answer-sized output.value.
const std::string& input() {
  static const std::string text = readBenchFile("micro/data/chat_small.json");
  return text;
}
const std::string kOutput(600, 'o');

// The chat span as the gateway would fill it: literal keys, a few computed ones, owned text.
Span chatSpan(IdGenerator& ids) {
  Span span = Span::root(ids);
  span.name = "chat gemini-2.5-flash";
  span.kind = SpanKind::Client;
  span.startTimeUnixNano = 1764191647000000000ULL;
  span.endTimeUnixNano = 1764191647412000000ULL;
  span.attributes.reserve(24);
  span.add("openinference.span.kind", "LLM");
  span.add("llm.system", "vertexai");
  span.add("llm.provider", "google");
  span.add("llm.model_name", std::string("gemini-2.5-flash"));
  span.add("llm.invocation_parameters",
           std::string(R"({"model":"gemini-2.5-flash","temperature":0.2,"max_tokens":256})"));
  span.add("input.value", input());
  span.add("input.mime_type", "application/json");
  span.add(std::string("llm.input_messages.0.message.role"), "system");
  span.add(std::string("llm.input_messages.0.message.content"), std::string("Answer briefly."));
  span.add(std::string("llm.input_messages.1.message.role"), "user");
  span.add(std::string("llm.input_messages.1.message.content"), input().substr(0, 150));
  span.add("output.value", kOutput);
  span.add("output.mime_type", "application/json");
  span.add(std::string("llm.output_messages.0.message.role"), "assistant");
  span.add(std::string("llm.output_messages.0.message.content"), std::string(kOutput, 0, 400));
  span.add("llm.token_count.prompt", 24);
  span.add("llm.token_count.completion", 58);
  span.add("llm.token_count.total", 82);
  span.add("gen_ai.operation.name", "chat");
  span.add("gen_ai.provider.name", "gcp.vertex_ai");
  span.add("gen_ai.request.model", std::string("gemini-2.5-flash"));
  span.add("gen_ai.response.finish_reasons", AttributeValue::StringArray{"stop"});
  span.status.code = StatusCode::Ok;
  return span;
}

std::uint16_t closedPort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor acceptor(
      ioc, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

void BM_SpanFillAndDrop(benchmark::State& state) {
  IdGenerator ids(1);
  AllocationMeter meter;
  for (auto _ : state) {
    Span span = chatSpan(ids);
    benchmark::DoNotOptimize(span);
  }
  meter.report(state);
}
BENCHMARK(BM_SpanFillAndDrop);

// The queue alone, pushed and popped on one thread: submit()'s own work without another thread
// freeing the span's memory.
void BM_SpanFillThroughQueueSameThread(benchmark::State& state) {
  IdGenerator ids(4);
  SpanQueue<Span> queue(8192);
  Span out;
  AllocationMeter meter;
  for (auto _ : state) {
    queue.tryPush(chatSpan(ids));
    queue.tryPop(out);
    out = Span();
  }
  meter.report(state);
}
BENCHMARK(BM_SpanFillThroughQueueSameThread);

// The exporter runs for real against a closed port, so its thread keeps taking batches out of the
// queue (and failing them at once) while this thread submits.
void BM_SpanFillAndSubmit(benchmark::State& state) {
  ExporterSettings settings;
  settings.endpoint = {"http://127.0.0.1", false, "127.0.0.1", closedPort(), "/v1/traces"};
  settings.exportTimeout = std::chrono::milliseconds(1);
  settings.maxQueueSize = 8192;
  OtlpHttpExporterOptions options;
  options.log = [](std::string_view) {};
  OtlpHttpExporter exporter(settings, options);
  IdGenerator ids(2);
  AllocationMeter meter;
  for (auto _ : state) exporter.submit(chatSpan(ids));
  meter.report(state);
  const auto stats = exporter.stats();
  state.counters["queue_full/op"] = benchmark::Counter(
      static_cast<double>(stats.spansDroppedQueueFull), benchmark::Counter::kAvgIterations);
  exporter.shutdown(std::chrono::steady_clock::now());
}
BENCHMARK(BM_SpanFillAndSubmit);

void BM_OtlpEncodeBatch(benchmark::State& state) {
  IdGenerator ids(3);
  std::vector<Span> spans;
  for (int i = 0; i < state.range(0); ++i) spans.push_back(chatSpan(ids));
  const Attributes resource = {{"service.name", "switchyard"},
                               {"telemetry.sdk.name", "switchyard"},
                               {"telemetry.sdk.language", "cpp"}};
  const InstrumentationScope scope{"switchyard", ""};
  std::string body;
  AllocationMeter meter;
  for (auto _ : state) {
    body.clear();  // the exporter reuses one buffer
    encodeExportTraceServiceRequest(resource, scope, spans, body);
    benchmark::DoNotOptimize(body.data());
  }
  meter.report(state);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["body_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_OtlpEncodeBatch)->Arg(1)->Arg(512);

}  // namespace
}  // namespace switchyard::bench
