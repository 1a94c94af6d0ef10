#include "app/cli.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "app/run_command.hpp"

namespace switchyard::app {
namespace {

namespace fs = std::filesystem;

// argv as main() gets it: program, subcommand, options.
struct Argv {
  explicit Argv(std::vector<std::string> args) : strings(std::move(args)) {
    for (auto& s : strings) pointers.push_back(s.data());
  }
  int argc() const { return static_cast<int>(pointers.size()); }
  char** argv() { return pointers.data(); }
  std::vector<std::string> strings;
  std::vector<char*> pointers;
};

std::string usageMessage(std::vector<std::string> args) {
  Argv argv(std::move(args));
  try {
    parseRunArgs(argv.argc(), argv.argv());
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(ArgReader, ReadsOptionsAndValuesAfterTheSubcommand) {
  Argv argv({"switchyard", "run", "--listen", "127.0.0.1:0", "--flag"});
  std::vector<std::string> seen;
  for (ArgReader args(argv.argc(), argv.argv()); args.next();) {
    seen.push_back(args.arg());
    if (args.arg() == "--listen") seen.push_back(args.value());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"--listen", "127.0.0.1:0", "--flag"}));
}

TEST(ArgReader, ReadsTheEqualsForm) {
  Argv argv({"switchyard", "run", "--listen=127.0.0.1:0", "--gateway=ns/gw=x", "-c", "a=b"});
  std::vector<std::string> seen;
  for (ArgReader args(argv.argc(), argv.argv()); args.next();) {
    seen.push_back(args.arg());
    seen.push_back(args.value());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"--listen", "127.0.0.1:0", "--gateway", "ns/gw=x", "-c",
                                            "a=b"}));
  Argv flag({"switchyard", "run", "--kubernetes=yes"});
  ArgReader args(flag.argc(), flag.argv());
  ASSERT_TRUE(args.next());
  EXPECT_EQ(args.arg(), "--kubernetes");
  EXPECT_THROW(args.next(), UsageError);  // a flag given a value
}

TEST(ArgReader, NamesTheOptionThatLacksAValueOrIsUnknown) {
  Argv argv({"switchyard", "run", "--bogus", "--listen"});
  ArgReader args(argv.argc(), argv.argv());
  ASSERT_TRUE(args.next());
  EXPECT_THROW(
      {
        try {
          args.rejectUnknown();
        } catch (const UsageError& e) {
          EXPECT_STREQ(e.what(), "unknown option --bogus");
          throw;
        }
      },
      UsageError);
  ASSERT_TRUE(args.next());
  EXPECT_THROW(
      {
        try {
          args.value();
        } catch (const UsageError& e) {
          EXPECT_STREQ(e.what(), "--listen needs a value");
          throw;
        }
      },
      UsageError);
  EXPECT_FALSE(args.next());
}

TEST(RunArgs, ParsesEveryOption) {
  Argv argv({"switchyard", "run", "-c", "a.yaml", "--config", "b.yaml", "--listen", "h:1",
             "--admin", "h:2", "--secrets-dir", "/s", "--workers", "3"});
  const auto options = parseRunArgs(argv.argc(), argv.argv());
  EXPECT_EQ(options.configPaths, (std::vector<std::string>{"a.yaml", "b.yaml"}));
  EXPECT_EQ(options.listen, "h:1");
  EXPECT_EQ(options.admin, "h:2");
  EXPECT_EQ(options.secretsDir, "/s");
  EXPECT_EQ(options.workers, 3);
  EXPECT_TRUE(options.getenv);
}

TEST(RunArgs, UsageErrors) {
  EXPECT_EQ(usageMessage({"switchyard", "run"}), "at least one -c PATH is required");
  EXPECT_EQ(usageMessage({"switchyard", "run", "-c"}), "-c needs a value");
  EXPECT_EQ(usageMessage({"switchyard", "run", "-c", "a", "--workers"}),
            "--workers needs a number");
  EXPECT_EQ(usageMessage({"switchyard", "run", "-c", "a", "--workers", "x"}),
            "--workers needs a number");
  EXPECT_EQ(usageMessage({"switchyard", "run", "-c", "a", "--nope"}), "unknown option --nope");
}

