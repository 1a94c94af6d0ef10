#pragma once
// Where Secret and ConfigMap values come from: the manifests first, then (Secrets only) the
// --secrets-dir folder laid out as Kubernetes mounts secrets (DIR/<name>/<key>).

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "config/manifests.hpp"

namespace switchyard::config::detail {

struct DataValue {
  std::string key;     // the key actually used
  std::string value;   // secret material for Secrets: never put it in a message
  std::string source;  // "Secret default/x" or the file path, for messages
};

class DataLookup {
 public:
  DataLookup(const Manifests& manifests, std::string secretsDir);

  // `key` empty = the secret's only key, else "service_account.json", else the first key in
  // sorted order. On failure returns the reason (safe to print).
  std::variant<DataValue, std::string> secret(const std::string& ns, const std::string& name,
                                              const std::string& key) const;
  // Every key of a Secret (apiKeyAuth: key = client id, value = its API key); from the manifests,
  // else the plain files of DIR/<name>/. On failure returns the reason (safe to print).
  std::variant<std::map<std::string, std::string>, std::string> secretEntries(
      const std::string& ns, const std::string& name) const;
  std::variant<DataValue, std::string> configMap(const std::string& ns, const std::string& name,
                                                 const std::string& key) const;

 private:
  std::map<std::string, const DataManifest*> secrets_;     // namespace/name
  std::map<std::string, const DataManifest*> configMaps_;  // namespace/name
  std::string secretsDir_;
};

}  // namespace switchyard::config::detail
