// switchyard: run | check | demo | emulate. See docs/DESIGN.md §1 for each subcommand's contract.
// The composition root: only this file is left out of sy_app, so tests can link every command.

#include <csignal>
#include <iostream>
#include <string>

#include "app/check_command.hpp"
#include "app/cli.hpp"
#include "app/run_command.hpp"
#if SWITCHYARD_EMULATOR
#include "app/demo_command.hpp"
#include "app/emulate_command.hpp"
#endif

namespace {

using namespace switchyard;

constexpr const char* kUsage = R"(usage:
  switchyard run -c PATH [-c PATH]... [--listen HOST:PORT] [--admin HOST:PORT] [--secrets-dir DIR] [--workers N] [--redis-url URL] [--drain-timeout DURATION] [--access-log-queue SIZE] [--max-requests N] [--max-heap SIZE]
  switchyard run --kubernetes [--kubeconfig F [--context C]] [--namespace NS]... [--gateway NS/NAME] [--listen HOST:PORT] [--admin HOST:PORT] [--workers N] [--redis-url URL]
  switchyard check -c PATH [-c PATH]... [--secrets-dir DIR]
  switchyard demo [--listen HOST:PORT]
  switchyard emulate [--listen HOST:PORT] [--tls-cert F --tls-key F] [--tls-auto] [--write-ca F] [--write-key F]
)";

int runEmulatorCommand(const std::string& command, int argc, char** argv) {
#if SWITCHYARD_EMULATOR
  if (command == "demo") return app::runDemoCommand(argc, argv);
  return app::runEmulateCommand(argc, argv);
#else
  std::cerr << "switchyard was built without the emulator\n";
  return 2;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // std::cerr is tied to std::cout: each write to it would first flush stdout, and so wait on
  // stdout's lock, held by whatever is blocked writing to a stdout nobody reads.
  std::cerr.tie(nullptr);
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  try {
    if (command == "run") return app::runRunCommand(argc, argv);
    if (command == "check") return app::runCheckCommand(argc, argv);
    if (command == "demo" || command == "emulate") return runEmulatorCommand(command, argc, argv);
    if (command == "-h" || command == "--help" || command == "help") {
      std::cout << kUsage;
      return 0;
    }
    std::cerr << "unknown command " << command << "\n" << kUsage;
    return 2;
  } catch (const app::UsageError& e) {
    return app::reportUsageError(command, e, kUsage);
  } catch (const std::exception& e) {
    std::cerr << "switchyard " << command << ": " << e.what() << "\n";
    return 1;
  }
}
