#include "gateway/gateway.hpp"

#include <boost/asio/ip/address.hpp>

#include <iostream>
#include <stdexcept>
#include <thread>

#include <boost/json/serialize.hpp>

#include "core/json_writer.hpp"
#include "gateway/readiness.hpp"
#include "net/dns_cache.hpp"
#include "telemetry/otlp_http_exporter.hpp"
#include "telemetry/prometheus_text.hpp"

namespace switchyard::gateway {

boost::asio::ip::tcp::endpoint parseListenAddress(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    throw std::invalid_argument("listen address must be HOST:PORT: " + text);
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) throw std::invalid_argument("listen address must be an IP address: " + text);
  int port = -1;
  try {
    port = std::stoi(text.substr(colon + 1));
  } catch (...) {
  }
  if (port < 0 || port > 65535) throw std::invalid_argument("bad port in listen address: " + text);
  return {address, static_cast<unsigned short>(port)};
}

namespace {

// A ClientTrafficPolicy timeout of zero turns it off (as in Envoy): a year is as good as never.
std::chrono::milliseconds orNever(std::chrono::milliseconds timeout) {
  return timeout.count() == 0 ? std::chrono::hours(24 * 365) : timeout;
}

// The server's view of the listener's settings.
void setClientLimits(http::ClientLimits& limits, const config::ListenerSettings& listener) {
  limits.setBodyLimit(listener.bodyLimitBytes);
  limits.setTimeouts({.requestReceived = orNever(listener.requestReceivedTimeout),
                      .idle = orNever(listener.idleTimeout)});
}

}  // namespace

Gateway::Gateway(GatewayOptions options)
    : options_(std::move(options)),
      dns_(std::make_shared<net::DnsCache>()),
      credentials_(clock_, options_.getenv, dns_),
      jwks_(dns_) {
  setClientLimits(*clientLimits_, config::ListenerSettings{});  // until the first configuration
  services_.runtime = &runtime_;
  services_.clock = &clock_;
  services_.dns = dns_;
  services_.outliers = &outliers_;
  services_.accessLog = &accessLogWriter_;
  services_.metrics = &gatewayMetrics_;
  addProcessMetrics(metrics_, outliers_, credentials_, reloads_);
  metrics_.addCallback({"switchyard_log_dropped_lines_total",
                        "Log lines dropped because their reader (stdout: the access log, stderr: "
                        "errors) did not keep up.",
                        telemetry::MetricType::Counter,
                        {"stream"},
                        {}},
                       [this](telemetry::CallbackSink& sink) {
                         sink.add({"stdout"}, double(accessLogWriter_.droppedLines()));
                         sink.add({"stderr"}, double(errorLogWriter_.droppedLines()));
                       });
  metrics_.addCallback({"switchyard_overload_shed_requests_total",
                        "Requests answered 503 by the process's own limits, by which limit.",
                        telemetry::MetricType::Counter,
                        {"reason"},
                        {}},
                       [this](telemetry::CallbackSink& sink) {
                         sink.add({"heap"}, double(overload_.shedHeap()));
                         sink.add({"requests"}, double(overload_.shedTooManyRequests()));
                       });
  metrics_.addCallbackGauge("switchyard_heap_bytes",
                            "Heap in use, as last sampled for the heap limit (0: no limit set).",
                            [this] { return double(overload_.heapBytes()); });
  metrics_.addCallbackGauge(
      "switchyard_downstream_connections", "Client connections open now.",
      [this] { return server_ ? double(server_->connections().open()) : 0.0; });
  metrics_.addCallbackCounter(
      "switchyard_downstream_connections_refused_total",
      "Client connections closed at once: the listener's connectionLimit was reached.",
      [this] { return server_ ? double(server_->connections().refused()) : 0.0; });
  metrics_.addCallbackCounter(
      "switchyard_accept_errors_total",
      "Failed accepts of client connections (out of file descriptors, ...); each one backs off.",
      [this] { return server_ ? double(server_->acceptErrors()) : 0.0; });
  startTracing();
  services_.tracing = &tracing_;
  services_.heapTrim = &heapTrim_;
  services_.overload = &overload_;
  if (options_.redis) {
    services_.redis = &*options_.redis;
    std::string line = R"({"level":"info","msg":"Global rate limits counted in Redis","redis":")";
    core::appendJsonEscaped(line, options_.redis->redacted());
    std::cerr << line << "\"}\n";
  }
  services_.redisOutage = &redisOutage_;
  adminViews_.notReadyBecause = [this] { return notReadyBecause(); };
  adminViews_.configDump = [this] {
    const auto runtime = runtime_.current();  // null until the first configuration (kubernetes)
    return runtime ? boost::json::serialize(config::dumpSnapshot(*runtime->snapshot))
                   : std::string("{}");
  };
  adminViews_.metrics = [this] { return telemetry::renderPrometheusText(metrics_.collect()); };
}

