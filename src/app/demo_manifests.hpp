#pragma once
// The demo's manifests: the shape of examples/gcp-vertex/, pointed at the in-process emulator.

#include <cstdint>
#include <string>

namespace switchyard::app {

struct DemoSetup {
  std::uint16_t emulatorPort = 0;
  std::string caPem;               // the emulator's CA, trusted through a ConfigMap
  std::string serviceAccountJson;  // a key the emulator accepts
};

std::string renderDemoManifests(const DemoSetup& setup);

}  // namespace switchyard::app
