// Secret (data base64, stringData plain; stringData wins for the same key) and ConfigMap (data).

#include "config/parsers.hpp"

namespace switchyard::config::detail {

namespace {

// Standard base64 with padding; line breaks and spaces (as in folded `kubectl` output) are ignored.
std::optional<std::string> decodeBase64(std::string_view text) {
  auto sextet = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string compact;
  compact.reserve(text.size());
  for (char c : text) {
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') compact += c;
  }
  if (compact.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(compact.size() / 4 * 3);
  for (std::size_t i = 0; i < compact.size(); i += 4) {
    const bool last = i + 4 == compact.size();
    const int pad = (compact[i + 3] == '=') + (compact[i + 2] == '=' && compact[i + 3] == '=');
    if (pad > 0 && !last) return std::nullopt;
    unsigned bits = 0;
    for (int j = 0; j < 4 - pad; ++j) {
      const int v = sextet(compact[i + j]);
      if (v < 0) return std::nullopt;
      bits = bits << 6 | static_cast<unsigned>(v);
    }
    bits <<= 6 * pad;
    out += static_cast<char>(bits >> 16 & 0xFF);
    if (pad < 2) out += static_cast<char>(bits >> 8 & 0xFF);
    if (pad < 1) out += static_cast<char>(bits & 0xFF);
  }
  return out;
}

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
    } else if (auto decoded = decodeBase64(value.node().Scalar())) {
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
