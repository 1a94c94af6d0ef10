#include "app/demo_command.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "app/cli.hpp"
#include "app/demo_manifests.hpp"
#include "emulator/emulator.hpp"
#include "gateway/gateway.hpp"

namespace switchyard::app {

namespace fs = std::filesystem;

namespace {

// The token endpoint is verified against OpenSSL's default store (docs/DESIGN.md §1 Trust). The
// demo adds its emulator CA to a copy of the system bundle and points SSL_CERT_FILE at it, as a
// user would.
void trustEmulatorCa(const fs::path& dir, const std::string& caPem) {
  std::string bundle;
  for (const char* system : {"/etc/ssl/certs/ca-certificates.crt"}) {
    if (fs::exists(system)) bundle += readFile(system);
  }
  bundle += caPem;
  const auto path = dir / "trust-bundle.pem";
  writeFile(path, bundle);
  ::setenv("SSL_CERT_FILE", path.c_str(), 1);
}

}  // namespace

int runDemoCommand(int argc, char** argv) {
  std::string listen = "0.0.0.0:8080";
  std::string admin = "127.0.0.1:9901";
  try {
    for (ArgReader args(argc, argv); args.next();) {
      if (args.arg() == "--listen")
        listen = args.value();
      else if (args.arg() == "--admin")
        admin = args.value();
      else
        args.rejectUnknown();
    }
  } catch (const UsageError&) {
    std::cerr << "usage: switchyard demo [--listen HOST:PORT] [--admin HOST:PORT]\n";
    return 2;
  }

  const fs::path dir =
      fs::temp_directory_path() / ("switchyard-demo-" + std::to_string(::getpid()));
  fs::create_directories(dir);

  emulator::EmulatorOptions emulatorOptions;
  emulatorOptions.tls = true;
  emulator::Emulator vertex(emulatorOptions);
  vertex.start();
  trustEmulatorCa(dir, vertex.caPem());

  DemoSetup setup{vertex.port(), vertex.caPem(), vertex.serviceAccountJson()};
  const auto manifests = dir / "vertex-fallback.yaml";
  writeFile(manifests, renderDemoManifests(setup));

  gateway::GatewayOptions options;
  options.configPaths = {manifests.string()};
  options.listen = listen;
  options.admin = admin;
  options.getenv = processEnv;
  gateway::Gateway gateway(options);
  if (!gateway.load()) return 2;
  gateway.start();

  const std::string base = "http://localhost:" + std::to_string(gateway.port());
  std::cout
      << "Switchyard demo is running.\n"
      << "  gateway:  " << base << "  (admin http://" << admin << ")\n"
      << "  emulator: " << vertex.baseUrl() << "  (Vertex AI + OAuth, TLS with its own CA)\n"
      << "  manifests: " << manifests.string() << "\n\n"
      << "vertex-virtual-model routes to gemini-2.5-pro (priority 0, its host does not resolve)\n"
      << "and falls back to gemini-2.5-flash (priority 1). Try:\n\n"
      << "  curl -s " << base << "/v1/chat/completions -H 'Content-Type: application/json' \\\n"
      << "    -d "
         "'{\"model\":\"vertex-virtual-model\",\"messages\":[{\"role\":\"user\",\"content\":"
         "\"Hello from the demo\"}]}'\n\n"
      << "  curl -s " << base << "/v1/models\n\n"
      << "The access log below shows each request's attempts: the failed primary, then the "
         "fallback.\n"
      << "Press Ctrl-C to stop.\n"
      << std::flush;

  SignalWatch signals([&gateway] { gateway.stop(std::chrono::seconds(5)); });
  gateway.join();
  vertex.stop();
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return 0;
}

}  // namespace switchyard::app
