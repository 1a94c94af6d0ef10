#include "app/check_command.hpp"

#include <iostream>

#include "app/run_command.hpp"
#include "config/loader.hpp"

namespace switchyard::app {

int runCheckCommand(int argc, char** argv) {
  const gateway::GatewayOptions options = parseRunArgs(argc, argv);
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

}  // namespace switchyard::app
