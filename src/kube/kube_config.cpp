#include "kube/kube_config.hpp"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <boost/url/parse.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/base64.hpp"

namespace switchyard::kube {

namespace fs = std::filesystem;

namespace {

core::Error configError(std::string message) {
  return core::Error::make(core::ErrorKind::Internal, std::move(message));
}

std::optional<std::string> readWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return out.str();
}

std::string trimmed(std::string text) {
  const auto end = text.find_last_not_of(" \t\r\n");
  text.erase(end == std::string::npos ? 0 : end + 1);
  const auto begin = text.find_first_not_of(" \t\r\n");
  text.erase(0, begin == std::string::npos ? text.size() : begin);
  return text;
}

std::optional<std::string> processEnv(std::string_view name) {
  if (const char* value = std::getenv(std::string(name).c_str())) return std::string(value);
  return std::nullopt;
}

// The entry of a kubeconfig list (contexts, clusters, users) with this name, or an undefined node.
YAML::Node namedEntry(const YAML::Node& list, const std::string& name, const char* field) {
  if (list.IsSequence()) {
    for (const auto& item : list) {
      if (item.IsMap() && item["name"] && item["name"].as<std::string>("") == name) {
        return item[field];
      }
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

std::string scalar(const YAML::Node& map, const char* key) {
  if (!map.IsMap() || !map[key] || !map[key].IsScalar()) return {};
  return map[key].as<std::string>("");
}

// "<key>-data" (base64) or "<key>" (a file, relative to the kubeconfig's folder); "" when neither.
core::Result<std::string> pemField(const YAML::Node& map, const std::string& key,
                                   const fs::path& folder, const std::string& where) {
  if (const auto data = scalar(map, (key + "-data").c_str()); !data.empty()) {
    auto decoded = core::base64::decode(data, {.skipWhitespace = true});
    if (!decoded) return configError(where + "." + key + "-data: not valid base64");
    return std::move(*decoded);
  }
  if (const auto file = scalar(map, key.c_str()); !file.empty()) {
    const fs::path path = fs::path(file).is_absolute() ? fs::path(file) : folder / file;
    auto text = readWholeFile(path.string());
    if (!text) return configError(where + "." + key + ": cannot read " + path.string());
    return std::move(*text);
  }
  return std::string();
}

}  // namespace

std::shared_ptr<BearerToken> BearerToken::fixed(std::string token) {
  auto out = std::make_shared<BearerToken>();
  out->token_ = std::move(token);
  out->read_ = true;
  return out;
}

std::shared_ptr<BearerToken> BearerToken::fromFile(std::string path) {
  auto out = std::make_shared<BearerToken>();
  out->path_ = std::move(path);
  return out;
}

std::string BearerToken::current() {
  std::lock_guard lock(mutex_);
  if (path_.empty()) return token_;
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) return read_ ? token_ : std::string();
  std::error_code ec;
  const auto mtime = fs::last_write_time(path_, ec);
  const auto size = static_cast<std::uintmax_t>(info.st_size);
  const auto inode = static_cast<std::uint64_t>(info.st_ino);
  if (read_ && !ec && mtime == mtime_ && size == size_ && inode == inode_) return token_;
  if (auto text = readWholeFile(path_)) {
    token_ = trimmed(std::move(*text));
    mtime_ = mtime;
    size_ = size;
    inode_ = inode;
    read_ = true;
  }
  return token_;
}

core::Result<ClusterAccess> loadKubeconfig(const KubeconfigOptions& options) {
  const std::string& file = options.path;
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    return configError("kubeconfig " + file + ": cannot read file");
  } catch (const YAML::Exception& e) {
    return configError("kubeconfig " + file + ":" + std::to_string(e.mark.line + 1) +
                       ": YAML syntax error: " + e.msg);
  }
  if (!root.IsMap()) return configError("kubeconfig " + file + ": not a mapping");
  const fs::path folder = fs::absolute(fs::path(file)).parent_path();

  std::string contextName = options.context;
  if (contextName.empty()) contextName = scalar(root, "current-context");
  if (contextName.empty()) {
    return configError("kubeconfig " + file + ": no current-context; name one with --context");
  }
  const std::string where = "kubeconfig " + file;
  const YAML::Node context = namedEntry(root["contexts"], contextName, "context");
  if (!context.IsMap()) return configError(where + ": no context named " + contextName);
  const std::string clusterName = scalar(context, "cluster");
  const std::string userName = scalar(context, "user");
  const YAML::Node cluster = namedEntry(root["clusters"], clusterName, "cluster");
  if (!cluster.IsMap()) {
    return configError(where + ": context " + contextName + " names cluster \"" + clusterName +
                       "\", which is not defined");
  }

  ClusterAccess access;
  access.ns = scalar(context, "namespace");
  access.source = where + " (context " + contextName + ")";
  const std::string clusterWhere = where + ": clusters[" + clusterName + "].cluster";

  const std::string skip = scalar(cluster, "insecure-skip-tls-verify");
  if (skip == "true" || skip == "True" || skip == "yes") {
    return configError(clusterWhere +
                       ".insecure-skip-tls-verify: switchyard never turns off verification of "
                       "the API server; give certificate-authority(-data) instead");
  }
  const std::string server = scalar(cluster, "server");
  const auto url = boost::urls::parse_uri(server);
  if (!url || url->host().empty()) {
    return configError(clusterWhere + ".server: not an absolute URL: \"" + server + "\"");
  }
  if (url->scheme() != "https") {
    return configError(clusterWhere + ".server: " + server +
                       " is not https; switchyard talks to the API server only over verified TLS");
  }
  access.host = url->host_address();  // IP literals without their brackets
  access.port = url->has_port() ? url->port_number() : 443;
  access.basePath = std::string(url->encoded_path());
  while (!access.basePath.empty() && access.basePath.back() == '/') access.basePath.pop_back();
  access.serverName = scalar(cluster, "tls-server-name");
  if (access.serverName.empty()) access.serverName = access.host;
  auto ca = pemField(cluster, "certificate-authority", folder, clusterWhere);
  if (!ca) return ca.error();
  access.caPem = std::move(*ca);

  const YAML::Node user = namedEntry(root["users"], userName, "user");
  if (!userName.empty() && !user.IsMap() && !user.IsNull()) {
    return configError(where + ": context " + contextName + " names user \"" + userName +
                       "\", which is not defined");
  }
  if (user.IsMap()) {
    const std::string userWhere = where + ": users[" + userName + "].user";
    if (user["exec"] || user["auth-provider"]) {
      return configError(userWhere +
                         ": exec and auth-provider credentials are not supported; use a token, "
                         "tokenFile or a client certificate");
    }
    if (user["username"] || user["password"]) {
      return configError(userWhere + ": basic authentication is not supported");
    }
    if (const auto token = scalar(user, "token"); !token.empty()) {
      access.token = BearerToken::fixed(token);
    } else if (const auto tokenFile = scalar(user, "tokenFile"); !tokenFile.empty()) {
      const fs::path path =
          fs::path(tokenFile).is_absolute() ? fs::path(tokenFile) : folder / tokenFile;
      access.token = BearerToken::fromFile(path.string());
      if (access.token->current().empty()) {
        return configError(userWhere + ".tokenFile: cannot read " + path.string());
      }
    }
    auto cert = pemField(user, "client-certificate", folder, userWhere);
    if (!cert) return cert.error();
    auto key = pemField(user, "client-key", folder, userWhere);
    if (!key) return key.error();
    if (cert->empty() != key->empty()) {
      return configError(userWhere + ": client-certificate and client-key go together");
    }
    access.clientCertPem = std::move(*cert);
    access.clientKeyPem = std::move(*key);
  }
  return access;
}

core::Result<ClusterAccess> loadInCluster(const InClusterOptions& options) {
  const auto getenv = options.getenv ? options.getenv : processEnv;
  const auto host = getenv("KUBERNETES_SERVICE_HOST");
  const auto port = getenv("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return configError(
        "not running in a Kubernetes pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
        "are not set); use --kubeconfig");
  }
  ClusterAccess access;
  access.source = "in-cluster service account";
  access.host = *host;
  if (access.host.size() > 2 && access.host.front() == '[') {
    access.host = access.host.substr(1, access.host.size() - 2);
  }
  int portNumber = 0;
  try {
    portNumber = std::stoi(*port);
  } catch (const std::exception&) {
  }
  if (portNumber <= 0 || portNumber > 65535) {
    return configError("KUBERNETES_SERVICE_PORT is not a port: \"" + *port + "\"");
  }
  access.port = static_cast<std::uint16_t>(portNumber);
  access.serverName = access.host;
  const fs::path dir(options.serviceAccountDir);
  auto ca = readWholeFile((dir / "ca.crt").string());
  if (!ca || ca->empty()) return configError("cannot read " + (dir / "ca.crt").string());
  access.caPem = std::move(*ca);
  access.token = BearerToken::fromFile((dir / "token").string());
  if (access.token->current().empty()) {
    return configError("cannot read " + (dir / "token").string());
  }
  if (auto ns = readWholeFile((dir / "namespace").string())) access.ns = trimmed(std::move(*ns));
  return access;
}

}  // namespace switchyard::kube
