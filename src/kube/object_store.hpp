#pragma once
// The objects read from the Kubernetes API, keyed by kind/namespace/name, each as the API server
// sent it (JSON, less metadata.managedFields). Not thread-safe: the watcher owns it on its
// executor and hands it out read-only.

#include <boost/json/object.hpp>

#include <compare>
#include <map>
#include <string>
#include <vector>

namespace switchyard::kube {

struct ObjectKey {
  std::string kind;
  std::string ns;  // "" for cluster-scoped kinds
  std::string name;
  auto operator<=>(const ObjectKey&) const = default;
  std::string str() const { return kind + "/" + ns + "/" + name; }
};

// Which objects one list covers: a kind, in one namespace or all (""), every name or one ("").
struct ObjectScope {
  std::string kind;
  std::string ns;
  std::string name;
  bool contains(const ObjectKey& key) const {
    return key.kind == kind && (ns.empty() || key.ns == ns) && (name.empty() || key.name == name);
  }
};

class ObjectStore {
 public:
  using Map = std::map<ObjectKey, boost::json::object>;

  // Inserts or replaces; false when the stored object has the same resourceVersion already.
  bool put(const ObjectKey& key, boost::json::object object);
  // False when there was no such object.
  bool remove(const ObjectKey& key);
  // Makes `objects` the whole content of `scope` (a relist); false when nothing changed.
  bool replace(const ObjectScope& scope,
               std::vector<std::pair<ObjectKey, boost::json::object>> objects);

  const Map& objects() const { return objects_; }
  const boost::json::object* find(const ObjectKey& key) const;
  std::size_t size() const { return objects_.size(); }

 private:
  Map objects_;
};

// metadata.resourceVersion of an object, "" when absent.
std::string resourceVersionOf(const boost::json::object& object);

}  // namespace switchyard::kube
