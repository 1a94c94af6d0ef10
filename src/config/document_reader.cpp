#include "config/document_reader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/yaml_field.hpp"

namespace switchyard::config::detail {

namespace fs = std::filesystem;

namespace {

void fileError(std::vector<Diagnostic>& diagnostics, const std::string& file, int line,
               std::string message) {
  Diagnostic d;
  d.severity = Severity::Error;
  d.where.file = file;
  d.where.line = line;
  d.message = std::move(message);
  diagnostics.push_back(std::move(d));
}

// The files a path stands for, or an Error.
std::vector<std::string> expandPath(const std::string& path, std::vector<Diagnostic>& diagnostics) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    fileError(diagnostics, path, 0, "no such file or folder");
    return {};
  }
  if (!fs::is_directory(status)) return {path};
  std::vector<std::string> files;
  for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    const auto ext = it->path().extension();
    if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec))
      files.push_back(it->path().string());
  }
  if (ec) fileError(diagnostics, path, 0, "cannot list folder: " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    Diagnostic d{Severity::Warning, {path, 0, "", "", ""}, "folder has no *.yaml or *.yml files"};
    diagnostics.push_back(std::move(d));
  }
  return files;
}

void readText(const std::string& file, const std::string& text, std::vector<SourceDocument>& out,
              std::vector<Diagnostic>& diagnostics) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    fileError(diagnostics, file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
              "YAML syntax error: " + e.msg);
    return;
  }

  for (const auto& root : documents) {
    if (!root.IsDefined() || root.IsNull()) continue;  // empty document, e.g. only comments
    const int line = root.Mark().line + 1;
    if (!root.IsMap()) {
      fileError(diagnostics, file, line, "a manifest must be a mapping with apiVersion and kind");
      continue;
    }
    SourceDocument doc;
    doc.file = file;
    doc.root = root;
    doc.line = line;
    ObjectContext context{file, "", "", &diagnostics};
    Field top(root, "", line, &context);
    const auto apiVersion = top["apiVersion"].str(true);
    const auto kind = top["kind"].str(true);
    if (!apiVersion || !kind) continue;
    doc.apiVersion = *apiVersion;
    doc.kind = *kind;
    context.kind = doc.kind;
    const auto metadata = top["metadata"];
    if (!metadata.map(true)) continue;
    const auto name = metadata["name"].str(true);
    const auto ns = metadata["namespace"].str();
    if (!name) continue;
    doc.name = *name;
    doc.ns = ns && !ns->empty() ? *ns : "default";
    out.push_back(std::move(doc));
  }
}

void readFile(const std::string& file, const Getenv& getenv, std::vector<SourceDocument>& out,
              std::vector<Diagnostic>& diagnostics) {
  // Refused before it is read: a huge file (a log, a dump written to the wrong path) would be held
  // whole in memory, parsed, and held again in every snapshot built from it.
  std::error_code ec;
  if (const auto size = fs::file_size(file, ec); !ec && size > kMaxManifestFileBytes) {
    fileError(diagnostics, file, 0,
              "file is " + std::to_string(size) + " bytes; a manifest file may be at most " +
                  std::to_string(kMaxManifestFileBytes) + " bytes (8 MiB): not read");
    return;
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream raw;
  raw << in.rdbuf();
  if (!in) {
    fileError(diagnostics, file, 0, "cannot read file");
    return;
  }
  const auto errorsBefore =
      std::count_if(diagnostics.begin(), diagnostics.end(),
                    [](const auto& d) { return d.severity == Severity::Error; });
  const std::string text = substituteEnv(raw.str(), file, getenv, diagnostics);
  const auto errorsAfter = std::count_if(diagnostics.begin(), diagnostics.end(), [](const auto& d) {
    return d.severity == Severity::Error;
  });
  if (errorsAfter != errorsBefore) return;  // text has holes; parsing it would only add noise
  readText(file, text, out, diagnostics);
}

}  // namespace

std::vector<SourceDocument> readDocuments(const std::vector<std::string>& paths,
                                          const std::vector<ManifestText>& texts,
                                          const Getenv& getenv, std::vector<std::string>& files,
                                          std::vector<Diagnostic>& diagnostics) {
  std::vector<SourceDocument> out;
  for (const auto& path : paths) {
    for (const auto& file : expandPath(path, diagnostics)) {
      files.push_back(file);
      readFile(file, getenv, out, diagnostics);
    }
  }
  for (const auto& text : texts) {
    files.push_back(text.name);
    readText(text.name, text.text, out, diagnostics);
  }
  return out;
}

}  // namespace switchyard::config::detail
