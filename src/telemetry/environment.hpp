#pragma once
// How telemetry settings read the process environment: injected, so tests pass a map.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace switchyard::telemetry {

// An environment variable by name, nullopt when unset (std::getenv in main, a map in tests).
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view name)>;

}  // namespace switchyard::telemetry
