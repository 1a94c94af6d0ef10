#pragma once
// The Vertex AI + OAuth token emulator, in process: `switchyard demo`, `switchyard emulate` and the
// tests run it. Serves real TLS (its own CA unless given a certificate), verifies real RS256
// assertions and answers generateContent / streamGenerateContent from the request's content.
// Endpoints, answer rules and faults: src/emulator/README.md.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emulator/faults.hpp"
#include "emulator/stats.hpp"

namespace switchyard::core {
class Clock;
}

namespace switchyard::emulator {

struct EmulatorOptions {
  std::string listenHost = "127.0.0.1";  // an IP literal, or "localhost"
  std::uint16_t port = 0;                // 0 = any free port
  bool tls = true;
  std::vector<std::string> tlsDnsNames = {
      "localhost"};  // certificate SANs; 127.0.0.1 and ::1 always
  std::string tlsCertPem,
      tlsKeyPem;  // given → used; empty with tls → the emulator makes a CA and a cert
  std::chrono::seconds tokenLifetime{3599};
  std::vector<std::string> acceptedServiceAccountJson;  // empty → one key is generated
  const core::Clock* clock = nullptr;  // null = the system clock (tests inject one)
  // HTTP/2 (h2 by ALPN, h2c with prior knowledge): what the emulator advertises, and a GOAWAY
  // after this many streams on a connection (0 = never), for clients' tests.
  std::uint32_t http2MaxConcurrentStreams = 100;
  std::uint32_t http2GoawayAfterStreams = 0;
};

class Emulator {
 public:
  explicit Emulator(EmulatorOptions options);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Makes keys and certificates, binds and starts serving (throws on failure).
  void start();
  // Stops serving; hung requests are dropped.
  void stop();

  std::uint16_t port() const;
  // "https://127.0.0.1:<port>": the listen address (127.0.0.1 for 0.0.0.0 and localhost).
  std::string baseUrl() const;
  std::string tokenUrl() const;  // baseUrl() + "/token"
  // The CA that signed the server certificate; empty when the certificate was given or plaintext.
  std::string caPem() const;
  // The first accepted service-account key file, with token_uri = tokenUrl().
  std::string serviceAccountJson() const;
  Stats stats() const;

  // The in-process form of POST/DELETE /emulator/faults. `target`: a model id, "*" or "token".
  void addFault(std::string target, Fault fault, int count = 1);
  void clearFaults();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::emulator
