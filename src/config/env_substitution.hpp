#pragma once
// ${VAR} and ${VAR:=default} in manifest text, replaced before YAML parsing.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"

namespace switchyard::config::detail {

using Getenv = std::function<std::optional<std::string>(std::string_view)>;

// Returns text with every ${NAME} / ${NAME:=default} replaced (NAME = [A-Za-z_][A-Za-z0-9_]*).
// The default applies when the variable is unset or empty, as in the shell. An unset variable
// without a default is an Error at its line. Lines that are only a comment are left alone, so a
// commented-out ${VAR} does not fail the load. Anything else that starts with "${" is kept as is.
std::string substituteEnv(std::string_view text, const std::string& file, const Getenv& getenv,
                          std::vector<Diagnostic>& diagnostics);

}  // namespace switchyard::config::detail
