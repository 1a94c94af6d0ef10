#pragma once
// Shared by the config tests: fixture paths, temp folders, diagnostic lookups and the table check
// of one diagnostic.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>

#include "config/loader.hpp"

namespace switchyard::config::testing {

inline std::filesystem::path testdataDir() {
  return std::filesystem::path(__FILE__).parent_path() / "testdata";
}

inline std::string fixture(const std::string& name) { return (testdataDir() / name).string(); }

// A fresh folder under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("switchyard-config-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string write(const std::string& relative, const std::string& text) const {
    const auto file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

// getenv backed by a map, so tests never depend on the real environment.
inline auto envFrom(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

inline LoadResult loadPaths(std::vector<std::string> paths, std::string secretsDir = {},
                            std::map<std::string, std::string> env = {}) {
  LoadOptions options;
  options.paths = std::move(paths);
  options.secretsDir = std::move(secretsDir);
  options.getenv = envFrom(std::move(env));
  return loadSnapshot(options);
}

inline std::string allDiagnostics(const LoadResult& result) {
  std::string out;
  for (const auto& d : result.diagnostics) out += d.format() + "\n";
  return out;
}

inline const Diagnostic* findDiagnostic(const LoadResult& result, std::string_view messagePart) {
  for (const auto& d : result.diagnostics) {
    if (d.message.find(messagePart) != std::string::npos) return &d;
  }
  return nullptr;
}

// One table case of the diagnostics tests: the YAML, and the one diagnostic it must give.
struct DiagnosticCase {
  std::string name;
  std::string yaml;
  Severity severity;
  int line;  // -1 = any line > 0
  std::string kind;
  std::string object;  // namespace/name
  std::string field;
  std::string message;  // a part of the message
  std::map<std::string, std::string> env = {};
};

// Loads `c.yaml` from a temp file and expects its diagnostic at exactly its file, line, kind,
// object and field; the load fails exactly when some diagnostic is an Error, and no secret leaks.
inline void expectDiagnostic(const DiagnosticCase& c) {
  TempDir dir;
  const auto file = dir.write("case.yaml", c.yaml);
  const auto result = loadPaths({file}, {}, c.env);
  const auto all = allDiagnostics(result);

  const Diagnostic* found = nullptr;
  for (const auto& d : result.diagnostics) {
    if (d.severity == c.severity && d.message.find(c.message) != std::string::npos) found = &d;
  }
  ASSERT_NE(found, nullptr) << "expected: " << c.message << "\ngot:\n" << all;
  EXPECT_EQ(found->where.file, file);
  if (c.line >= 0) {
    EXPECT_EQ(found->where.line, c.line) << found->format();
  } else {
    EXPECT_GT(found->where.line, 0) << found->format();
  }
  EXPECT_EQ(found->where.kind, c.kind) << found->format();
  EXPECT_EQ(found->where.name, c.object) << found->format();
  EXPECT_EQ(found->where.field, c.field) << found->format();

  const bool anyError = std::any_of(result.diagnostics.begin(), result.diagnostics.end(),
                                    [](const auto& d) { return d.severity == Severity::Error; });
  EXPECT_EQ(result.ok(), !anyError) << all;
  if (c.severity == Severity::Error) EXPECT_FALSE(result.ok());
  EXPECT_EQ(all.find("SECRET"), std::string::npos) << "a secret value leaked:\n" << all;
}

}  // namespace switchyard::config::testing
