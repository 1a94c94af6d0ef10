#include "telemetry/otlp_http_exporter.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstdio>
#include <future>
#include <random>
#include <thread>
#include <vector>

#include "net/dns_cache.hpp"
#include "net/upstream_client.hpp"
#include "telemetry/export_response.hpp"
#include "telemetry/span_queue.hpp"

namespace switchyard::telemetry {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr std::uint64_t kMaxResponseBody = 4 << 20;  // OTLP: clients should cap responses at 4 MiB
constexpr milliseconds kProducerPause{1};

void logToStderr(std::string_view line) {
  std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
}

net::UpstreamTarget targetOf(const ExporterSettings& settings) {
  net::UpstreamTarget target;
  target.host = settings.endpoint.host;
  target.port = settings.endpoint.port;
  if (settings.endpoint.tls) target.tls = net::TlsSettings{settings.endpoint.host, settings.caPem};
  return target;
}

core::OutboundRequest requestOf(const ExporterSettings& settings) {
  core::OutboundRequest request;
  request.method = "POST";
  request.target = settings.endpoint.target;
  request.headers.push_back({"User-Agent", "switchyard"});
  for (const auto& header : settings.headers)
    core::setHeader(request.headers, header.name, header.value);
  // Exactly this value: Phoenix answers 415 to anything else, parameters included
  // (docs/spec/wire.md §4.5).
  core::setHeader(request.headers, "Content-Type", "application/x-protobuf");
  return request;
}

struct Counter {
  std::atomic<std::uint64_t> value{0};
  void add(std::uint64_t n) { value.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
};

}  // namespace

struct OtlpHttpExporter::Impl {
  Impl(ExporterSettings s, OtlpHttpExporterOptions o)
      : settings(std::move(s)),
        options(std::move(o)),
        batchSize(std::max<std::size_t>(1, settings.maxExportBatchSize)),
        queue(settings.maxQueueSize),
        target(targetOf(settings)),
        request(requestOf(settings)),
        client(ioc.get_executor(), std::make_shared<net::DnsCache>(),
               net::UpstreamClientOptions{.bodyLimit = kMaxResponseBody}),
        random(std::random_device{}()) {
    if (!options.log) options.log = logToStderr;
  }

  asio::awaitable<void> run();
  asio::awaitable<void> exportBatch(std::vector<Span>& batch);
  asio::awaitable<void> pause(milliseconds delay);
  milliseconds backoff(int retry);
  void collect(std::vector<Span>& batch);
  void batchFailed(std::size_t spans, const std::string& reason);
  void batchSucceeded();
  SteadyClock::time_point stopDeadline() const {
    return SteadyClock::time_point(SteadyClock::duration(stopAt.load(std::memory_order_acquire)));
  }

  const ExporterSettings settings;
  OtlpHttpExporterOptions options;
  const std::size_t batchSize;
  SpanQueue<Span> queue;
  const net::UpstreamTarget target;
  core::OutboundRequest request;  // headers fixed; the body is re-encoded into it per batch

  // The export thread's own. Declared before the client, whose sockets it serves.
  asio::io_context ioc{1};
  asio::steady_timer wakeTimer{ioc};   // the schedule delay; a full batch or shutdown ends it early
  asio::steady_timer pauseTimer{ioc};  // retry back-off; shutdown ends it early
  net::UpstreamClient client;
  std::minstd_rand random;
  bool healthy = true;
  std::uint64_t failedBatches = 0;
  std::size_t inFlight = 0;  // spans of the batch being exported

  std::atomic<bool> wakePending{false};
  std::atomic<bool> stopping{false};
  std::atomic<SteadyClock::rep> stopAt{SteadyClock::time_point::max().time_since_epoch().count()};

  Counter exported, droppedQueueFull, droppedExportFailed, droppedRejected, droppedShutdown;
  Counter lateSubmits;  // after shutdown began: never queued
  Counter requestsSuccess, requestsRetryable, requestsFailed, requestsTransport;

