#include "nghttpd.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace switchyard::net::testing {

namespace {

// A port nothing listens on right now. nghttpd prints no port when given 0, so we pick one; the
// race with another process taking it is retried by the caller.
std::uint16_t freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepting(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

void writeFile(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

}  // namespace

std::string patternBody(std::size_t size) {
  std::string body(size, '\0');
  for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<char>('a' + (i * 7 + i / 26) % 26);
  return body;
}

std::optional<std::filesystem::path> Nghttpd::binary() {
  std::vector<std::filesystem::path> candidates;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':'))
      if (!dir.empty()) candidates.push_back(std::filesystem::path(dir) / "nghttpd");
  }
  candidates.emplace_back("/usr/sbin/nghttpd");  // Debian's place, often not on a user's PATH
  for (const auto& candidate : candidates)
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  return std::nullopt;
}

Nghttpd::Nghttpd(const emulator::PemCertificate& certificate, Options options) {
  const auto program = binary();
  if (!program) throw std::runtime_error("nghttpd is not installed (Debian: nghttp2-server)");
  std::random_device random;
  dir_ = std::filesystem::temp_directory_path() /
         ("switchyard-nghttpd-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
  std::filesystem::create_directories(dir_ / "htdocs");
  writeFile(dir_ / "key.pem", certificate.keyPem);
  writeFile(dir_ / "cert.pem", certificate.certPem);
  for (int attempt = 0; attempt < 5; ++attempt)
    if (launch(*program, options)) return;
  std::filesystem::remove_all(dir_);
  throw std::runtime_error("nghttpd did not start");
}

bool Nghttpd::launch(const std::filesystem::path& program, const Options& options) {
  port_ = freePort();
  std::vector<std::string> args = {program.string(),
                                   "-v",
                                   "-a",
                                   "127.0.0.1",
                                   "-d",
                                   (dir_ / "htdocs").string(),
                                   "-m",
                                   std::to_string(options.maxConcurrentStreams)};
  if (options.echoUpload) args.push_back("--echo-upload");
  args.push_back(std::to_string(port_));
  args.push_back((dir_ / "key.pem").string());
  args.push_back((dir_ / "cert.pem").string());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const std::string logPath = (dir_ / "log").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const int spawned = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot run nghttpd");

  const auto giveUp = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < giveUp) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: the port was taken meanwhile
      pid_ = -1;
      return false;
    }
    if (accepting(port_)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return false;
}

Nghttpd::~Nghttpd() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void Nghttpd::serve(const std::string& name, std::string_view content) const {
  writeFile(dir_ / "htdocs" / name, content);
}

std::string Nghttpd::log() const {
  std::ifstream in(dir_ / "log", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int Nghttpd::countLines(std::initializer_list<std::string_view> parts) const {
  std::stringstream text(log());
  std::string line;
  int count = 0;
  while (std::getline(text, line)) {
    bool all = true;
    for (auto part : parts) all = all && line.find(part) != std::string::npos;
    if (all) ++count;
  }
  return count;
}

std::uint64_t Nghttpd::dataSent(std::int32_t streamId) const {
  // "[id=1] [  0.655] send DATA frame <length=16384, flags=0x00, stream_id=13>"
  const std::string tail = ", stream_id=" + std::to_string(streamId) + ">";
  std::stringstream text(log());
  std::string line;
  std::uint64_t sent = 0;
  while (std::getline(text, line)) {
    const auto at = line.find("send DATA frame <length=");
    if (at == std::string::npos || line.find(tail) == std::string::npos) continue;
    sent += std::strtoull(line.c_str() + at + 24, nullptr, 10);
  }
  return sent;
}

}  // namespace switchyard::net::testing
