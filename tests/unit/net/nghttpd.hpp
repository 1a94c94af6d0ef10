#pragma once
// nghttpd, Debian's nghttp2-server, as an HTTP/2 upstream that is not ours: started on a free port
// of 127.0.0.1 with a test certificate, serving a temporary folder (and echoing uploads), its frame
// log (-v) kept in a file the tests read to see what went over the wire.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/pki.hpp"

namespace switchyard::net::testing {

class Nghttpd {
 public:
  struct Options {
    int maxConcurrentStreams = 100;  // -m
    bool echoUpload = true;          // --echo-upload: a POST is answered with its own body
  };

  // nghttpd from PATH, or where Debian installs it; nullopt when it is not installed.
  static std::optional<std::filesystem::path> binary();

  // Starts it (throws std::runtime_error when it does not come up).
  Nghttpd(const emulator::PemCertificate& certificate, Options options);
  ~Nghttpd();  // stops it and removes its folder
  Nghttpd(const Nghttpd&) = delete;
  Nghttpd& operator=(const Nghttpd&) = delete;

  std::uint16_t port() const { return port_; }
  // Puts a file in the served folder: GET /name answers with `content`.
  void serve(const std::string& name, std::string_view content) const;
  std::string log() const;
  // Lines of the log containing every one of `parts`.
  int countLines(std::initializer_list<std::string_view> parts) const;
  // Payload bytes of the DATA frames it sent on `streamId`.
  std::uint64_t dataSent(std::int32_t streamId) const;

 private:
  bool launch(const std::filesystem::path& program, const Options& options);

  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// Deterministic bytes to serve, so a received body can be checked whole.
std::string patternBody(std::size_t size);

}  // namespace switchyard::net::testing