  std::promise<void> finished;
  std::thread thread;
  bool shutDown = false;
};

void OtlpHttpExporter::Impl::collect(std::vector<Span>& batch) {
  Span span;
  while (batch.size() < batchSize && queue.tryPop(span)) batch.push_back(std::move(span));
}

asio::awaitable<void> OtlpHttpExporter::Impl::pause(milliseconds delay) {
  pauseTimer.expires_after(delay);
  boost::system::error_code ec;
  co_await pauseTimer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

milliseconds OtlpHttpExporter::Impl::backoff(int retry) {
  auto delay = options.initialBackoff;
  for (int i = 0; i < retry && delay < options.maxBackoff; ++i) delay *= 2;
  delay = std::min(delay, options.maxBackoff);
  // Jitter in [50%, 100%], so exporters restarted together do not retry in step.
  std::uniform_int_distribution<milliseconds::rep> jitter(delay.count() / 2, delay.count());
  return milliseconds(jitter(random));
}

void OtlpHttpExporter::Impl::batchFailed(std::size_t spans, const std::string& reason) {
  droppedExportFailed.add(spans);
  ++failedBatches;
  if (!healthy) return;
  healthy = false;
  options.log("telemetry: trace export to " + settings.endpoint.url + " failing (" + reason +
              "); dropping spans until it recovers");
}

void OtlpHttpExporter::Impl::batchSucceeded() {
  if (healthy) return;
  healthy = true;
  options.log("telemetry: trace export to " + settings.endpoint.url + " recovered after " +
              std::to_string(failedBatches) + " failed batch(es)");
  failedBatches = 0;
}

asio::awaitable<void> OtlpHttpExporter::Impl::exportBatch(std::vector<Span>& batch) {
  request.body.clear();
  encodeExportTraceServiceRequest(settings.resource, options.scope, batch, request.body);
  const std::size_t count = batch.size();
  batch.clear();  // the spans' memory goes back now, not after the network wait
  inFlight = count;
  const auto batchDeadline = SteadyClock::now() + settings.exportTimeout;

  std::string failure = "export timeout";
  for (int retry = 0;; ++retry) {
    const auto deadline = std::min(batchDeadline, stopDeadline());  // shutdown may move it closer
    const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
    if (remaining <= milliseconds::zero()) break;
    const auto timeout = std::min(settings.requestTimeout, remaining);
    auto response = co_await client.send(target, request, timeout);

    std::optional<milliseconds> wait;
    if (response) {
      switch (verdictForStatus(response->status)) {
        case ExportVerdict::Success: {
          requestsSuccess.add(1);
          const auto rejected = std::min<std::uint64_t>(
              count, static_cast<std::uint64_t>(rejectedSpans(response->body)));
          exported.add(count - rejected);
          droppedRejected.add(rejected);
          inFlight = 0;
          batchSucceeded();
          co_return;
        }
        case ExportVerdict::Retry:
          requestsRetryable.add(1);
          failure = "HTTP " + std::to_string(response->status);
          wait = parseRetryAfter(response->header("retry-after"), std::chrono::system_clock::now());
          break;
        case ExportVerdict::Drop:
          requestsFailed.add(1);
          inFlight = 0;
          batchFailed(count, "HTTP " + std::to_string(response->status) + ", not retryable");
          co_return;
      }
    } else {
      requestsTransport.add(1);
      failure = response.error().message;
      // A certificate that does not verify will not verify on the next try either.
      if (response.error().kind == core::ErrorKind::UpstreamTls) break;
    }
    if (!wait) wait = backoff(retry);
    if (SteadyClock::now() + *wait >= deadline) break;  // the answer would come too late anyway
    co_await pause(*wait);
  }
  inFlight = 0;
  batchFailed(count, failure);
}

asio::awaitable<void> OtlpHttpExporter::Impl::run() {
  std::vector<Span> batch;
  batch.reserve(batchSize);
  for (;;) {
    // Pairs with submit(): a producer that fills a batch after this check sees the flag clear and
    // wakes the timer; one that filled it before is seen here (both sides sequentially consistent).
    wakePending.store(false, std::memory_order_seq_cst);
    const bool fullBatchWaiting = queue.size() >= batchSize;
    if (!fullBatchWaiting && !stopping.load(std::memory_order_seq_cst)) {
      if (options.onIdle) options.onIdle();
      wakeTimer.expires_after(settings.scheduleDelay);
      boost::system::error_code ec;
      co_await wakeTimer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    const bool stop = stopping.load(std::memory_order_seq_cst);
    if (stop && SteadyClock::now() >= stopDeadline()) co_return;
    collect(batch);
    if (!batch.empty()) {
      co_await exportBatch(batch);
    } else if (stop && queue.size() == 0) {
      co_return;
    } else if (stop || fullBatchWaiting) {
      co_await pause(kProducerPause);  // a producer has claimed a slot and is still filling it
    }
  }
}

OtlpHttpExporter::OtlpHttpExporter(ExporterSettings settings, OtlpHttpExporterOptions options)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(options))) {
  Impl& s = *impl_;
  asio::co_spawn(s.ioc, s.run(), [&s](std::exception_ptr error) {
    if (error) s.options.log("telemetry: trace exporter stopped on an internal error");
  });
  s.thread = std::thread([&s] {
    s.ioc.run();
    s.finished.set_value();
  });
}

OtlpHttpExporter::~OtlpHttpExporter() {
  if (!impl_->shutDown) shutdown(SteadyClock::now());
}

void OtlpHttpExporter::submit(Span&& span) {
  Impl& s = *impl_;
  if (s.stopping.load(std::memory_order_relaxed)) {
    s.lateSubmits.add(1);
    return;
  }
  if (!s.queue.tryPush(std::move(span))) {
    s.droppedQueueFull.add(1);
    return;
  }
  // Wake the exporter once per full batch; everyone else only reads the flag.
  if (s.queue.size() >= s.batchSize && !s.wakePending.load(std::memory_order_seq_cst) &&
      !s.wakePending.exchange(true, std::memory_order_seq_cst)) {
    asio::post(s.ioc, [&s] { s.wakeTimer.cancel(); });
  }
}

bool OtlpHttpExporter::shutdown(SteadyClock::time_point deadline) {
  Impl& s = *impl_;
  if (s.shutDown) return false;
  s.shutDown = true;
  const std::uint64_t failedBefore = s.droppedExportFailed.get() + s.droppedRejected.get();
  s.stopAt.store(deadline.time_since_epoch().count(), std::memory_order_release);
  s.stopping.store(true, std::memory_order_seq_cst);
  asio::post(s.ioc, [&s] {
    s.wakeTimer.cancel();
    s.pauseTimer.cancel();
  });

  // Every wait of the export thread ends by the deadline; stopping the io_context is the backstop.
  if (s.finished.get_future().wait_until(deadline) != std::future_status::ready) s.ioc.stop();
  s.thread.join();

  std::uint64_t left = s.inFlight;
  Span span;
  while (s.queue.tryPop(span)) ++left;
  s.droppedShutdown.add(left);
  return left == 0 && s.droppedExportFailed.get() + s.droppedRejected.get() == failedBefore;
}

ExportStats OtlpHttpExporter::stats() const {
  const Impl& s = *impl_;
  ExportStats stats;
  stats.spansDroppedQueueFull = s.droppedQueueFull.get();
  stats.spansSubmitted = s.queue.pushed() + stats.spansDroppedQueueFull + s.lateSubmits.get();
  stats.spansExported = s.exported.get();
  stats.spansDroppedExportFailed = s.droppedExportFailed.get();
  stats.spansDroppedRejected = s.droppedRejected.get();
  stats.spansDroppedShutdown = s.droppedShutdown.get() + s.lateSubmits.get();
  stats.exportRequestsSuccess = s.requestsSuccess.get();
  stats.exportRequestsRetryableStatus = s.requestsRetryable.get();
  stats.exportRequestsFailedStatus = s.requestsFailed.get();
  stats.exportRequestsTransportError = s.requestsTransport.get();
  return stats;
}

}  // namespace switchyard::telemetry
