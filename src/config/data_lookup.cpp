#include "config/data_lookup.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace switchyard::config::detail {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPreferredKey = "service_account.json";

std::variant<DataValue, std::string> fromManifest(const DataManifest& object,
                                                  const std::string& key, const std::string& what) {
  const std::string source = what + " " + object.meta.key();
  if (key.empty()) {
    if (object.data.empty()) return source + " has no keys";
    auto it = object.data.find(std::string(kPreferredKey));
    if (it == object.data.end()) it = object.data.begin();  // std::map: sorted
    return DataValue{it->first, it->second, source};
  }
  const auto it = object.data.find(key);
  if (it == object.data.end()) return source + " has no key \"" + key + "\"";
  return DataValue{it->first, it->second, source};
}

std::optional<std::string> readWholeFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

DataLookup::DataLookup(const Manifests& manifests, std::string secretsDir)
    : secretsDir_(std::move(secretsDir)) {
  for (const auto& secret : manifests.secrets) secrets_.emplace(secret.meta.key(), &secret);
  for (const auto& configMap : manifests.configMaps)
    configMaps_.emplace(configMap.meta.key(), &configMap);
}

std::variant<DataValue, std::string> DataLookup::secret(const std::string& ns,
                                                        const std::string& name,
                                                        const std::string& key) const {
  if (const auto it = secrets_.find(ns + "/" + name); it != secrets_.end())
    return fromManifest(*it->second, key, "Secret");
  const std::string missing = "Secret " + ns + "/" + name + " not found";
  if (secretsDir_.empty()) return missing + " (and no --secrets-dir given)";

  const fs::path folder = fs::path(secretsDir_) / name;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return missing + " (nor the folder " + folder.string() + ")";
  std::string chosen = key;
  if (chosen.empty()) {
    // Kubernetes mounts add hidden entries (..data, ..2024_...); only plain files are keys.
    std::vector<std::string> keys;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      const auto file = it->path().filename().string();
      if (!file.starts_with(".") && it->is_regular_file(ec)) keys.push_back(file);
    }
    if (keys.empty()) return "Secret folder " + folder.string() + " has no key files";
    std::sort(keys.begin(), keys.end());
    chosen = std::find(keys.begin(), keys.end(), kPreferredKey) != keys.end()
                 ? std::string(kPreferredKey)
                 : keys.front();
  }
  const fs::path file = folder / chosen;
  auto value = readWholeFile(file);
  if (!value)
    return "Secret " + ns + "/" + name + " key \"" + chosen + "\" not found (nor the file " +
           file.string() + ")";
  return DataValue{chosen, std::move(*value), file.string()};
}

std::variant<std::map<std::string, std::string>, std::string> DataLookup::secretEntries(
    const std::string& ns, const std::string& name) const {
  if (const auto it = secrets_.find(ns + "/" + name); it != secrets_.end()) return it->second->data;
  const std::string missing = "Secret " + ns + "/" + name + " not found";
  if (secretsDir_.empty()) return missing + " (and no --secrets-dir given)";
  const fs::path folder = fs::path(secretsDir_) / name;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) return missing + " (nor the folder " + folder.string() + ")";
  std::map<std::string, std::string> entries;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const auto file = it->path().filename().string();
    if (file.starts_with(".") || !it->is_regular_file(ec)) continue;
    auto value = readWholeFile(it->path());
    if (!value) return "Secret file " + it->path().string() + " cannot be read";
    entries.emplace(file, std::move(*value));
  }
  return entries;
}

std::variant<DataValue, std::string> DataLookup::configMap(const std::string& ns,
                                                           const std::string& name,
                                                           const std::string& key) const {
  const auto it = configMaps_.find(ns + "/" + name);
  if (it == configMaps_.end()) return "ConfigMap " + ns + "/" + name + " not found";
  return fromManifest(*it->second, key, "ConfigMap");
}

}  // namespace switchyard::config::detail
