#include "config/snapshot.hpp"

namespace switchyard::config {

// "error: file:line: Kind namespace/name: field: message"; parts that are unknown are left out.
std::string Diagnostic::format() const {
  std::string out = severity == Severity::Error ? "error: " : "warning: ";
  if (!where.file.empty()) {
    out += where.file;
    if (where.line > 0) out += ":" + std::to_string(where.line);
    out += ": ";
  }
  if (!where.kind.empty() || !where.name.empty()) {
    out += where.kind;
    if (!where.kind.empty() && !where.name.empty()) out += " ";
    out += where.name;
    out += ": ";
  }
  if (!where.field.empty()) out += where.field + ": ";
  out += message;
  return out;
}

}  // namespace switchyard::config
