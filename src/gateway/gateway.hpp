#pragma once
// The serving process put together: configuration, credentials, providers, the listener and the
// admin listener. Built once by `switchyard run` (and by the demo); owns every process-wide
// service.

#include <unistd.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "admin/admin_handler.hpp"
#include "clientauth/jwks_cache.hpp"
#include "config/loader.hpp"
#include "core/clock.hpp"
#include "gateway/credential_store.hpp"
#include "gateway/gateway_handler.hpp"
#include "gateway/log_writer.hpp"
#include "gateway/overload.hpp"
#include "gateway/quiet_heap_trim.hpp"
#include "gateway/redis_health.hpp"
#include "gateway/request_metrics.hpp"
#include "gateway/request_trace.hpp"
#include "gateway/runtime.hpp"
#include "http/server.hpp"
#include "ratelimit/local_counters.hpp"
#include "redis/redis_url.hpp"

namespace switchyard::gateway {

struct GatewayOptions {
  std::vector<std::string> configPaths;
  std::string secretsDir;
  std::string listen = "0.0.0.0:8080";
  std::string admin = "127.0.0.1:9901";  // empty = no admin listener
  int workers = 0;                       // 0 = one per core
  // Where Global rate limits are counted (--redis-url); none: in this process.
  std::optional<redis::RedisUrl> redis;
  std::function<std::optional<std::string>(std::string_view)> getenv;
  // Access-log bytes waiting for a slow stdout reader before lines are dropped (and counted).
  std::size_t accessLogQueueBytes = LogWriter::kDefaultMaxQueuedBytes;
  // SIGTERM: how long requests in flight get to finish before they are cut.
  std::chrono::milliseconds drainTimeout{30'000};
  // Requests in flight at once and heap size past which new requests are shed (0: no limit).
  OverloadLimits overload;
};

class Gateway {
 public:
  static constexpr std::size_t kErrorLogQueueBytes = 1u << 20;

  explicit Gateway(GatewayOptions options);
  ~Gateway();

  // Loads the configuration (diagnostics to stderr); false when it has errors.
  bool load();
  // Binds both listeners and starts the workers.
  void start();
  // Re-reads the manifests; on error keeps the running configuration. Returns success.
  bool reload();
  // Publishes a configuration loaded elsewhere (the Kubernetes API) the way reload() does: counted
  // in the reload metrics, and on error the running configuration is kept. The first one
  // published is the initial load (not counted); until then /readyz answers 503. The diagnostics
  // are the caller's to report.
  bool apply(const config::LoadResult& result);
  void stop(std::chrono::milliseconds drain);
  void join();
  // After join(): false when the drain time ran out with requests still running (they were cut).
  bool drainedCleanly() const;

  std::uint16_t port() const;
  std::uint16_t adminPort() const;
  const RuntimeHolder& runtime() const { return runtime_; }
  // Served on the admin /metrics; other services may add scrape-time callbacks to it.
  telemetry::MetricsRegistry& metrics() { return metrics_; }
  // Empty when ready to serve: listeners up, configuration loaded, an access token in hand.
  std::string notReadyBecause() const;

 private:
  std::optional<std::shared_ptr<const Runtime>> loadRuntime();
  std::shared_ptr<const Runtime> runtimeOf(std::shared_ptr<const config::Snapshot> snapshot);
  // Makes `runtime` the one new requests use, and its listener settings the server's.
  void publish(std::shared_ptr<const Runtime> runtime);
  void publishReload(std::shared_ptr<const Runtime> runtime);
  // Logs the credential errors `next` adds to the running configuration; true when there are any
  // (a reload is then refused). At start-up they are only logged: the backends answer 503 and
  // /readyz names them.
  bool refusedForCredentials(const Runtime& next) const;
  // Trace export from the OTEL_* / OPENINFERENCE_* environment; off when no endpoint is set.
  void startTracing();
  // One JSON line (no newline) to stderr through errorLogWriter_: never blocks.
  void logError(std::string_view line);

  GatewayOptions options_;
  core::SystemClock clock_;
  std::shared_ptr<net::DnsCache> dns_;
  CredentialStore credentials_;
  clientauth::JwksCache jwks_;  // before runtime_: the runtimes hold its sources
  route::OutlierDetector outliers_;
  ratelimit::LocalCounterStore localLimits_;
  RedisOutage redisOutage_;
  RuntimeHolder runtime_;
  // The listener's body limit and timeouts as the server reads them (set by publish()).
  std::shared_ptr<http::ClientLimits> clientLimits_ = std::make_shared<http::ClientLimits>();
  // Written through their own threads: a stuck reader of stdout or stderr never blocks a worker.
  LogWriter accessLogWriter_{STDOUT_FILENO, options_.accessLogQueueBytes};
  LogWriter errorLogWriter_{STDERR_FILENO, kErrorLogQueueBytes};
  telemetry::MetricsRegistry metrics_;  // outlives the handlers, which record into its shards
  GatewayMetrics gatewayMetrics_{metrics_};
  ReloadCounts reloads_;
  std::unique_ptr<telemetry::Exporter> spanExporter_;  // null: tracing off
  TracingServices tracing_;
  QuietHeapTrim heapTrim_{
      std::chrono::seconds(1), {}, [this](std::string_view line) { logError(line); }};
  Overload overload_{options_.overload, [this](std::string_view line) { logError(line); }};
  GatewayServices services_;
  admin::AdminViews adminViews_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::Server> adminServer_;
};

// "host:port" → endpoint; throws std::invalid_argument with a clear message.
boost::asio::ip::tcp::endpoint parseListenAddress(const std::string& text);

}  // namespace switchyard::gateway
