#include "providers/vertex/model_path.hpp"

#include "providers/vertex/wire.hpp"

namespace switchyard::providers::vertex {

using core::Error;
using core::ErrorKind;

core::Result<std::string> modelPath(const BackendTarget& target, std::string_view method) {
  return publisherModelPath(target, "google", method);
}

core::Result<std::string> publisherModelPath(const BackendTarget& target,
                                             std::string_view publisher, std::string_view method,
                                             std::string_view model) {
  if (model.empty()) model = target.model;
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
  return path;
}

}  // namespace switchyard::providers::vertex
