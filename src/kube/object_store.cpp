#include "kube/object_store.hpp"

#include <set>

namespace switchyard::kube {

namespace json = boost::json;

std::string resourceVersionOf(const json::object& object) {
  const auto* metadata = object.if_contains("metadata");
  if (!metadata || !metadata->is_object()) return {};
  const auto* rv = metadata->get_object().if_contains("resourceVersion");
  return rv && rv->is_string() ? std::string(rv->get_string()) : std::string();
}

bool ObjectStore::put(const ObjectKey& key, json::object object) {
  const auto it = objects_.find(key);
  if (it != objects_.end()) {
    const auto version = resourceVersionOf(object);
    if (!version.empty() && version == resourceVersionOf(it->second)) return false;
    it->second = std::move(object);
    return true;
  }
  objects_.emplace(key, std::move(object));
  return true;
}

bool ObjectStore::remove(const ObjectKey& key) { return objects_.erase(key) != 0; }

bool ObjectStore::replace(const ObjectScope& scope,
                          std::vector<std::pair<ObjectKey, json::object>> objects) {
  bool changed = false;
  std::set<ObjectKey> listed;
  for (auto& [key, object] : objects) {
    listed.insert(key);
    changed |= put(key, std::move(object));
  }
  for (auto it = objects_.begin(); it != objects_.end();) {
    if (scope.contains(it->first) && !listed.contains(it->first)) {
      it = objects_.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  return changed;
}

const json::object* ObjectStore::find(const ObjectKey& key) const {
  const auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : &it->second;
}

}  // namespace switchyard::kube
