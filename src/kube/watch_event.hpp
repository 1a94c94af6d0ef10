#pragma once
// One line of a Kubernetes watch stream (`{"type": "...", "object": {...}}`), decoded, and an
// object as the store keeps it. Both are untrusted input from the API server: watcher.cpp drives
// them, tests/fuzz/kube_watch_fuzzer.cpp feeds them arbitrary bytes.

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "kube/api_client.hpp"
#include "kube/object_store.hpp"

namespace switchyard::kube {

struct WatchEvent {
  enum class Type { Added, Modified, Deleted, Bookmark, Error, Other };
  Type type = Type::Other;
  boost::json::object object;
  // For Error: the Status object's `code` (410: the resourceVersion is gone, relist), or 0.
  std::int64_t errorCode = 0;
};

// nullopt when the line is not JSON, or has no string `type` or no object `object`.
std::optional<WatchEvent> parseWatchEvent(std::string_view line);

// The object as stored: apiVersion and kind filled in (list items may lack them), no
// managedFields. nullopt when it has no name.
std::optional<std::pair<ObjectKey, boost::json::object>> normalizeObject(
    const ServedKind& kind, boost::json::object object);

}  // namespace switchyard::kube
