#pragma once
// What every subcommand shares: reading its options, usage errors, the process environment,
// whole-file reads and writes, and waiting for the signals that stop (or reload) a server.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace switchyard::app {

// A bad command line. An empty message means help was asked for.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Prints "switchyard COMMAND: MESSAGE" (unless the message is empty) and then `usage` to stderr.
// Returns the exit code: 2, or 0 when help was asked for.
int reportUsageError(std::string_view command, const UsageError& error, std::string_view usage);

// A subcommand's options, argv[2] onwards; "--option=value" is read as "--option value":
//   for (ArgReader args(argc, argv); args.next();)
//     if (args.arg() == "--listen") listen = args.value();
class ArgReader {
 public:
  ArgReader(int argc, char** argv) : argc_(argc), argv_(argv) {}

  // Moves to the next argument; false after the last.
  bool next();
  const std::string& arg() const { return arg_; }
  // Consumes the argument after the current option; throws UsageError "OPTION needs a value".
  std::string value();
  // Throws UsageError "unknown option ARG".
  [[noreturn]] void rejectUnknown() const;

 private:
  int argc_;
  char** argv_;
  int index_ = 1;
  std::string arg_;
  std::optional<std::string> inlineValue_;  // from "--option=value", until value() takes it
};

// The process environment, in the shape GatewayOptions::getenv and LoadOptions::getenv take.
std::optional<std::string> processEnv(std::string_view name);

// The whole file; throws std::runtime_error "cannot read PATH".
std::string readFile(const std::filesystem::path& path);

enum class FileAccess { Default, OwnerOnly };  // OwnerOnly (0600) for private keys
// Replaces the file's contents; throws std::runtime_error "cannot write PATH".
void writeFile(const std::filesystem::path& path, std::string_view text,
               FileAccess access = FileAccess::Default);

// Watches SIGINT and SIGTERM (and SIGHUP when onReload is set) on a thread of its own from
// construction to destruction. onStop runs once, on the first SIGINT or SIGTERM; onReload runs on
// each SIGHUP. A signal that arrives after the first stop is swallowed, not fatal.
class SignalWatch {
 public:
  explicit SignalWatch(std::function<void()> onStop = nullptr,
                       std::function<void()> onReload = nullptr);
  ~SignalWatch();
  // Blocks until the first SIGINT or SIGTERM has been handled.
  void wait();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchyard::app
