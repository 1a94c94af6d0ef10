#include "config/loader.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "config/document_reader.hpp"
#include "config/parsers.hpp"
#include "config/resolver.hpp"

namespace switchyard::config {

namespace {

std::optional<std::string> processEnv(std::string_view name) {
  if (const char* value = std::getenv(std::string(name).c_str())) return std::string(value);
  return std::nullopt;
}

// Diagnostics in file order: files in the order they were read, then by line. Diagnostics about
// a path that could not be read or with no file come first. Stable: same-line reports keep their
// order.
void sortByFileOrder(std::vector<Diagnostic>& diagnostics, const std::vector<std::string>& files) {
  std::map<std::string, std::size_t> rank;
  for (const auto& file : files) rank.emplace(file, rank.size() + 1);
  auto rankOf = [&](const Diagnostic& d) {
    const auto it = rank.find(d.where.file);
    return it == rank.end() ? 0 : it->second;
  };
  std::stable_sort(diagnostics.begin(), diagnostics.end(), [&](const auto& a, const auto& b) {
    const auto ra = rankOf(a), rb = rankOf(b);
    return ra != rb ? ra < rb : a.where.line < b.where.line;
  });
}

}  // namespace

LoadResult loadSnapshot(const LoadOptions& options) {
  LoadResult result;
  auto& diagnostics = result.diagnostics;
  std::shared_ptr<Snapshot> snapshot;
  std::vector<std::string> files;
  try {
    const detail::Getenv getenv = options.getenv ? options.getenv : detail::Getenv(processEnv);
    const auto documents =
        detail::readDocuments(options.paths, options.texts, getenv, files, diagnostics);
    const auto manifests = detail::parseDocuments(documents, diagnostics);
    snapshot = detail::resolve(manifests, options.secretsDir, diagnostics);
  } catch (const std::exception& e) {
    // Last guard: a bug here must not take the process down on a reload.
    diagnostics.push_back(
        Diagnostic{Severity::Error, {}, std::string("internal error while loading: ") + e.what()});
  }
  sortByFileOrder(diagnostics, files);
  const bool failed = std::any_of(diagnostics.begin(), diagnostics.end(),
                                  [](const auto& d) { return d.severity == Severity::Error; });
  if (failed || !snapshot) return result;
  for (const auto& d : diagnostics) snapshot->warnings.push_back(d);
  result.snapshot = std::move(snapshot);
  return result;
}

}  // namespace switchyard::config
