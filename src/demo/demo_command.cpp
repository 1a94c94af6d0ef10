#include "demo/demo_command.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "demo/demo_manifests.hpp"
#include "emulator/emulator.hpp"
#include "gateway/gateway.hpp"

namespace switchyard::demo {

namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

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

std::optional<std::string> processEnv(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

}  // namespace

int runDemoCommand(int argc, char** argv) {
  std::string listen = "0.0.0.0:8080";
  std::string admin = "127.0.0.1:9901";
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--listen" && i + 1 < argc)
      listen = argv[++i];
    else if (arg == "--admin" && i + 1 < argc)
      admin = argv[++i];
    else {
      std::cerr << "usage: switchyard demo [--listen HOST:PORT] [--admin HOST:PORT]\n";
      return 2;
    }
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

  boost::asio::io_context signalsIoc;
  boost::asio::signal_set signals(signalsIoc, SIGINT, SIGTERM);
  signals.async_wait(
      [&](const boost::system::error_code&, int) { gateway.stop(std::chrono::seconds(5)); });
  std::thread signalThread([&] { signalsIoc.run(); });
  gateway.join();
  signalsIoc.stop();
  signalThread.join();
  vertex.stop();
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return 0;
}

}  // namespace switchyard::demo
