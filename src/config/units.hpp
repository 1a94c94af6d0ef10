#pragma once
// Durations and quantities as manifests write them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/snapshot.hpp"

namespace switchyard::config {

// Gateway API / Go duration: one or more <number><unit>, unit one of h, m, s, ms, us, ns; a
// fraction is allowed ("1.5s", "1h30m", "100ms"). A bare "0" is zero. Rounded down to milliseconds.
// nullopt for anything else, including negative values.
std::optional<Millis> parseDuration(std::string_view text);

// Kubernetes quantity of bytes: "1024", "32Ki", "50Mi", "1Gi", "1G", "1k", "1.5Mi".
// nullopt for anything else (including milli "m" and values that overflow 64 bits).
std::optional<std::uint64_t> parseQuantity(std::string_view text);

// The shortest Go-style spelling of a duration: "30s", "100ms", "1m30s", "0s".
std::string formatDuration(Millis duration);

}  // namespace switchyard::config
