#include "route/router.hpp"

#include <re2/re2.h>

#include <unordered_set>

namespace switchyard::route {

namespace {

constexpr std::string_view kModelHeader = "x-ai-eg-model";

bool holds(const config::HeaderMatch& condition, std::string_view value) {
  if (condition.type == config::HeaderMatch::Type::Exact) return value == condition.value;
  return condition.regex &&
         RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *condition.regex);
}

bool matches(const config::Rule& rule,
             const std::function<std::string_view(std::string_view)>& header) {
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

}  // namespace

RouteMatch findRoute(const config::Snapshot& snapshot,
                     const std::function<std::string_view(std::string_view)>& header) {
  for (const auto& route : snapshot.routes) {
    for (const auto& rule : route.rules) {
      if (matches(rule, header)) return {&route, &rule};
    }
  }
  return {};
}

const config::Rule* findRule(const config::Snapshot& snapshot,
                             const std::function<std::string_view(std::string_view)>& header) {
  return findRoute(snapshot, header).rule;
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
