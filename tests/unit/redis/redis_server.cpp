#include "redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <hiredis/hiredis.h>

namespace switchyard::redis::testing {

namespace {

using Clock = std::chrono::steady_clock;

std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct ContextFree {
  void operator()(redisContext* context) const { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;

struct ReplyFree {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

Reply command(redisContext* context, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  return Reply(static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data())));
}

}  // namespace

std::uint16_t freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

bool runUntil(boost::asio::io_context& ioc, const std::function<bool()>& done,
              std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    ioc.restart();
    if (ioc.run_one_for(std::chrono::milliseconds(10)) == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

RedisServer::RedisServer(std::vector<std::string> extraArgs, std::string adminPassword)
    : extraArgs_(std::move(extraArgs)), adminPassword_(std::move(adminPassword)) {
  std::string pattern = (std::filesystem::temp_directory_path() / "redis-test-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  port_ = freePort();
  start();
}

RedisServer::~RedisServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);
    kill();
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void RedisServer::start() {
  if (pid_ > 0) throw std::logic_error("redis-server already running");
  std::vector<std::string> args = {
      "redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1", "-::1",
      "--save",       "",       "--appendonly",        "no",     "--dir",     dir_.string(),
      "--daemonize",  "no"};
  args.insert(args.end(), extraArgs_.begin(), extraArgs_.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string log = (dir_ / "redis.log").string();

  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // Dies with the test process, even when that one crashes.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (out >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
    }
    ::execvp("redis-server", argv.data());
    ::_exit(127);
  }

  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error(
          "redis-server exited at start (is it installed? scripts/setup.sh installs it): " +
          readFile(log));
    }
    timeval timeout{0, 200'000};
    Context context(redisConnectWithTimeout("127.0.0.1", port_, timeout));
    if (context && !context->err) {
      Reply pong = command(context.get(), {"PING"});
      if (pong) return;  // any answer will do: NOAUTH too means it is up
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill();
  throw std::runtime_error("redis-server did not answer within 10 s: " + readFile(log));
}

void RedisServer::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void RedisServer::pause() { ::kill(pid_, SIGSTOP); }

void RedisServer::resume() { ::kill(pid_, SIGCONT); }

ServerReply RedisServer::query(const std::vector<std::string>& args, int db) const {
  timeval timeout{5, 0};
  Context context(redisConnectWithTimeout("127.0.0.1", port_, timeout));
  if (!context || context->err) throw std::runtime_error("cannot reach redis-server");
  auto check = [](const Reply& reply, const char* what) {
    if (!reply || reply->type == REDIS_REPLY_ERROR)
      throw std::runtime_error(std::string(what) + " failed");
  };
  if (!adminPassword_.empty()) check(command(context.get(), {"AUTH", adminPassword_}), "AUTH");
  if (db != 0) check(command(context.get(), {"SELECT", std::to_string(db)}), "SELECT");
  Reply reply = command(context.get(), args);
  if (!reply) throw std::runtime_error("redis-server did not answer");
  ServerReply out;
  out.type = reply->type;
  out.integer = reply->integer;
  if (reply->str) out.text.assign(reply->str, reply->len);
  return out;
}

}  // namespace switchyard::redis::testing
