#include "auth/adc.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <fstream>
#include <sstream>

namespace switchyard::auth {
namespace {

constexpr std::streamsize kMaxKeyFileBytes = 1 << 20;

core::Error adcError(std::string message) {
  return core::Error::make(core::ErrorKind::CredentialUnavailable, std::move(message));
}

// The file's `type`, if it is a JSON object with one.
std::string typeOf(std::string_view json) {
  boost::system::error_code ec;
  const auto document = boost::json::parse(json, ec);
  if (ec || !document.is_object()) return {};
  const auto* type = document.as_object().if_contains("type");
  return type && type->is_string() ? std::string(type->get_string()) : std::string();
}

}  // namespace

core::Result<ServiceAccountKey> loadServiceAccountKeyFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return adcError("cannot read service account key file " + path);
  std::string json(static_cast<std::size_t>(kMaxKeyFileBytes) + 1, '\0');
  file.read(json.data(), kMaxKeyFileBytes + 1);
  if (file.bad()) return adcError("cannot read service account key file " + path);
  json.resize(static_cast<std::size_t>(file.gcount()));
  if (json.size() > static_cast<std::size_t>(kMaxKeyFileBytes)) {
    return adcError("service account key file " + path + " is larger than 1 MiB");
  }
  if (typeOf(json) == "authorized_user") {
    return adcError(path +
                    " holds user credentials (type \"authorized_user\", from gcloud auth "
                    "application-default login); only service account keys are supported");
  }
  auto key = parseServiceAccountKey(json);
  if (!key) return adcError(key.error().message + " (file " + path + ")");
  return key;
}

core::Result<ServiceAccountKey> loadApplicationDefaultCredentials(const GetEnv& getenv) {
  const auto path = getenv ? getenv(kAdcVariable) : std::nullopt;
  if (!path || path->empty()) {
    return adcError(
        "no credentials file configured and GOOGLE_APPLICATION_CREDENTIALS is not set "
        "(Application Default Credentials need a service account key file)");
  }
  auto key = loadServiceAccountKeyFile(*path);
  if (!key) {
    return adcError(key.error().message + " (from " + std::string(kAdcVariable) + ")");
  }
  return key;
}

}  // namespace switchyard::auth
