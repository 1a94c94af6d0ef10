#pragma once
// RFC 3339 timestamps, as manifests (modelsCreatedAt) and Google (createTime) write them.

#include <cstdint>
#include <optional>
#include <string_view>

namespace switchyard::core {

// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm)` (RFC 3339 §5.6; 'T' and 'Z' in either case) → unix
// seconds, the fraction dropped. nullopt for anything else, including impossible dates
// (2025-02-30) and out-of-range fields. A second of 60 (a leap second) is accepted.
//
// A space in place of 'T' is rejected: §5.6's grammar has no space (only a note allows it by
// agreement), Google never sends one, and Kubernetes parses metav1.Time (Envoy AI Gateway's
// modelsCreatedAt) with Go's time.RFC3339, which rejects it too: a manifest Kubernetes refuses
// should not load here.
std::optional<std::int64_t> parseRfc3339(std::string_view text);

}  // namespace switchyard::core
