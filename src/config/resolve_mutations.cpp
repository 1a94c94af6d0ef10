// The effective headerMutation / bodyMutation of a backendRef: its own over its backend's.

#include <set>

#include "config/resolver.hpp"
#include "core/ascii.hpp"

namespace switchyard::config::detail {

namespace {

std::string lowerCase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = core::asciiLower(c);
  return out;
}

}  // namespace

Mutations mergeMutations(const Mutations& routeLevel, const Mutations& backendLevel) {
  if (backendLevel.empty()) return routeLevel;
  if (routeLevel.empty()) return backendLevel;
  Mutations out;

  // Every name the route level speaks for, so the backend level's entry for it is dropped.
  std::set<std::string> routeHeaders(routeLevel.removeHeaders.begin(),
                                     routeLevel.removeHeaders.end());
  for (const auto& [name, value] : routeLevel.setHeaders) routeHeaders.insert(lowerCase(name));
  for (const auto& header : backendLevel.setHeaders)
    if (!routeHeaders.contains(lowerCase(header.first))) out.setHeaders.push_back(header);
  for (const auto& name : backendLevel.removeHeaders)
    if (!routeHeaders.contains(name)) out.removeHeaders.push_back(name);
  out.setHeaders.insert(out.setHeaders.end(), routeLevel.setHeaders.begin(),
                        routeLevel.setHeaders.end());
  out.removeHeaders.insert(out.removeHeaders.end(), routeLevel.removeHeaders.begin(),
                           routeLevel.removeHeaders.end());

  std::set<std::string> routeMembers(routeLevel.removeBody.begin(), routeLevel.removeBody.end());
  for (const auto& field : routeLevel.setBody) routeMembers.insert(field.path);
  for (const auto& field : backendLevel.setBody)
    if (!routeMembers.contains(field.path)) out.setBody.push_back(field);
  for (const auto& name : backendLevel.removeBody)
    if (!routeMembers.contains(name)) out.removeBody.push_back(name);
  out.setBody.insert(out.setBody.end(), routeLevel.setBody.begin(), routeLevel.setBody.end());
  out.removeBody.insert(out.removeBody.end(), routeLevel.removeBody.begin(),
                        routeLevel.removeBody.end());
  return out;
}

}  // namespace switchyard::config::detail
