// libFuzzer target: the Kubernetes watch stream, which the gateway reads from the API server (a
// compromised or buggy server, or a proxy in between, can send anything). Each input line is one
// watch event, stored as the watcher would store it; the store is then rendered and loaded as
// manifests, as every change is. Decoding must never throw or crash; a stored object must carry
// the kind it was watched as; loading must end in a snapshot or diagnostics, never an exception.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "kube/manifest_render.hpp"
#include "kube/watch_event.hpp"

using namespace switchyard;

namespace {

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "contract broken: %s\n", what);
  std::abort();
}

// The kinds the gateway watches, as a 1.29 API server serves them.
const std::vector<kube::ServedKind>& watchedKinds() {
  static const std::vector<kube::ServedKind> kinds = [] {
    std::vector<kube::ServedKind> out;
    for (const auto& spec : kube::loaderKinds()) {
      const std::string version = spec.versions.empty() ? "v1" : spec.versions.front();
      out.push_back({spec.group, version, spec.kind, "", true});
    }
    out.push_back({"", "v1", "Secret", "secrets", true});
    out.push_back({"", "v1", "ConfigMap", "configmaps", true});
    return out;
  }();
  return kinds;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto& kinds = watchedKinds();
  kube::ObjectStore store;
  std::size_t index = 0;
  while (!input.empty() && index < 64) {
    const auto newline = input.find('\n');
    const auto line = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    // Which informer the line arrives on: the line's first byte picks it.
    const auto& kind = kinds[line.empty() ? 0 : static_cast<unsigned char>(line[0]) % kinds.size()];
    ++index;
    auto event = kube::parseWatchEvent(line.empty() ? line : line.substr(1));
    if (!event) continue;
    using Type = kube::WatchEvent::Type;
    if (event->type == Type::Error || event->type == Type::Bookmark) continue;
    auto entry = kube::normalizeObject(kind, std::move(event->object));
    if (!entry) continue;
    if (entry->first.kind != kind.kind) fail("stored under another kind");
    const auto* apiKind = entry->second.if_contains("kind");
    if (!apiKind || !apiKind->is_string() || apiKind->get_string() != kind.kind) {
      fail("object's kind not the watched kind");
    }
    const auto key = entry->first;
    if (event->type == Type::Deleted) {
      store.remove(key);
    } else {
      store.put(key, std::move(entry->second));
      if (!store.find(key)) fail("put object not found");
    }
  }
  const auto texts = kube::renderManifests(store, {});
  if (texts.size() > store.size()) fail("more manifests than objects");
  kube::referencedData(store);
  const auto loaded = kube::loadFromStore(store, {});
  if (!loaded.ok() && loaded.diagnostics.empty()) fail("load failed without a diagnostic");
  return 0;
}
