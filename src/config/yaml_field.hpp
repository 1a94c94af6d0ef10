#pragma once
// A YAML node together with its field path and the manifest object it belongs to, so every typed
// read can report a wrong type or a missing value at the right file, line and field.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/snapshot.hpp"

namespace switchyard::config::detail {

// The manifest object being read and where its diagnostics go.
struct ObjectContext {
  std::string file;
  std::string kind;
  std::string name;  // namespace/name
  std::vector<Diagnostic>* diagnostics = nullptr;

  Location at(int line, std::string field) const {
    return {file, line, kind, name, std::move(field)};
  }
  void report(Severity severity, int line, std::string field, std::string message) const;
};

class Field {
 public:
  // `line` is where the field is written: its key's line, a list item's own line, or for an
  // absent field the line of the nearest present parent.
  Field(YAML::Node node, std::string path, int line, const ObjectContext* context);

  // Child of a mapping; an absent Field when this is not a mapping or has no such key.
  Field operator[](std::string_view key) const;

  const std::string& path() const { return path_; }
  int line() const { return line_; }
  Location where() const { return context_->at(line_, path_); }
  const YAML::Node& node() const { return node_; }
  bool present() const { return node_.IsDefined() && !node_.IsNull(); }

  // Typed reads. Absent → nullopt (after an Error when required); wrong type → Error and nullopt.
  std::optional<std::string> str(bool required = false) const;
  std::optional<std::int64_t> integer(bool required = false) const;
  std::optional<Millis> duration(bool required = false) const;
  std::optional<std::uint64_t> quantity(bool required = false) const;
  std::optional<bool> boolean(bool required = false) const;  // true / false

  // True for a mapping. Error when present but not a mapping (or absent and required).
  bool map(bool required = false) const;
  // Items of a sequence. Error when present but not a sequence (or absent and required).
  std::vector<Field> list(bool required = false) const;
  // Key/value pairs of a mapping with scalar keys, in document order.
  std::vector<std::pair<std::string, Field>> entries() const;

  void error(std::string message) const;
  void warning(std::string message) const;

 private:
  bool scalar(bool required, std::string_view expected) const;

  YAML::Node node_;
  std::string path_;
  int line_ = 0;
  const ObjectContext* context_ = nullptr;
};

}  // namespace switchyard::config::detail
