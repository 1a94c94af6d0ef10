#include "providers/vertex/model_path.hpp"

#include <string>

#include "providers/vertex/wire.hpp"

namespace switchyard::providers::vertex {

using core::Error;
using core::ErrorKind;

core::Result<std::string> modelPath(const BackendTarget& target, std::string_view method) {
  return publisherModelPath(target, "google", method);
}

namespace {

// The last path built on this thread and what it was built from. A worker's requests mostly go
// to the same backend and model: comparing five short strings costs less than checking three
// segments and building the path again (one of the larger pieces of a request's translation).
// Only valid paths are kept, so every refusal is still decided (and worded) below.
struct LastPath {
  bool valid = false;
  std::string project, region, publisher, method, model, path;

  bool matches(const BackendTarget& target, std::string_view publisherNow,
               std::string_view methodNow, std::string_view modelNow) const {
    return valid && modelNow == model && methodNow == method && target.project == project &&
           target.region == region && publisherNow == publisher;
  }
};

thread_local LastPath lastPath;

}  // namespace

core::Result<std::string> publisherModelPath(const BackendTarget& target,
                                             std::string_view publisher, std::string_view method,
                                             std::string_view model) {
  if (model.empty()) model = target.model;
  if (lastPath.matches(target, publisher, method, model)) return lastPath.path;
  if (!isSafePathSegment(model))
    return Error::make(ErrorKind::InvalidRequest,
                       "The model name '" + std::string(model) +
                           "' is not valid for this backend: it must be a plain model id without "
                           "'/', '..', '?', '#', '%', ':', spaces or non-ASCII characters",
                       "model");
  if (!isSafePathSegment(target.project))
    return Error::make(ErrorKind::Internal,
                       "the Vertex AI backend has no valid GCP project configured");
  if (!isSafePathSegment(target.region))
    return Error::make(ErrorKind::Internal,
                       "the Vertex AI backend has no valid GCP region configured");
  std::string path;
  path.reserve(64 + target.project.size() + target.region.size() + model.size() + method.size());
  path.append("/v1/projects/").append(target.project);
  path.append("/locations/").append(target.region);
  path.append("/publishers/").append(publisher).append("/models/").append(model);
  path.push_back(':');
  path.append(method);
  lastPath.valid = true;
  lastPath.project = target.project;
  lastPath.region = target.region;
  lastPath.publisher = publisher;
  lastPath.method = method;
  lastPath.model = model;
  lastPath.path = path;
  return path;
}

}  // namespace switchyard::providers::vertex
