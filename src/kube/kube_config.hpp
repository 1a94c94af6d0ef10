#pragma once
// Where the Kubernetes API server is and how to authenticate to it: a kubeconfig (current or named
// context) or the pod's own service account. Verification of the server is never turned off: a
// kubeconfig asking for insecure-skip-tls-verify or a plain http server is refused.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace switchyard::kube {

// A bearer token, either fixed or read from a file that its owner replaces (the kubelet rotates a
// projected service-account token every hour, atomically swapping a symlink). The file is read
// again whenever its identity (inode, size, modification time) changes. Thread-safe.
class BearerToken {
 public:
  static std::shared_ptr<BearerToken> fixed(std::string token);
  static std::shared_ptr<BearerToken> fromFile(std::string path);

  // The token to send now; empty when the file cannot be read (the request then fails with 401
  // and is retried later, when the kubelet has written the file).
  std::string current();
  const std::string& path() const { return path_; }

 private:
  std::mutex mutex_;
  std::string path_;  // empty = fixed
  std::string token_;
  std::uintmax_t size_ = 0;
  std::uint64_t inode_ = 0;
  std::filesystem::file_time_type mtime_{};
  bool read_ = false;
};

struct ClusterAccess {
  std::string host;  // DNS name or IP literal (no brackets)
  std::uint16_t port = 443;
  std::string basePath;    // path prefix of the server URL, without the trailing '/'; usually ""
  std::string serverName;  // the name the server certificate must carry (tls-server-name or host)
  std::string caPem;       // trusted CAs; empty = OpenSSL's default store
  std::string clientCertPem;  // client-certificate users: certificate chain and key
  std::string clientKeyPem;
  std::shared_ptr<BearerToken> token;  // null = no Authorization header
  std::string ns;                      // the context's namespace, or the pod's; "" when none is set
  std::string source;  // for messages: "kubeconfig F (context C)" or "in-cluster service account"
};

struct KubeconfigOptions {
  std::string path;
  std::string context;  // "" = current-context
};

// Reads a kubeconfig. Relative file paths in it are relative to the kubeconfig's folder.
// Errors (ErrorKind::Internal, the message names the file and the field): unreadable or invalid
// YAML, no such context/cluster/user, insecure-skip-tls-verify, a server that is not https, exec
// and auth-provider users (not supported), unreadable certificate files.
core::Result<ClusterAccess> loadKubeconfig(const KubeconfigOptions& options);

struct InClusterOptions {
  std::string serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
  // Source of KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT; the process environment when
  // empty.
  std::function<std::optional<std::string>(std::string_view)> getenv;
};

// The pod's service account: KUBERNETES_SERVICE_HOST/PORT, DIR/token (re-read as it rotates),
// DIR/ca.crt, DIR/namespace. Errors when the variables are missing (not in a pod) or ca.crt or
// the token cannot be read.
core::Result<ClusterAccess> loadInCluster(const InClusterOptions& options = {});

}  // namespace switchyard::kube
