#include "app/run_command.hpp"

#include <chrono>
#include <iostream>
#include <string>

#include "app/cli.hpp"
#include "app/open_file_limit.hpp"
#include "config/config_watcher.hpp"
#include "config/units.hpp"
#include "http/server.hpp"
#include "kube/config_source.hpp"
#include "kube/kube_config.hpp"
#include "redis/redis_url.hpp"

namespace switchyard::app {

namespace {

RunOptions parse(int argc, char** argv, bool allowKubernetes) {
  RunOptions run;
  gateway::GatewayOptions& options = run.gateway;
  KubernetesOptions& kube = run.kubernetes;
  bool kubeOption = false;  // --kubeconfig, --context, --namespace or --gateway given
  std::optional<std::string> redisUrl;
  options.getenv = processEnv;
  for (ArgReader args(argc, argv); args.next();) {
    const std::string& arg = args.arg();
    if (arg == "-c" || arg == "--config")
      options.configPaths.push_back(args.value());
    else if (arg == "--listen")
      options.listen = args.value();
    else if (arg == "--admin")
      options.admin = args.value();
    else if (arg == "--secrets-dir")
      options.secretsDir = args.value();
    else if (arg == "--redis-url")
      redisUrl = args.value();
    else if (arg == "--drain-timeout") {
      const auto drain = config::parseDuration(args.value());
      if (!drain) throw UsageError("--drain-timeout needs a duration such as 30s or 500ms");
      options.drainTimeout = *drain;
    } else if (arg == "--access-log-queue") {
      const auto bytes = config::parseQuantity(args.value());
      if (!bytes || *bytes == 0) throw UsageError("--access-log-queue needs a size such as 64Mi");
      options.accessLogQueueBytes = *bytes;
    } else if (arg == "--max-requests") {
      try {
        const auto n = std::stoll(args.value());
        if (n < 0) throw std::out_of_range("negative");
        options.overload.maxRequests = static_cast<std::uint64_t>(n);
      } catch (...) {
        throw UsageError("--max-requests needs a number (0: no limit)");
      }
    } else if (arg == "--max-heap") {
      const auto bytes = config::parseQuantity(args.value());
      if (!bytes) throw UsageError("--max-heap needs a size such as 2Gi (0: no limit)");
      options.overload.maxHeapBytes = *bytes;
    } else if (arg == "--workers") {
      try {
        options.workers = std::stoi(args.value());
      } catch (...) {
        throw UsageError("--workers needs a number");
      }
    } else if (allowKubernetes && arg == "--kubernetes") {
      kube.enabled = true;
    } else if (allowKubernetes && arg == "--kubeconfig") {
      kube.kubeconfig = args.value();
      kubeOption = true;
    } else if (allowKubernetes && arg == "--context") {
      kube.context = args.value();
      kubeOption = true;
    } else if (allowKubernetes && arg == "--namespace") {
      kube.namespaces.push_back(args.value());
      kubeOption = true;
    } else if (allowKubernetes && arg == "--gateway") {
      kube.gateway = kube::parseGatewayRef(args.value());
      if (!kube.gateway) throw UsageError("--gateway needs NAMESPACE/NAME");
      kubeOption = true;
    } else
      args.rejectUnknown();
  }
  // The flag, else the environment (a Deployment puts the URL, password included, in a Secret).
  if (!redisUrl) redisUrl = processEnv("SWITCHYARD_REDIS_URL");
  if (redisUrl && !redisUrl->empty()) {
    auto url = redis::RedisUrl::parse(*redisUrl);
    if (!url) throw UsageError("--redis-url: " + url.error().message);
    options.redis = std::move(*url);
  }
  if (kube.enabled) {
    if (!options.configPaths.empty())
      throw UsageError("-c and --kubernetes cannot be used together: pick one source");
    if (!options.secretsDir.empty())
      throw UsageError("--secrets-dir is for -c; with --kubernetes Secrets come from the API");
    return run;
  }
  if (kubeOption)
    throw UsageError("--kubeconfig, --context, --namespace and --gateway need --kubernetes");
  if (options.configPaths.empty()) throw UsageError("at least one -c PATH is required");
  return run;
}

// --kubeconfig, else the pod's service account.
core::Result<kube::ClusterAccess> clusterAccess(const KubernetesOptions& options) {
  if (!options.kubeconfig.empty())
    return kube::loadKubeconfig({options.kubeconfig, options.context});
  if (!options.context.empty()) {
    return core::Error::make(core::ErrorKind::Internal, "--context needs --kubeconfig");
  }
  return kube::loadInCluster();
}

// Waits for SIGINT/SIGTERM, then drains for up to `drain`. The exit code: 0 when every request
// finished in time, 1 when some were cut at the end of the drain time.
int serveUntilStopped(gateway::Gateway& gateway, std::chrono::milliseconds drain,
                      const std::function<void()>& beforeStop, std::function<void()> onReload) {
  SignalWatch signals(
      [&] {
        http::writeLogLine(R"({"level":"info","msg":"shutting down"})");
        beforeStop();
        gateway.stop(drain);
      },
      std::move(onReload));
  gateway.join();
  if (gateway.drainedCleanly()) return 0;
  http::writeLogLine(
      R"({"level":"error","msg":"drain time over: requests still running were cut"})");
  return 1;
}

void logListening(const gateway::Gateway& gateway) {
  std::cerr << "{\"level\":\"info\",\"msg\":\"switchyard listening\",\"port\":" << gateway.port()
            << ",\"admin_port\":" << gateway.adminPort() << "}\n";
}

int runFromKubernetes(RunOptions options) {
  auto access = clusterAccess(options.kubernetes);
  if (!access) {
    std::cerr << "switchyard run: --kubernetes: " << access.error().message << "\n";
    return 2;
  }
  const auto drain = options.gateway.drainTimeout;
  gateway::Gateway gateway(std::move(options.gateway));
  // Listeners first: /healthz answers and /readyz says 503 until the first sync is loaded.
  gateway.start();
  logListening(gateway);
  kube::ConfigSourceOptions sourceOptions;
  sourceOptions.access = std::move(*access);
  sourceOptions.namespaces = options.kubernetes.namespaces;
  sourceOptions.render.gateway = options.kubernetes.gateway;
  // One replica (the Lease's holder, in the pod's or the context's namespace) writes status.
  sourceOptions.writeStatus = true;
  auto source = kube::ConfigSource::start(
      std::move(sourceOptions), [&gateway](config::LoadResult result) { gateway.apply(result); });
  if (!source) {
    std::cerr << "switchyard run: --kubernetes: " << source.error().message << "\n";
    gateway.stop(std::chrono::milliseconds(0));
    gateway.join();
    return 2;
  }
  return serveUntilStopped(
      gateway, drain, [&source] { (*source)->stop(); },
      [] {
        std::cerr << "{\"level\":\"info\",\"msg\":\"SIGHUP ignored: with --kubernetes every "
                     "change is read from the API\"}\n";
      });
}

}  // namespace

RunOptions parseRunOptions(int argc, char** argv) { return parse(argc, argv, true); }

gateway::GatewayOptions parseRunArgs(int argc, char** argv) {
  return parse(argc, argv, false).gateway;
}

int runRunCommand(int argc, char** argv) {
  RunOptions run = parseRunOptions(argc, argv);
  if (const auto line = raiseOpenFileLimit(); !line.empty()) http::writeLogLine(line);
  if (run.kubernetes.enabled) return runFromKubernetes(std::move(run));
  gateway::GatewayOptions options = std::move(run.gateway);
  const auto watched = options.configPaths;
  const auto drain = options.drainTimeout;
  gateway::Gateway gateway(std::move(options));
  if (!gateway.load()) return 2;
  gateway.start();
  // Edits to the manifests (a `kubectl patch` of the guide, a ConfigMap swap) reload on their own.
  config::ConfigWatcher watcher({watched}, [&gateway] { gateway.reload(); });
  logListening(gateway);
  return serveUntilStopped(
      gateway, drain, [&watcher] { watcher.stop(); }, [&watcher] { watcher.trigger(); });
}

}  // namespace switchyard::app
