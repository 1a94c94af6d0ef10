#pragma once
// From the object store to the file loader's input: every object rendered as a JSON document (JSON
// is YAML), so the API's objects go through the same parser, resolver and validation as files.
// Also which Secrets and ConfigMaps the policies reference: the only ones the gateway may read.

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "kube/object_store.hpp"

namespace switchyard::kube {

// The Secrets (BackendSecurityPolicy secretRefs; BackendTLSPolicy caCertificateRefs of kind
// Secret) and ConfigMaps (caCertificateRefs) the store's policies name, as keys. A reference
// without a namespace is in its policy's namespace.
std::set<ObjectKey> referencedData(const ObjectStore& store);

struct GatewayRef {
  std::string ns;
  std::string name;
};

struct RenderOptions {
  // --gateway NS/NAME: only AIGatewayRoutes whose spec.parentRefs name this Gateway, and only this
  // Gateway; everything else is kept (the resolver ignores what no route uses).
  std::optional<GatewayRef> gateway;
};

// One text per object, named "kubernetes KIND NS/NAME" for diagnostics, in key order.
std::vector<config::ManifestText> renderManifests(const ObjectStore& store,
                                                  const RenderOptions& options);

// renderManifests() loaded by config::loadSnapshot with no files.
config::LoadResult loadFromStore(const ObjectStore& store, const RenderOptions& options);

// Parses "NS/NAME".
std::optional<GatewayRef> parseGatewayRef(const std::string& text);

}  // namespace switchyard::kube
