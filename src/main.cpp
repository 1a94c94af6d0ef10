// switchyard: run | check | demo | emulate. See docs/DESIGN.md §1 for each subcommand's contract.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "config/config_watcher.hpp"
#include "config/loader.hpp"
#include "demo/demo_command.hpp"
#include "emulator/emulate_command.hpp"
#include "gateway/gateway.hpp"

namespace {

using namespace switchyard;

constexpr const char* kUsage = R"(usage:
  switchyard run -c PATH [-c PATH]... [--listen HOST:PORT] [--admin HOST:PORT] [--secrets-dir DIR] [--workers N]
  switchyard check -c PATH [-c PATH]... [--secrets-dir DIR]
  switchyard demo [--listen HOST:PORT]
  switchyard emulate [--listen HOST:PORT] [--tls-cert F --tls-key F] [--tls-auto] [--write-ca F] [--write-key F]
)";

std::optional<std::string> processEnv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

gateway::GatewayOptions parseGatewayArgs(int argc, char** argv) {
  gateway::GatewayOptions options;
  options.getenv = processEnv;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-c" || arg == "--config")
      options.configPaths.push_back(value());
    else if (arg == "--listen")
      options.listen = value();
    else if (arg == "--admin")
      options.admin = value();
    else if (arg == "--secrets-dir")
      options.secretsDir = value();
    else if (arg == "--workers") {
      try {
        options.workers = std::stoi(value());
      } catch (...) {
        throw UsageError("--workers needs a number");
      }
    } else
      throw UsageError("unknown option " + arg);
  }
  if (options.configPaths.empty()) throw UsageError("at least one -c PATH is required");
  return options;
}

int runCheck(const gateway::GatewayOptions& options) {
  config::LoadOptions load;
  load.paths = options.configPaths;
  load.secretsDir = options.secretsDir;
  load.getenv = options.getenv;
  const auto result = config::loadSnapshot(load);
  for (const auto& d : result.diagnostics) std::cerr << d.format() << "\n";
  if (!result.ok()) return 2;
  std::cout << config::describeRoutingTable(*result.snapshot);
  return 0;
}

int runServe(gateway::GatewayOptions options) {
  const auto watched = options.configPaths;
  gateway::Gateway gateway(std::move(options));
  if (!gateway.load()) return 2;
  gateway.start();
  // Edits to the manifests (a `kubectl patch` of the guide, a ConfigMap swap) reload on their own.
  config::ConfigWatcher watcher({watched}, [&gateway] { gateway.reload(); });
  std::cerr << "{\"level\":\"info\",\"msg\":\"switchyard listening\",\"port\":" << gateway.port()
            << ",\"admin_port\":" << gateway.adminPort() << "}\n";

  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> onSignal =
      [&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        if (signal == SIGHUP) {
          watcher.trigger();
          signals.async_wait(onSignal);
          return;
        }
        std::cerr << "{\"level\":\"info\",\"msg\":\"shutting down\"}\n";
        watcher.stop();
        gateway.stop(std::chrono::seconds(30));
      };
  signals.async_wait(onSignal);
  std::thread signalThread([&] { signals_ioc.run(); });
  gateway.join();
  signals_ioc.stop();
  signalThread.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  try {
    if (command == "run") return runServe(parseGatewayArgs(argc, argv));
    if (command == "check") return runCheck(parseGatewayArgs(argc, argv));
    if (command == "demo") return demo::runDemoCommand(argc, argv);
    if (command == "emulate") return emulator::runEmulateCommand(argc, argv);
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
    std::cerr << "unknown command " << command << "\n" << kUsage;
    return 2;
  } catch (const UsageError& e) {
    std::cerr << "switchyard " << command << ": " << e.what() << "\n" << kUsage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "switchyard " << command << ": " << e.what() << "\n";
    return 1;
  }
}
