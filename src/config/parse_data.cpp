// Secret (data base64, stringData plain; stringData wins for the same key) and ConfigMap (data).

#include "config/parsers.hpp"
#include "core/base64.hpp"

namespace switchyard::config::detail {

namespace {

// Standard base64 with padding; line breaks and spaces (as in folded `kubectl` output) are ignored.
constexpr core::base64::DecodeOptions kSecretData{.skipWhitespace = true};

// Reads a mapping of string values; the value is never quoted in a diagnostic (it may be secret).
void readStrings(const Field& map, std::map<std::string, std::string>& into, bool base64) {
  if (!map.map()) return;
  for (const auto& [key, value] : map.entries()) {
    if (!value.present()) {
      into[key];
      continue;
    }
    if (!value.node().IsScalar()) {
      value.error("expected a string");
      continue;
    }
    if (!base64) {
      into[key] = value.node().Scalar();
    } else if (auto decoded = core::base64::decode(value.node().Scalar(), kSecretData)) {
      into[key] = std::move(*decoded);
    } else {
      value.error("invalid base64 (data values must be base64; use stringData for plain text)");
    }
  }
}

}  // namespace

void parseSecret(const Field& doc, ObjectMeta meta, Manifests& out) {
  DataManifest secret;
  secret.meta = std::move(meta);
  readStrings(doc["data"], secret.data, true);
  readStrings(doc["stringData"], secret.data, false);  // after data: stringData wins
  out.secrets.push_back(std::move(secret));
}

void parseConfigMap(const Field& doc, ObjectMeta meta, Manifests& out) {
  DataManifest configMap;
  configMap.meta = std::move(meta);
  readStrings(doc["data"], configMap.data, false);
  out.configMaps.push_back(std::move(configMap));
}

}  // namespace switchyard::config::detail
