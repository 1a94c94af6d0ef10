#include "app/emulate_command.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <stdexcept>
#include <string>

#include "app/cli.hpp"
#include "emulator/emulator.hpp"

namespace switchyard::app {

using emulator::Emulator;
using emulator::EmulatorOptions;

namespace {

constexpr const char* kUsage = R"(usage: switchyard emulate [options]
  --listen HOST:PORT        address to serve (default 127.0.0.1:8443; port 0 = any free port)
  --tls-cert FILE --tls-key FILE
                            serve TLS with this certificate chain and key (PEM)
  --tls-auto                serve TLS with a certificate from a CA the emulator makes
  --tls-dns NAME            extra DNS name for the --tls-auto certificate (repeatable; localhost,
                            127.0.0.1 and ::1 are always in it)
  --write-ca FILE           write the --tls-auto CA certificate (PEM) to FILE
  --write-key FILE          write the accepted service-account key (token_uri = this emulator)
  --accept-key FILE         accept assertions signed by this service-account key (repeatable;
                            default: a key the emulator makes)
  --token-lifetime SECONDS  expires_in of issued access tokens (default 3599)
  --h2-max-streams N        HTTP/2: advertise SETTINGS_MAX_CONCURRENT_STREAMS N (default 100)
  --h2-goaway-after N       HTTP/2: send GOAWAY once a connection has opened N streams
Without --tls-cert or --tls-auto the emulator serves plaintext HTTP.
)";

struct EmulateArgs {
  EmulatorOptions options;
  std::string certFile, keyFile, writeCa, writeKey;
  bool tlsAuto = false;
};

EmulateArgs parseArgs(int argc, char** argv) {
  EmulateArgs args;
  args.options.tls = false;
  args.options.port = 8443;
  for (ArgReader reader(argc, argv); reader.next();) {
    const std::string& arg = reader.arg();
    if (arg == "--listen") {
      const std::string listen = reader.value();
      const auto colon = listen.rfind(':');
      if (colon == std::string::npos) throw UsageError("--listen needs HOST:PORT");
      std::string host = listen.substr(0, colon);
      if (host.size() > 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
      args.options.listenHost = host;
      try {
        const int port = std::stoi(listen.substr(colon + 1));
        if (port < 0 || port > 65535) throw std::out_of_range("port");
        args.options.port = static_cast<std::uint16_t>(port);
      } catch (const std::exception&) {
        throw UsageError("--listen needs a port number in 0-65535");
      }
    } else if (arg == "--tls-cert") {
      args.certFile = reader.value();
    } else if (arg == "--tls-key") {
      args.keyFile = reader.value();
    } else if (arg == "--tls-auto") {
      args.tlsAuto = true;
    } else if (arg == "--tls-dns") {
      args.options.tlsDnsNames.push_back(reader.value());
    } else if (arg == "--write-ca") {
      args.writeCa = reader.value();
    } else if (arg == "--write-key") {
      args.writeKey = reader.value();
    } else if (arg == "--accept-key") {
      args.options.acceptedServiceAccountJson.push_back(readFile(reader.value()));
    } else if (arg == "--token-lifetime") {
      try {
        const long long seconds = std::stoll(reader.value());
        if (seconds < 1) throw std::out_of_range("lifetime");
        args.options.tokenLifetime = std::chrono::seconds(seconds);
      } catch (const std::exception&) {
        throw UsageError("--token-lifetime needs a positive number of seconds");
      }
    } else if (arg == "--h2-max-streams" || arg == "--h2-goaway-after") {
      const bool max = arg == "--h2-max-streams";
      try {
        const long long n = std::stoll(reader.value());
        if (n < (max ? 1 : 0) || n > 0x7fffffff) throw std::out_of_range("count");
        (max ? args.options.http2MaxConcurrentStreams : args.options.http2GoawayAfterStreams) =
            static_cast<std::uint32_t>(n);
      } catch (const std::exception&) {
        throw UsageError(std::string(arg) + " needs a stream count");
      }
    } else if (arg == "-h" || arg == "--help") {
      throw UsageError("");
    } else {
      reader.rejectUnknown();
    }
  }
  if (args.certFile.empty() != args.keyFile.empty())
    throw UsageError("--tls-cert and --tls-key go together");
  if (!args.certFile.empty() && args.tlsAuto)
    throw UsageError("--tls-auto and --tls-cert exclude each other");
  if (!args.writeCa.empty() && !args.tlsAuto) throw UsageError("--write-ca needs --tls-auto");
  if (!args.certFile.empty()) {
    args.options.tls = true;
    args.options.tlsCertPem = readFile(args.certFile);
    args.options.tlsKeyPem = readFile(args.keyFile);
  }
  if (args.tlsAuto) args.options.tls = true;
  return args;
}

}  // namespace

int runEmulateCommand(int argc, char** argv) {
  EmulateArgs args;
  try {
    args = parseArgs(argc, argv);
  } catch (const UsageError& e) {
    return reportUsageError("emulate", e, kUsage);
  }

  Emulator emulator(args.options);
  emulator.start();
  if (!args.writeCa.empty()) writeFile(args.writeCa, emulator.caPem());
  if (!args.writeKey.empty())
    writeFile(args.writeKey, emulator.serviceAccountJson(), FileAccess::OwnerOnly);

  boost::json::object ready;
  ready["level"] = "info";
  ready["msg"] = "emulator listening";
  ready["url"] = emulator.baseUrl();
  ready["port"] = emulator.port();
  ready["token_uri"] = emulator.tokenUrl();
  ready["tls"] = args.options.tls;
  std::cout << boost::json::serialize(ready) << std::endl;

  SignalWatch signals;
  signals.wait();
  emulator.stop();
  return 0;
}

}  // namespace switchyard::app
