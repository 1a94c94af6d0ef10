#pragma once
// Application Default Credentials, the service-account part: the key file named by
// GOOGLE_APPLICATION_CREDENTIALS. gcloud user credentials ("authorized_user"), the gcloud
// well-known file and the metadata server are not supported and say so.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/service_account_key.hpp"
#include "core/result.hpp"

namespace switchyard::auth {

inline constexpr std::string_view kAdcVariable = "GOOGLE_APPLICATION_CREDENTIALS";

using GetEnv = std::function<std::optional<std::string>(std::string_view)>;

// Reads and parses a service account key file. Errors (CredentialUnavailable) name the path.
core::Result<ServiceAccountKey> loadServiceAccountKeyFile(const std::string& path);

// The key named by GOOGLE_APPLICATION_CREDENTIALS, read through `getenv`.
core::Result<ServiceAccountKey> loadApplicationDefaultCredentials(const GetEnv& getenv);

}  // namespace switchyard::auth
