#pragma once
// Request → rule: the first rule (routes in order, rules in order) with a match whose header
// conditions all hold. Allocation-free; runs on every request.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"

namespace switchyard::route {

// `header` returns the value of a request header given its lower-case name (empty when absent).
// A rule without matches matches every request (Gateway API semantics). nullptr = no rule.
struct RouteMatch {
  const config::Route* route = nullptr;  // null: no rule matched
  const config::Rule* rule = nullptr;
};
// The route holding the matching rule too (its retry policy applies).
RouteMatch findRoute(const config::Snapshot& snapshot,
                     const std::function<std::string_view(std::string_view lowerName)>& header);

const config::Rule* findRule(
    const config::Snapshot& snapshot,
    const std::function<std::string_view(std::string_view lowerName)>& header);

struct ModelInfo {
  std::string id;
  std::string ownedBy;
  std::int64_t created = 0;  // 0 = unset (the caller shows its own start time)
};

// The Exact x-ai-eg-model values of every rule, de-duplicated (first wins), in order: what
// GET /v1/models lists.
std::vector<ModelInfo> listModels(const config::Snapshot& snapshot);

}  // namespace switchyard::route
