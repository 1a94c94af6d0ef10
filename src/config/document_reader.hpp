#pragma once
// Turns the configured paths into YAML documents with their file and line, after ${VAR}
// substitution. Syntax errors, unreadable paths and documents without kind/name are reported here.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "config/env_substitution.hpp"
#include "config/loader.hpp"
#include "config/snapshot.hpp"

namespace switchyard::config::detail {

// A manifest file larger than this is refused (an Error), not read.
constexpr std::uintmax_t kMaxManifestFileBytes = 8u << 20;

struct SourceDocument {
  std::string file;
  YAML::Node root;  // a mapping
  std::string apiVersion;
  std::string kind;
  std::string ns;    // metadata.namespace or "default"
  std::string name;  // metadata.name
  int line = 0;      // where the document starts
};

// Files are read as given; a folder contributes its *.yaml and *.yml files, sorted by name, not
// recursively; then the in-memory texts, without ${VAR} substitution. Documents come back in that
// order; `files` receives every file (and text name) read, in order.
std::vector<SourceDocument> readDocuments(const std::vector<std::string>& paths,
                                          const std::vector<ManifestText>& texts,
                                          const Getenv& getenv, std::vector<std::string>& files,
                                          std::vector<Diagnostic>& diagnostics);

}  // namespace switchyard::config::detail
