#include "app/run_command.hpp"

#include <chrono>
#include <iostream>
#include <string>

#include "app/cli.hpp"
#include "config/config_watcher.hpp"

namespace switchyard::app {

gateway::GatewayOptions parseRunArgs(int argc, char** argv) {
  gateway::GatewayOptions options;
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
    else if (arg == "--workers") {
      try {
        options.workers = std::stoi(args.value());
      } catch (...) {
        throw UsageError("--workers needs a number");
      }
    } else
      args.rejectUnknown();
  }
  if (options.configPaths.empty()) throw UsageError("at least one -c PATH is required");
  return options;
}

int runRunCommand(int argc, char** argv) {
  gateway::GatewayOptions options = parseRunArgs(argc, argv);
  const auto watched = options.configPaths;
  gateway::Gateway gateway(std::move(options));
  if (!gateway.load()) return 2;
  gateway.start();
  // Edits to the manifests (a `kubectl patch` of the guide, a ConfigMap swap) reload on their own.
  config::ConfigWatcher watcher({watched}, [&gateway] { gateway.reload(); });
  std::cerr << "{\"level\":\"info\",\"msg\":\"switchyard listening\",\"port\":" << gateway.port()
            << ",\"admin_port\":" << gateway.adminPort() << "}\n";

  SignalWatch signals(
      [&] {
        std::cerr << "{\"level\":\"info\",\"msg\":\"shutting down\"}\n";
        watcher.stop();
        gateway.stop(std::chrono::seconds(30));
      },
      [&watcher] { watcher.trigger(); });
  gateway.join();
  return 0;
}

}  // namespace switchyard::app