Gateway::~Gateway() {
  stop(std::chrono::milliseconds(0));
  join();
  // The workers are gone: what they submitted gets a bounded chance to reach the collector.
  if (spanExporter_)
    spanExporter_->shutdown(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

void Gateway::logError(std::string_view line) {
  std::string batch;
  batch.reserve(line.size() + 1);
  batch.append(line).push_back('\n');
  errorLogWriter_.submit(batch);
}

void Gateway::startTracing() {
  if (!options_.getenv) return;  // an embedded gateway without an environment: no tracing
  // Settings nobody can see working are refused loudly; the gateway still serves without traces.
  auto content = telemetry::loadAttributeSettings(options_.getenv);
  if (!content) {
    std::cerr << "{\"level\":\"error\",\"msg\":\"tracing off: " << content.error() << "\"}\n";
    return;
  }
  for (const auto& warning : content->warnings)
    std::cerr << "{\"level\":\"warn\",\"msg\":\"" << warning << "\"}\n";
  auto loaded = telemetry::loadExporterSettings(options_.getenv);
  for (const auto& warning : loaded.warnings)
    std::cerr << "{\"level\":\"warn\",\"msg\":\"" << warning << "\"}\n";
  if (!loaded.settings.enabled) return;
  std::cerr << "{\"level\":\"info\",\"msg\":\"exporting traces\",\"endpoint\":\""
            << loaded.settings.endpoint.url << "\"}\n";
  auto exporter = std::make_unique<telemetry::OtlpHttpExporter>(std::move(loaded.settings));
  const auto* otlp = exporter.get();
  metrics_.addCallback({"switchyard_spans_total",
                        "Spans by what became of them: exported, or dropped and why.",
                        telemetry::MetricType::Counter,
                        {"outcome"},
                        {}},
                       [otlp](telemetry::CallbackSink& sink) {
                         const auto stats = otlp->stats();
                         sink.add({"exported"}, double(stats.spansExported));
                         sink.add({"dropped_queue_full"}, double(stats.spansDroppedQueueFull));
                         sink.add({"dropped_export_failed"},
                                  double(stats.spansDroppedExportFailed));
                         sink.add({"dropped_rejected"}, double(stats.spansDroppedRejected));
                         sink.add({"dropped_shutdown"}, double(stats.spansDroppedShutdown));
                       });
  metrics_.addCallbackCounter(
      "switchyard_spans_dropped_total",
      "Spans dropped: queue full, export failed, rejected by the collector, or "
      "still queued at shutdown.",
      [otlp] {
        const auto stats = otlp->stats();
        return double(stats.spansDroppedQueueFull + stats.spansDroppedExportFailed +
                      stats.spansDroppedRejected + stats.spansDroppedShutdown);
      });
  tracing_.attributes = std::move(content->settings);
  tracing_.exporter = exporter.get();
  spanExporter_ = std::move(exporter);
}

std::optional<std::shared_ptr<const Runtime>> Gateway::loadRuntime() {
  config::LoadOptions load;
  load.paths = options_.configPaths;
  load.secretsDir = options_.secretsDir;
  load.getenv = options_.getenv;
  auto result = config::loadSnapshot(load);
  for (const auto& d : result.diagnostics) std::cerr << d.format() << "\n";
  if (!result.ok()) return std::nullopt;
  return runtimeOf(result.snapshot);
}

std::shared_ptr<const Runtime> Gateway::runtimeOf(
    std::shared_ptr<const config::Snapshot> snapshot) {
  const bool globalInProcess = !options_.redis;
  if (globalInProcess && snapshot->hasGlobalRateLimits()) {
    std::cerr << "{\"level\":\"warn\",\"msg\":\"Global rate limits are counted per process: "
                 "no --redis-url (or SWITCHYARD_REDIS_URL) is set, so each replica enforces its "
                 "own limit\"}\n";
  }
  return buildRuntime(std::move(snapshot), credentials_, outliers_, localLimits_, globalInProcess,
                      clock_.nowSeconds(), &jwks_);
}

bool Gateway::load() {
  auto runtime = loadRuntime();
  if (!runtime) return false;
  refusedForCredentials(**runtime);  // logged; served anyway (nothing older to keep)
  publish(*runtime);
  return true;
}

bool Gateway::reload() {
  auto runtime = loadRuntime();
  if (!runtime || refusedForCredentials(**runtime)) {
    reloads_.failed.fetch_add(1, std::memory_order_relaxed);
    std::cerr
        << "{\"level\":\"error\",\"msg\":\"reload failed; keeping the running configuration\"}\n";
    return false;
  }
  publishReload(*runtime);
  return true;
}

// A reload may not break a credential that works now (or bring a new broken one): requests to its
// backends would all fail while the old configuration served them.
bool Gateway::refusedForCredentials(const Runtime& next) const {
  const auto running = runtime_.current();
  const auto added = credentialErrorsAdded(next, running.get());
  for (const auto& error : added) {
    std::string line = R"({"level":"error","msg":"credential cannot be used","error":")";
    core::appendJsonEscaped(line, error);
    std::cerr << line << "\"}\n";
  }
  return !added.empty();
}

void Gateway::publish(std::shared_ptr<const Runtime> runtime) {
  setClientLimits(*clientLimits_, runtime->snapshot->listener);
  runtime_.publish(std::move(runtime));
}

void Gateway::publishReload(std::shared_ptr<const Runtime> runtime) {
  reloads_.succeeded.fetch_add(1, std::memory_order_relaxed);
  publish(std::move(runtime));
  std::cerr << "{\"level\":\"info\",\"msg\":\"configuration reloaded\"}\n";
}

bool Gateway::apply(const config::LoadResult& result) {
  const bool initial = !runtime_.current();
  if (!result.ok()) {
    if (initial) {
      std::cerr << "{\"level\":\"error\",\"msg\":\"the configuration has errors; not ready "
                   "until it loads\"}\n";
      return false;
    }
    reloads_.failed.fetch_add(1, std::memory_order_relaxed);
    std::cerr
        << "{\"level\":\"error\",\"msg\":\"reload failed; keeping the running configuration\"}\n";
    return false;
  }
  auto runtime = runtimeOf(result.snapshot);
  if (refusedForCredentials(*runtime) && !initial) {
    reloads_.failed.fetch_add(1, std::memory_order_relaxed);
    std::cerr
        << "{\"level\":\"error\",\"msg\":\"reload failed; keeping the running configuration\"}\n";
    return false;
  }
  if (initial) {
    publish(std::move(runtime));
    std::cerr << "{\"level\":\"info\",\"msg\":\"configuration loaded\"}\n";
    return true;
  }
  publishReload(std::move(runtime));
  return true;
}

void Gateway::start() {
  http::ServerOptions options;
  options.listen = parseListenAddress(options_.listen);
  options.workers = options_.workers > 0
                        ? options_.workers
                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  options.limits = clientLimits_;  // kept in step with the configuration by publish()
  // Per connection: TLS when the configuration has an HTTPS Gateway listener, with the
  // certificate of the configuration current at accept time (a reload rotates it).
  options.currentTls = [this]() -> std::shared_ptr<boost::asio::ssl::context> {
    const auto runtime = runtime_.current();
    if (!runtime || !runtime->snapshot->listener.tls) return nullptr;
    return runtime->snapshot->listener.tls->context;
  };
  options.connectionLimit = [this] {
    const auto runtime = runtime_.current();
    return runtime ? runtime->snapshot->listener.connectionLimit : std::uint64_t{0};
  };
  if (options_.overload.maxHeapBytes > 0)
    options.acceptPaused = [this] { return overload_.heapOverLimit(); };
  options.log = [this](std::string_view line) { logError(line); };
  server_ = std::make_unique<http::Server>(options, [this](boost::asio::io_context& ioc) {
    return std::make_unique<GatewayHandler>(services_, ioc);
  });
  server_->start();
  if (!options_.admin.empty()) {
    http::ServerOptions adminOptions;
    adminOptions.listen = parseListenAddress(options_.admin);
    adminOptions.workers = 1;
    adminOptions.log = options.log;
    adminServer_ = std::make_unique<http::Server>(adminOptions, [this](boost::asio::io_context&) {
      return std::make_unique<admin::AdminHandler>(adminViews_);
    });
    adminServer_->start();
  }
}

void Gateway::stop(std::chrono::milliseconds drain) {
  if (server_) server_->stop(drain);
  if (adminServer_) adminServer_->stop(std::chrono::milliseconds(0));
}

void Gateway::join() {
  if (server_) server_->join();
  if (adminServer_) adminServer_->join();
}

bool Gateway::drainedCleanly() const { return !server_ || server_->drainedCleanly(); }

std::uint16_t Gateway::port() const { return server_ ? server_->port() : 0; }
std::uint16_t Gateway::adminPort() const { return adminServer_ ? adminServer_->port() : 0; }
std::string Gateway::notReadyBecause() const {
  if (!server_ || server_->port() == 0) return "the listener is not up";
  const auto runtime = runtime_.current();
  if (!runtime) return "no configuration loaded";
  return credentialsNotReadyBecause(*runtime);
}

}  // namespace switchyard::gateway
