#pragma once
// `switchyard run -c PATH [-c PATH]... [--listen HOST:PORT] [--admin HOST:PORT] [--secrets-dir DIR]
// [--workers N]`: the gateway, until SIGINT/SIGTERM; SIGHUP or an edit to a manifest reloads.
// `switchyard run --kubernetes [--kubeconfig F] [--context C] [--namespace NS]... [--gateway
// NS/NAME] ...`: the same, with the resources read and watched from the Kubernetes API.

#include <optional>
#include <string>
#include <vector>

#include "gateway/gateway.hpp"
#include "kube/manifest_render.hpp"

namespace switchyard::app {

struct KubernetesOptions {
  bool enabled = false;
  std::string kubeconfig;               // "" = the pod's service account
  std::string context;                  // "" = the kubeconfig's current-context
  std::vector<std::string> namespaces;  // empty = all
  std::optional<kube::GatewayRef> gateway;
};

struct RunOptions {
  gateway::GatewayOptions gateway;
  KubernetesOptions kubernetes;
};

// run's options. Throws UsageError.
RunOptions parseRunOptions(int argc, char** argv);

// run's file-mode options (check takes them, so a run command line can be checked as it is).
// Throws UsageError, also for the --kubernetes options.
gateway::GatewayOptions parseRunArgs(int argc, char** argv);

// argv[1] is "run". Returns the exit code: 0 after a clean stop, 1 when the drain time ran out
// with requests still running (they were cut), 2 if the manifests do not load or (--kubernetes)
// there is no access to a cluster.
int runRunCommand(int argc, char** argv);

}  // namespace switchyard::app
