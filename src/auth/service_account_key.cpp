#include "auth/service_account_key.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace switchyard::auth {
namespace {

core::Error keyError(std::string message) {
  return core::Error::make(core::ErrorKind::CredentialUnavailable,
                           "service account key: " + std::move(message));
}

// Never prompt on a terminal for a passphrase: encrypted keys are simply rejected.
int refusePassphrase(char*, int, int, void*) { return -1; }

// The string member `name`, or nullptr when absent or not a string.
const boost::json::string* stringField(const boost::json::object& object, std::string_view name) {
  const auto* value = object.if_contains(name);
  return value ? value->if_string() : nullptr;
}

}  // namespace

std::shared_ptr<EVP_PKEY> loadRsaPrivateKeyPem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  EVP_PKEY* key =
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, &refusePassphrase, nullptr) : nullptr;
  ERR_clear_error();
  if (key == nullptr) return nullptr;
  std::shared_ptr<EVP_PKEY> owned(key, &EVP_PKEY_free);
  if (EVP_PKEY_is_a(key, "RSA") != 1) return nullptr;
  return owned;
}

core::Result<ServiceAccountKey> parseServiceAccountKey(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value document = boost::json::parse(json, ec);
  if (ec) return keyError("not valid JSON");
  const auto* object = document.if_object();
  if (object == nullptr) return keyError("not a JSON object");

  if (const auto* type = object->if_contains("type")) {
    const auto* text = type->if_string();
    if (text == nullptr) return keyError("field \"type\" is not a string");
    if (*text != "service_account") {
      // The type is not secret, and naming it explains the usual mistake (an authorized_user file).
      const std::string_view shown(text->data(), std::min<std::size_t>(text->size(), 40));
      return keyError("field \"type\" is \"" + std::string(shown) +
                      "\", expected \"service_account\"");
    }
  }

  ServiceAccountKey key;
  struct Required {
    std::string_view name;
    std::string* target;
  };
  std::string pem;
  for (const Required& field :
       {Required{"client_email", &key.clientEmail}, Required{"private_key", &pem},
        Required{"token_uri", &key.tokenUri}}) {
    const auto* value = object->if_contains(field.name);
    if (value == nullptr) return keyError("missing field \"" + std::string(field.name) + "\"");
    const auto* text = value->if_string();
    if (text == nullptr)
      return keyError("field \"" + std::string(field.name) + "\" is not a string");
    if (text->empty()) return keyError("field \"" + std::string(field.name) + "\" is empty");
    field.target->assign(text->data(), text->size());
  }
  if (const auto* text = stringField(*object, "project_id")) key.projectId = *text;
  if (const auto* text = stringField(*object, "private_key_id")) key.privateKeyId = *text;
  if (const auto* text = stringField(*object, "universe_domain"); text && !text->empty()) {
    key.universeDomain = *text;
  } else {
    key.universeDomain = kDefaultUniverseDomain;
  }

  key.privateKey = loadRsaPrivateKeyPem(pem);
  if (!key.privateKey) {
    return keyError(
        "field \"private_key\" is not an unencrypted PEM RSA private key (PKCS#8 or PKCS#1)");
  }
  return key;
}

}  // namespace switchyard::auth
