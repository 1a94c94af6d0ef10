#pragma once
// A real redis-server (Debian's) for the client tests: its own temp folder, a free port on
// 127.0.0.1, no persistence, killed with the test process at the latest. It can be killed,
// started again on the same port, and paused (SIGSTOP: the kernel still accepts and acknowledges,
// nothing answers) and resumed.

#include <boost/asio/io_context.hpp>

#include <sys/types.h>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace switchyard::redis::testing {

struct ServerReply {
  int type = 0;  // REDIS_REPLY_*
  long long integer = 0;
  std::string text;  // strings, statuses and errors
};

class RedisServer {
 public:
  // `extraArgs` go to redis-server after the test's own (e.g. {"--requirepass", "pw"});
  // `adminPassword` is what query() logs in with.
  explicit RedisServer(std::vector<std::string> extraArgs = {}, std::string adminPassword = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }

  // Starts the server (again, on the same port) and waits until it answers. Throws on failure.
  void start();
  void kill();  // SIGKILL, then reaped
  void pause();
  void resume();

  // One command on a fresh blocking connection (AUTH with adminPassword, SELECT db first).
  // Throws when the server cannot be reached.
  ServerReply query(const std::vector<std::string>& args, int db = 0) const;

 private:
  std::vector<std::string> extraArgs_;
  std::string adminPassword_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// A port on 127.0.0.1 that nothing listens on (free when asked).
std::uint16_t freePort();

// Runs `ioc` until `done` holds or `limit` passes; false on time out.
bool runUntil(boost::asio::io_context& ioc, const std::function<bool()>& done,
              std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace switchyard::redis::testing
