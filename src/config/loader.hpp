#pragma once
// Loading Envoy AI Gateway manifests into a Snapshot, and the two read-only views of a snapshot:
// the routing table `switchyard check` prints and the redacted JSON of /config_dump.

#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"
#include "config/units.hpp"

namespace switchyard::config {

// Manifests already in memory, e.g. objects read from the Kubernetes API (JSON is YAML).
struct ManifestText {
  std::string name;  // stands for the file name in diagnostics
  std::string text;  // one or more YAML documents
};

struct LoadOptions {
  // Files (multi-document YAML) or folders (every *.yaml / *.yml inside, sorted, not recursive).
  std::vector<std::string> paths;
  // Read after `paths` and validated exactly like them, but without ${VAR} substitution: these are
  // objects as their source (the API server) holds them, and a Secret may contain "${".
  std::vector<ManifestText> texts;
  // --secrets-dir: a Secret N with key K not found among the manifests is read from DIR/N/K.
  std::string secretsDir;
  // Source of ${VAR} and ${VAR:=default}; when empty, the process environment is used.
  std::function<std::optional<std::string>(std::string_view)> getenv;
};

struct LoadResult {
  std::shared_ptr<const Snapshot> snapshot;  // null when any diagnostic is an Error
  std::vector<Diagnostic> diagnostics;       // errors and warnings, in file order
  bool ok() const { return snapshot != nullptr; }
};

// Reads, validates and cross-references the manifests. Never throws on bad input: every problem
// is a Diagnostic naming file, line, kind, namespace/name and field.
LoadResult loadSnapshot(const LoadOptions& options);

// Human-readable routing table: per route its retry policy, llmRequestCosts and rate limit rules,
// and per rule the matches, then the backends by priority with weight, model override, schema,
// endpoint, TLS, credential policy and timeouts. Never contains a secret value.
std::string describeRoutingTable(const Snapshot& snapshot);

// Everything resolved, as JSON for /config_dump; secret values are replaced by "[redacted]".
boost::json::value dumpSnapshot(const Snapshot& snapshot);

}  // namespace switchyard::config
