#pragma once
// Request → rule: the first rule (routes in order, rules in order) with a match whose header
// conditions all hold. The table that answers it is built once per configuration, with the
// runtime; a lookup is one hash probe on x-ai-eg-model, plus only the rules that no index can
// answer and that come before the hit.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/snapshot.hpp"

namespace re2 {
class RE2;
}

namespace switchyard::route {

// Returns the value of a request header given its lower-case name (empty when absent). Called
// only during a lookup; it must give the same answer for the same name within one lookup.
using HeaderLookup = std::function<std::string_view(std::string_view lowerName)>;

struct RouteMatch {
  const config::Route* route = nullptr;  // null: no rule matched
  const config::Rule* rule = nullptr;    // the route holding it too: its retry policy applies
};

// Which rules of a snapshot match a request, answered exactly as a scan of every rule in order
// would (a rule without matches matches every request, Gateway API semantics):
// - a rule whose every `matches[]` entry is one condition on x-ai-eg-model is a *model rule*:
//   its Exact values go into a hash map (value → first model rule with it), its regular
//   expressions into one RE2::Set, matched against the model in a single pass when more than a
//   few regex rules come before the hit (else, or when the regexes differ in their RE2 options,
//   they are tried one by one in order);
// - every other rule (other headers, several conditions in an entry, no matches) is scanned in
//   order, but only up to the first model rule that matched.
// Refers to the snapshot's rules, values and compiled regexes: the snapshot must outlive the
// table (gateway::Runtime holds both). Immutable once built; any thread may look up.
class RouteTable {
 public:
  RouteTable();  // no rules: every lookup finds nothing
  explicit RouteTable(const config::Snapshot& snapshot);
  ~RouteTable();
  RouteTable(RouteTable&&) noexcept;
  RouteTable& operator=(RouteTable&&) noexcept;

  // Allocates only when more than a few regex rules come before the hit and one of them
  // matches: RE2::Set reports which ones through a vector.
  RouteMatch find(const HeaderLookup& header) const;

  // How the rules were indexed (for tests and diagnostics).
  struct Shape {
    std::size_t rules = 0;
    std::size_t exactModels = 0;  // distinct Exact x-ai-eg-model values of model rules
    std::size_t regexRules = 0;   // model rules with a regex
    bool regexSet = false;        // their regexes are matched as one set (else scanned in order)
    std::size_t scannedRules = 0;
  };
  Shape shape() const;

 private:
  struct Entry {
    const config::Route* route = nullptr;
    const config::Rule* rule = nullptr;
  };
  // Index in rules_ of the first matching model rule with a regex, if below `bound`; else bound.
  std::uint32_t firstRegexMatch(std::string_view model, std::uint32_t bound) const;

  std::vector<Entry> rules_;                                   // every rule, in match order
  std::unordered_map<std::string_view, std::uint32_t> exact_;  // model → first model rule
  std::vector<std::uint32_t> regexRules_;                      // model rules with a regex, in order
  std::vector<std::uint32_t> scanned_;                         // the other rules, in order
  class RegexSet;
  std::unique_ptr<RegexSet> regexSet_;  // null: the rules' regexes are scanned in order
};

struct ModelInfo {
  std::string id;
  std::string ownedBy;
  std::int64_t created = 0;  // 0 = unset (the caller shows its own start time)
};

// The Exact x-ai-eg-model values of every rule, de-duplicated (first wins), in order: what
// GET /v1/models lists.
std::vector<ModelInfo> listModels(const config::Snapshot& snapshot);

}  // namespace switchyard::route
