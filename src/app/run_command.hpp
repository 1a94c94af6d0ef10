#pragma once
// `switchyard run -c PATH [-c PATH]... [--listen HOST:PORT] [--admin HOST:PORT] [--secrets-dir DIR]
// [--workers N]`: the gateway, until SIGINT/SIGTERM; SIGHUP or an edit to a manifest reloads.

#include "gateway/gateway.hpp"

namespace switchyard::app {

// run's options (check takes the same, so a run command line can be checked as it is). Throws
// UsageError.
gateway::GatewayOptions parseRunArgs(int argc, char** argv);

// argv[1] is "run". Returns the exit code: 0 after a clean stop, 2 if the manifests do not load.
int runRunCommand(int argc, char** argv);

}  // namespace switchyard::app
