#include "kube/kube_config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/base64.hpp"
#include "test_env.hpp"

namespace switchyard::kube {
namespace {

namespace fs = std::filesystem;
using testing::testCa;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("sy-kube-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
    return (path_ / name).string();
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::string b64(const std::string& s) {
  return core::base64::encode(s, core::base64::Alphabet::kStandard, core::base64::Padding::kPadded);
}

TEST(KubeconfigTest, TokenUserOfTheCurrentContext) {
  TempDir dir;
  const auto file = dir.write("config", R"(apiVersion: v1
kind: Config
current-context: prod
contexts:
  - name: dev
    context: {cluster: dev, user: dev}
  - name: prod
    context: {cluster: prod, user: ops, namespace: gateways}
clusters:
  - name: prod
    cluster:
      server: https://kube.example.com:6443/prefix/
      certificate-authority-data: )" + b64(testCa().certPem) +
                                            R"(
users:
  - name: ops
    user: {token: abc123}
)");
  const auto access = loadKubeconfig({file, ""});
  ASSERT_TRUE(access) << access.error().message;
  EXPECT_EQ(access->host, "kube.example.com");
  EXPECT_EQ(access->port, 6443);
  EXPECT_EQ(access->basePath, "/prefix");
  EXPECT_EQ(access->serverName, "kube.example.com");
  EXPECT_EQ(access->caPem, testCa().certPem);
  EXPECT_EQ(access->ns, "gateways");
  ASSERT_TRUE(access->token);
  EXPECT_EQ(access->token->current(), "abc123");
}

TEST(KubeconfigTest, NamedContextWithClientCertificateFilesRelativeToTheConfig) {
  TempDir dir;
  dir.write("ca.crt", testCa().certPem);
  dir.write("client.crt", "CERT");
  dir.write("client.key", "KEY");
  const auto file = dir.write("config", R"(current-context: other
contexts:
  - name: admin
    context: {cluster: local, user: admin}
clusters:
  - name: local
    cluster:
      server: https://[::1]:8443
      certificate-authority: ca.crt
      tls-server-name: kubernetes
users:
  - name: admin
    user:
      client-certificate: client.crt
      client-key: client.key
)");
  const auto access = loadKubeconfig({file, "admin"});
  ASSERT_TRUE(access) << access.error().message;
  EXPECT_EQ(access->host, "::1");
  EXPECT_EQ(access->port, 8443);
  EXPECT_EQ(access->serverName, "kubernetes");
  EXPECT_EQ(access->caPem, testCa().certPem);
  EXPECT_EQ(access->clientCertPem, "CERT");
  EXPECT_EQ(access->clientKeyPem, "KEY");
  EXPECT_FALSE(access->token);
  EXPECT_EQ(access->ns, "");
}

TEST(KubeconfigTest, TokenFileIsRereadWhenReplaced) {
  TempDir dir;
  dir.write("token", "first\n");
  const auto file = dir.write("config", R"(current-context: c
contexts: [{name: c, context: {cluster: c, user: u}}]
clusters: [{name: c, cluster: {server: "https://10.0.0.1"}}]
users: [{name: u, user: {tokenFile: token}}]
)");
  const auto access = loadKubeconfig({file, ""});
  ASSERT_TRUE(access) << access.error().message;
  EXPECT_EQ(access->port, 443);
  EXPECT_EQ(access->caPem, "");  // the default trust store
  EXPECT_EQ(access->token->current(), "first");
  dir.write("token.new", "second-and-longer");
  fs::rename(dir.path() / "token.new", dir.path() / "token");
  EXPECT_EQ(access->token->current(), "second-and-longer");
}

TEST(KubeconfigTest, RefusesWhatWouldWeakenOrBypassVerification) {
  TempDir dir;
  auto load = [&](const std::string& cluster, const std::string& user = "{token: x}") {
    const auto file = dir.write("config",
                                "current-context: c\n"
                                "contexts: [{name: c, context: {cluster: c, user: u}}]\n"
                                "clusters: [{name: c, cluster: " +
                                    cluster + "}]\nusers: [{name: u, user: " + user + "}]\n");
    return loadKubeconfig({file, ""});
  };
  auto skip = load("{server: 'https://k:6443', insecure-skip-tls-verify: true}");
  ASSERT_FALSE(skip);
  EXPECT_NE(skip.error().message.find("insecure-skip-tls-verify"), std::string::npos);
  auto http = load("{server: 'http://k:8080'}");
  ASSERT_FALSE(http);
  EXPECT_NE(http.error().message.find("not https"), std::string::npos);
  auto exec = load("{server: 'https://k'}", "{exec: {command: aws}}");
  ASSERT_FALSE(exec);
  EXPECT_NE(exec.error().message.find("not supported"), std::string::npos);
  auto missing = loadKubeconfig({(dir.path() / "nope").string(), ""});
  ASSERT_FALSE(missing);
  EXPECT_FALSE(loadKubeconfig({dir.write("config", "current-context: x\n"), ""}));
}

TEST(InClusterTest, ReadsTheServiceAccountAndFollowsTokenRotation) {
  TempDir dir;
  dir.write("ca.crt", testCa().certPem);
  dir.write("namespace", "ai-gateway\n");
  fs::create_directories(dir.path() / "..2024_01");
  std::ofstream(dir.path() / "..2024_01" / "token") << "token-one";
  fs::create_symlink("..2024_01/token", dir.path() / "token");
  InClusterOptions options;
  options.serviceAccountDir = dir.path().string();
  options.getenv = [](std::string_view name) -> std::optional<std::string> {
    if (name == "KUBERNETES_SERVICE_HOST") return "10.96.0.1";
    if (name == "KUBERNETES_SERVICE_PORT") return "443";
    return std::nullopt;
  };
  const auto access = loadInCluster(options);
  ASSERT_TRUE(access) << access.error().message;
  EXPECT_EQ(access->host, "10.96.0.1");
  EXPECT_EQ(access->port, 443);
  EXPECT_EQ(access->ns, "ai-gateway");
  EXPECT_EQ(access->caPem, testCa().certPem);
  EXPECT_EQ(access->token->current(), "token-one");

  // The kubelet writes the new token elsewhere and swaps the link atomically.
  fs::create_directories(dir.path() / "..2024_02");
  std::ofstream(dir.path() / "..2024_02" / "token") << "token-two";
  fs::create_symlink("..2024_02/token", dir.path() / "token.tmp");
  fs::rename(dir.path() / "token.tmp", dir.path() / "token");
  EXPECT_EQ(access->token->current(), "token-two");

  options.getenv = [](std::string_view) { return std::optional<std::string>(); };
  const auto outside = loadInCluster(options);
  ASSERT_FALSE(outside);
  EXPECT_NE(outside.error().message.find("--kubeconfig"), std::string::npos);
}

}  // namespace
}  // namespace switchyard::kube