TEST(RunArgs, KubernetesOptions) {
  Argv argv({"switchyard", "run", "--kubernetes", "--kubeconfig", "k.yaml", "--context", "kind",
             "--namespace", "a", "--namespace", "b", "--gateway", "ai/gw", "--listen", "h:1"});
  const auto options = parseRunOptions(argv.argc(), argv.argv());
  EXPECT_TRUE(options.kubernetes.enabled);
  EXPECT_EQ(options.kubernetes.kubeconfig, "k.yaml");
  EXPECT_EQ(options.kubernetes.context, "kind");
  EXPECT_EQ(options.kubernetes.namespaces, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(options.kubernetes.gateway);
  EXPECT_EQ(options.kubernetes.gateway->ns, "ai");
  EXPECT_EQ(options.kubernetes.gateway->name, "gw");
  EXPECT_EQ(options.gateway.listen, "h:1");
  EXPECT_TRUE(options.gateway.configPaths.empty());

  Argv file({"switchyard", "run", "-c", "a.yaml"});
  EXPECT_FALSE(parseRunOptions(file.argc(), file.argv()).kubernetes.enabled);
}

std::string runUsageMessage(std::vector<std::string> args) {
  Argv argv(std::move(args));
  try {
    parseRunOptions(argv.argc(), argv.argv());
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(RunArgs, KubernetesUsageErrors) {
  EXPECT_EQ(runUsageMessage({"switchyard", "run", "--kubernetes", "-c", "a.yaml"}),
            "-c and --kubernetes cannot be used together: pick one source");
  EXPECT_EQ(runUsageMessage({"switchyard", "run", "-c", "a.yaml", "--kubernetes"}),
            "-c and --kubernetes cannot be used together: pick one source");
  EXPECT_EQ(runUsageMessage({"switchyard", "run", "--kubernetes", "--gateway", "gw"}),
            "--gateway needs NAMESPACE/NAME");
  EXPECT_EQ(runUsageMessage({"switchyard", "run", "--kubernetes", "--namespace"}),
            "--namespace needs a value");
  EXPECT_EQ(runUsageMessage({"switchyard", "run", "--kubernetes", "--secrets-dir", "/s"}),
            "--secrets-dir is for -c; with --kubernetes Secrets come from the API");
  EXPECT_EQ(runUsageMessage({"switchyard", "run", "-c", "a.yaml", "--namespace", "a"}),
            "--kubeconfig, --context, --namespace and --gateway need --kubernetes");
  EXPECT_EQ(runUsageMessage({"switchyard", "run"}), "at least one -c PATH is required");
  // check reads files only.
  EXPECT_EQ(usageMessage({"switchyard", "check", "--kubernetes"}), "unknown option --kubernetes");
}

TEST(RunCommand, KubernetesWithoutAClusterExitsTwo) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const std::string saved = host ? host : "";
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  Argv argv({"switchyard", "run", "--kubernetes", "--listen", "127.0.0.1:0", "--admin", ""});
  EXPECT_EQ(runRunCommand(argv.argc(), argv.argv()), 2);
  Argv missing({"switchyard", "run", "--kubernetes", "--kubeconfig", "/nonexistent/kubeconfig"});
  EXPECT_EQ(runRunCommand(missing.argc(), missing.argv()), 2);
  if (host) ::setenv("KUBERNETES_SERVICE_HOST", saved.c_str(), 1);
}

TEST(ReportUsageError, PrintsMessageAndUsageOrJustUsageForHelp) {
  testing::internal::CaptureStderr();
  EXPECT_EQ(reportUsageError("emulate", UsageError("unknown option -x"), "usage: u\n"), 2);
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "switchyard emulate: unknown option -x\nusage: u\n");
  testing::internal::CaptureStderr();
  EXPECT_EQ(reportUsageError("emulate", UsageError(""), "usage: u\n"), 0);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "usage: u\n");
}

TEST(ProcessEnv, ReadsTheEnvironment) {
  ::setenv("SWITCHYARD_CLI_TEST", "value", 1);
  EXPECT_EQ(processEnv("SWITCHYARD_CLI_TEST"), "value");
  ::unsetenv("SWITCHYARD_CLI_TEST");
  EXPECT_EQ(processEnv("SWITCHYARD_CLI_TEST"), std::nullopt);
}

TEST(Files, WriteThenReadAndOwnerOnlyMode) {
  const fs::path dir =
      fs::temp_directory_path() / ("switchyard-cli-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  writeFile(dir / "plain", std::string("a\0b", 3));
  EXPECT_EQ(readFile(dir / "plain"), std::string("a\0b", 3));
  writeFile(dir / "key", "secret", FileAccess::OwnerOnly);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_THROW(readFile(dir / "missing"), std::runtime_error);
  EXPECT_THROW(writeFile(dir / "no-such-dir" / "f", "x"), std::runtime_error);
  fs::remove_all(dir);
}

TEST(SignalWatch, ReloadsOnSighupAndStopsOnceOnSigterm) {
  std::atomic<int> reloads = 0;
  std::atomic<int> stops = 0;
  SignalWatch signals([&] { ++stops; }, [&] { ++reloads; });
  std::raise(SIGHUP);
  while (reloads.load() < 1) std::this_thread::yield();
  std::raise(SIGTERM);
  signals.wait();
  EXPECT_EQ(stops.load(), 1);
  std::raise(SIGTERM);  // after the stop: swallowed while the watch lives, not fatal
  EXPECT_EQ(stops.load(), 1);
  EXPECT_EQ(reloads.load(), 1);
}

}  // namespace
}  // namespace switchyard::app
