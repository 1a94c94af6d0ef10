#include "route/router.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <unordered_set>

namespace switchyard::route {

namespace {

constexpr std::string_view kModelHeader = "x-ai-eg-model";
constexpr std::uint32_t kNoRule = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t kScanAtMost = 4;  // regex rules tried one by one rather than as a set

bool holds(const config::HeaderMatch& condition, std::string_view value) {
  if (condition.type == config::HeaderMatch::Type::Exact) return value == condition.value;
  return condition.regex &&
         RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *condition.regex);
}

bool matches(const config::Rule& rule, const HeaderLookup& header) {
  if (rule.matches.empty()) return true;
  for (const auto& match : rule.matches) {
    bool all = true;
    for (const auto& condition : match) {
      if (!holds(condition, header(condition.name))) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

// A rule that only the model decides: at least one entry, each exactly one x-ai-eg-model
// condition. (No entries matches everything; an empty entry too; both are scanned.)
bool isModelRule(const config::Rule& rule) {
  if (rule.matches.empty()) return false;
  return std::all_of(rule.matches.begin(), rule.matches.end(), [](const auto& match) {
    return match.size() == 1 && match.front().name == kModelHeader;
  });
}

// Options that change what a pattern matches (not max_mem, not log_errors): regexes go into one
// set only when these agree, so the set matches exactly as each regex alone would.
bool sameMatching(const RE2::Options& a, const RE2::Options& b) {
  return a.encoding() == b.encoding() && a.posix_syntax() == b.posix_syntax() &&
         a.longest_match() == b.longest_match() && a.literal() == b.literal() &&
         a.never_nl() == b.never_nl() && a.dot_nl() == b.dot_nl() &&
         a.never_capture() == b.never_capture() && a.case_sensitive() == b.case_sensitive() &&
         a.perl_classes() == b.perl_classes() && a.word_boundary() == b.word_boundary() &&
         a.one_line() == b.one_line();
}

}  // namespace

// The regexes of the model rules, matched whole (anchored both ends) in one DFA pass.
class RouteTable::RegexSet {
 public:
  explicit RegexSet(const RE2::Options& options) : set_(options, RE2::ANCHOR_BOTH) {
    options_.Copy(options);
  }

  // False when the pattern cannot join (other options, or the set does not accept it). Rules
  // come in order; a pattern already added for an earlier rule is not added again, since that
  // rule wins whenever it matches.
  bool add(const RE2& regex, std::uint32_t rule) {
    if (!sameMatching(regex.options(), options_)) return false;
    if (!added_.insert(regex.pattern()).second) return true;
    if (set_.Add(regex.pattern(), nullptr) < 0) return false;
    ruleOf_.push_back(rule);
    return true;
  }
  bool compile() { return set_.Compile(); }

  enum class Answer { No, Yes, Unknown };  // Unknown: the DFA ran out of memory

  // Whether any pattern matches. Nothing matching is the common case (an exact hit after some
  // regex rules), and this answers it without allocating.
  Answer anyMatch(std::string_view model) const {
    RE2::Set::ErrorInfo error{};
    if (set_.Match(re2::StringPiece(model.data(), model.size()), nullptr, &error))
      return Answer::Yes;
    return error.kind == RE2::Set::kNoError ? Answer::No : Answer::Unknown;
  }

  // The smallest rule index among the matching patterns (kNoRule when none), or nullopt when
  // the set could not decide. Allocates: RE2 reports the matches through a vector.
  std::optional<std::uint32_t> firstMatch(std::string_view model) const {
    std::vector<int> hits;
    RE2::Set::ErrorInfo error{};
    if (!set_.Match(re2::StringPiece(model.data(), model.size()), &hits, &error))
      return error.kind == RE2::Set::kNoError ? std::optional(kNoRule) : std::nullopt;
    std::uint32_t first = kNoRule;
    for (const int hit : hits) first = std::min(first, ruleOf_[static_cast<std::size_t>(hit)]);
    return first;
  }

 private:
  RE2::Options options_;
  RE2::Set set_;
  std::vector<std::uint32_t> ruleOf_;           // pattern index → rule index
  std::unordered_set<std::string_view> added_;  // patterns, owned by the rules' RE2 objects
};

RouteTable::RouteTable() = default;
RouteTable::~RouteTable() = default;
RouteTable::RouteTable(RouteTable&&) noexcept = default;
RouteTable& RouteTable::operator=(RouteTable&&) noexcept = default;

RouteTable::RouteTable(const config::Snapshot& snapshot) {
  for (const auto& route : snapshot.routes) {
    for (const auto& rule : route.rules) rules_.push_back({&route, &rule});
  }
  for (std::uint32_t i = 0; i < rules_.size(); ++i) {
    const config::Rule& rule = *rules_[i].rule;
    if (!isModelRule(rule)) {
      scanned_.push_back(i);
      continue;
    }
    bool hasRegex = false;
    for (const auto& match : rule.matches) {
      const auto& condition = match.front();
      if (condition.type == config::HeaderMatch::Type::Exact) {
        exact_.emplace(condition.value, i);  // keeps the first rule with the value
      } else {
        hasRegex = true;
      }
    }
    if (hasRegex) regexRules_.push_back(i);
  }
  if (regexRules_.empty()) return;

  // One set for all model regexes when they share their matching options. A regex that failed
  // to compile matches nothing (as RE2::FullMatch answers for it) and stays out.
  std::vector<std::pair<const RE2*, std::uint32_t>> regexes;  // in rule order
  for (const auto i : regexRules_) {
    for (const auto& match : rules_[i].rule->matches) {
      const auto& condition = match.front();
      if (condition.type != config::HeaderMatch::Type::Exact && condition.regex &&
          condition.regex->ok())
        regexes.emplace_back(condition.regex.get(), i);
    }
  }
  if (regexes.empty()) return;
  auto set = std::make_unique<RegexSet>(regexes.front().first->options());
  for (const auto& [regex, rule] : regexes) {
    if (!set->add(*regex, rule)) return;  // other options: the regex rules are scanned in order
  }
  // Kept only when it compiled (out of memory otherwise): RE2's Set::Match on a set whose
  // Compile failed dereferences a null program.
  if (set->compile()) regexSet_ = std::move(set);
}

RouteTable::Shape RouteTable::shape() const {
  return {rules_.size(), exact_.size(), regexRules_.size(), regexSet_ != nullptr, scanned_.size()};
}

std::uint32_t RouteTable::firstRegexMatch(std::string_view model, std::uint32_t bound) const {
  // Only the regex rules before the bound can still win.
  const auto candidates = static_cast<std::size_t>(
      std::lower_bound(regexRules_.begin(), regexRules_.end(), bound) - regexRules_.begin());
  // A few candidates are matched one by one sooner than the set answers.
  if (regexSet_ && candidates > kScanAtMost) {
    const auto any = regexSet_->anyMatch(model);
    if (any == RegexSet::Answer::No) return bound;
    if (any == RegexSet::Answer::Yes) {
      if (const auto first = regexSet_->firstMatch(model)) return std::min(*first, bound);
    }
  }
  const HeaderLookup modelOnly = [model](std::string_view) { return model; };
  for (std::size_t k = 0; k < candidates; ++k) {
    if (matches(*rules_[regexRules_[k]].rule, modelOnly)) return regexRules_[k];
  }
  return bound;
}

RouteMatch RouteTable::find(const HeaderLookup& header) const {
  std::uint32_t bound = kNoRule;
  if (!exact_.empty() || !regexRules_.empty()) {
    const std::string_view model = header(kModelHeader);
    if (const auto it = exact_.find(model); it != exact_.end()) bound = it->second;
    if (!regexRules_.empty() && regexRules_.front() < bound) bound = firstRegexMatch(model, bound);
  }
  for (const auto i : scanned_) {
    if (i >= bound) break;
    if (matches(*rules_[i].rule, header)) {
      bound = i;
      break;
    }
  }
  if (bound == kNoRule) return {};
  return {rules_[bound].route, rules_[bound].rule};
}

std::vector<ModelInfo> listModels(const config::Snapshot& snapshot) {
  std::vector<ModelInfo> models;
  std::unordered_set<std::string_view> seen;
  for (const auto& route : snapshot.routes) {
    for (const auto& rule : route.rules) {
      for (const auto& match : rule.matches) {
        for (const auto& condition : match) {
          if (condition.type != config::HeaderMatch::Type::Exact || condition.name != kModelHeader)
            continue;
          if (seen.insert(condition.value).second)
            models.push_back({condition.value, rule.modelsOwnedBy, rule.modelsCreatedAt});
        }
      }
    }
  }
  return models;
}

}  // namespace switchyard::route
