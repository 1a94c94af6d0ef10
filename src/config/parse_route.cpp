// AIGatewayRoute: parentRefs, llmRequestCosts, and per rule header matches, backendRefs, timeouts
// and model metadata.

#include <re2/re2.h>

#include <algorithm>
#include <cctype>

#include "config/parsers.hpp"
#include "config/units.hpp"
#include "core/rfc3339.hpp"

namespace switchyard::config::detail {

namespace {

constexpr std::string_view kDefaultOwnedBy = "Envoy AI Gateway";

std::string lowerCase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::optional<HeaderMatch> parseHeaderMatch(const Field& header) {
  if (!header.map(true)) return std::nullopt;
  HeaderMatch match;
  const auto type = header["type"].str().value_or("Exact");
  const auto name = header["name"].str(true);
  const auto value = header["value"].str(true);
  if (type == "RegularExpression") {
    match.type = HeaderMatch::Type::RegularExpression;
  } else if (type != "Exact") {
    header["type"].error("unknown header match type \"" + type +
                         "\" (supported: Exact, RegularExpression)");
    return std::nullopt;
  }
  if (!name || !value) return std::nullopt;
  if (name->empty()) {
    header["name"].error("header name must not be empty");
    return std::nullopt;
  }
  match.name = lowerCase(*name);
  match.value = *value;
  if (match.type == HeaderMatch::Type::RegularExpression) {
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<const RE2>(match.value, options);
    if (!regex->ok()) {
      header["value"].error("invalid regular expression: " + regex->error());
      return std::nullopt;
    }
    match.regex = std::move(regex);
  }
  return match;
}

std::optional<RouteManifest::BackendRefEntry> parseBackendRef(const Field& field) {
  if (!field.map(true)) return std::nullopt;
  RouteManifest::BackendRefEntry ref;
  ref.where = field.where();
  const auto name = field["name"].str(true);
  ref.modelNameOverride = field["modelNameOverride"].str().value_or("");
  if (const auto priority = field["priority"].integer()) {
    if (*priority < 0 || *priority > 1'000'000) {
      field["priority"].error("priority must be between 0 and 1000000");
      return std::nullopt;
    }
    ref.priority = static_cast<int>(*priority);
  }
  if (const auto weight = field["weight"].integer()) {
    if (*weight < 0 || *weight > 1'000'000) {
      field["weight"].error("weight must be between 0 and 1000000");
      return std::nullopt;
    }
    ref.weight = static_cast<int>(*weight);
  }
  ref.mutations = parseMutations(field);
  if (!name) return std::nullopt;
  ref.name = *name;
  return ref;
}

RouteManifest::RuleEntry parseRule(const Field& rule) {
  RouteManifest::RuleEntry out;
  out.where = rule.where();
  for (const auto& match : rule["matches"].list()) {
    if (!match.map(true)) continue;
    std::vector<HeaderMatch> headers;
    for (const auto& header : match["headers"].list()) {
      if (auto parsed = parseHeaderMatch(header)) headers.push_back(std::move(*parsed));
    }
    out.matches.push_back(std::move(headers));
  }
  for (const auto& ref : rule["backendRefs"].list()) {
    if (auto parsed = parseBackendRef(ref)) out.backendRefs.push_back(std::move(*parsed));
  }
  if (rule["timeouts"].map()) out.requestTimeout = rule["timeouts"]["request"].duration();
  out.streamIdleTimeout = rule["streamIdleTimeout"].duration();
  out.modelsOwnedBy = rule["modelsOwnedBy"].str().value_or(std::string(kDefaultOwnedBy));
  const auto createdAt = rule["modelsCreatedAt"];
  if (const auto text = createdAt.str()) {
    if (const auto seconds = core::parseRfc3339(*text)) {
      out.modelsCreatedAt = *seconds;
    } else {
      createdAt.error("invalid RFC 3339 timestamp \"" + *text +
                      "\" (example: 2025-01-02T15:04:05Z)");
    }
  }
  return out;
}

}  // namespace

void parseRoute(const Field& spec, ObjectMeta meta, Manifests& out) {
  RouteManifest route;
  route.meta = std::move(meta);
  if (spec.map(true)) {
    for (const auto& ref : spec["parentRefs"].list()) {
      auto parent = readRef(ref, route.meta, "Gateway", "gateway.networking.k8s.io");
      if (parent && parent->kind == "Gateway") route.parentRefs.push_back(std::move(*parent));
    }
    for (const auto& rule : spec["rules"].list()) {
      if (rule.map(true)) route.rules.push_back(parseRule(rule));
    }
    route.costs =
        parseLlmRequestCosts(spec["llmRequestCosts"], "AIGatewayRoute " + route.meta.key(), true);
  }
  out.routes.push_back(std::move(route));
}

}  // namespace switchyard::config::detail
