#include "http/tls_server_context.hpp"

#include <boost/asio/ssl/context.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

namespace switchyard::http {

namespace ssl = boost::asio::ssl;

namespace {

core::Error failure(std::string message) {
  ERR_clear_error();  // what OpenSSL queued is said in `message`, or of no use
  return core::Error::make(core::ErrorKind::Internal, std::move(message));
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using Bio = std::unique_ptr<BIO, BioDeleter>;

Bio memoryBio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

int versionNumber(TlsVersion version, int automatic) {
  switch (version) {
    case TlsVersion::V1_0:
      return TLS1_VERSION;
    case TlsVersion::V1_1:
      return TLS1_1_VERSION;
    case TlsVersion::V1_2:
      return TLS1_2_VERSION;
    case TlsVersion::V1_3:
      return TLS1_3_VERSION;
    case TlsVersion::Auto:
      break;
  }
  return automatic;
}

// Leaf first, then every further certificate as the chain sent to clients.
std::optional<core::Error> useCertificateChain(SSL_CTX* ctx, const std::string& pem) {
  auto bio = memoryBio(pem);
  X509* leaf = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (!leaf) return failure("the certificate (tls.crt) is not a PEM certificate");
  const int used = SSL_CTX_use_certificate(ctx, leaf);
  X509_free(leaf);
  if (used != 1) return failure("the certificate (tls.crt) cannot be used");
  SSL_CTX_clear_chain_certs(ctx);
  while (X509* next = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, next) != 1) {
      X509_free(next);
      return failure("an intermediate certificate in tls.crt cannot be used");
    }
  }
  ERR_clear_error();  // the end of the PEM text reads as an error
  return std::nullopt;
}

std::optional<core::Error> usePrivateKey(SSL_CTX* ctx, const std::string& pem) {
  auto bio = memoryBio(pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key) return failure("the private key (tls.key) is not an unencrypted PEM private key");
  const int used = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  // OpenSSL compares the key with the certificate already set as it takes the key.
  const int reason = ERR_GET_REASON(ERR_peek_last_error());
  if (used != 1 && (reason == X509_R_KEY_VALUES_MISMATCH || reason == X509_R_KEY_TYPE_MISMATCH))
    return failure("the private key (tls.key) does not belong to the certificate (tls.crt)");
  if (used != 1) return failure("the private key (tls.key) cannot be used");
  if (SSL_CTX_check_private_key(ctx) != 1)
    return failure("the private key (tls.key) does not belong to the certificate (tls.crt)");
  return std::nullopt;
}

// Envoy's cipher list syntax allows an equal-preference group "[A|B]"; OpenSSL takes a flat list.
std::string opensslCipherList(const std::vector<std::string>& ciphers) {
  std::string out;
  for (std::string_view cipher : ciphers) {
    if (cipher.size() >= 2 && cipher.front() == '[' && cipher.back() == ']')
      cipher = cipher.substr(1, cipher.size() - 2);
    for (std::size_t start = 0; start <= cipher.size();) {
      const auto bar = std::min(cipher.find('|', start), cipher.size());
      if (bar > start) out.append(out.empty() ? "" : ":").append(cipher.substr(start, bar - start));
      start = bar + 1;
    }
  }
  return out;
}

// ALPN wire lists for every AlpnSet, h2 > http/1.1 > http/1.0.
const std::array<std::string, 8>& alpnWireLists() {
  static const std::array<std::string, 8> lists = [] {
    std::array<std::string, 8> out;
    for (unsigned set = 0; set < out.size(); ++set) {
      if (set & kAlpnH2) out[set] += std::string("\x02h2", 3);
      if (set & kAlpnHttp11) out[set] += "\x08http/1.1";
      if (set & kAlpnHttp10) out[set] += "\x08http/1.0";
    }
    return out;
  }();
  return lists;
}

int selectAlpn(SSL*, const unsigned char** out, unsigned char* outLength, const unsigned char* in,
               unsigned inLength, void* arg) {
  const auto& ours = *static_cast<const std::string*>(arg);
  if (ours.empty()) return SSL_TLSEXT_ERR_NOACK;
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(
          &selected, outLength, reinterpret_cast<const unsigned char*>(ours.data()),
          static_cast<unsigned>(ours.size()), in, inLength) != OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

void selectAlpnFrom(ssl::context& context, AlpnSet protocols) {
  // The lists are static: the callback's argument outlives every context.
  auto* list = const_cast<std::string*>(&alpnWireLists()[protocols & 7]);
  SSL_CTX_set_alpn_select_cb(context.native_handle(), selectAlpn, list);
}

core::Result<std::shared_ptr<ssl::context>> makeServerTlsContext(
    const ServerTlsSettings& settings) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_options(
      ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  const int min = versionNumber(settings.minVersion, TLS1_2_VERSION);
  const int max = versionNumber(settings.maxVersion, TLS1_3_VERSION);
  if (min > max) return failure("minVersion is above maxVersion");
  if (SSL_CTX_set_min_proto_version(ctx, min) != 1 || SSL_CTX_set_max_proto_version(ctx, max) != 1)
    return failure("this OpenSSL cannot serve the TLS versions asked for");
  if (!settings.ciphers.empty()) {
    const std::string list = opensslCipherList(settings.ciphers);
    if (list.empty() || SSL_CTX_set_cipher_list(ctx, list.c_str()) != 1)
      return failure(
          "none of the ciphers is known to OpenSSL (names like ECDHE-RSA-AES128-GCM-SHA256)");
  }
  if (auto error = useCertificateChain(ctx, settings.certificateChainPem)) return *error;
  if (auto error = usePrivateKey(ctx, settings.privateKeyPem)) return *error;
  selectAlpnFrom(*context, settings.alpn);
  return context;
}

}  // namespace switchyard::http
