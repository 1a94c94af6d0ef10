#include "http/tls_server_context.hpp"

#include <boost/asio/ssl/context.hpp>

#include "core/ascii.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>

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

struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = core::asciiLower(c);
  return out;
}

// The certificates of a listener with several, and which one serves which name. Immutable once
// built; the servername callback only reads it.
struct SniContexts {
  std::vector<std::shared_ptr<ssl::context>> contexts;  // [0]: the default, the one handed out
  // Sorted by name; a wildcard's name is what follows "*." (example.com for *.example.com).
  std::vector<std::pair<std::string, std::size_t>> exact;
  std::vector<std::pair<std::string, std::size_t>> wildcard;

  static std::optional<std::size_t> find(
      const std::vector<std::pair<std::string, std::size_t>>& names, std::string_view name) {
    const auto it =
        std::lower_bound(names.begin(), names.end(), name,
                         [](const auto& entry, std::string_view key) { return entry.first < key; });
    if (it == names.end() || it->first != name) return std::nullopt;
    return it->second;
  }

  std::size_t choose(std::string_view serverName) const {
    // Host names are at most 253 characters; a longer name matches nothing.
    std::array<char, 256> buffer;
    if (serverName.size() >= buffer.size()) return 0;
    for (std::size_t i = 0; i < serverName.size(); ++i) buffer[i] = core::asciiLower(serverName[i]);
    const std::string_view name(buffer.data(), serverName.size());
    if (const auto index = find(exact, name)) return *index;
    const auto dot = name.find('.');
    if (dot == std::string_view::npos || dot == 0) return 0;
    return find(wildcard, name.substr(dot + 1)).value_or(0);
  }
};

// Before the certificate is chosen: the one the client's SNI names replaces the default.
int selectCertificate(SSL* ssl, int*, void* arg) {
  const auto& sni = *static_cast<const SniContexts*>(arg);
  const char* serverName = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (!serverName) return SSL_TLSEXT_ERR_NOACK;
  const std::size_t index = sni.choose(serverName);
  if (index != 0) SSL_set_SSL_CTX(ssl, sni.contexts[index]->native_handle());
  return SSL_TLSEXT_ERR_OK;
}

// One certificate's context with the listener's versions, ciphers and ALPN.
core::Result<std::shared_ptr<ssl::context>> makeOneContext(const ServerTlsSettings& settings,
                                                           const ServerCertificate& certificate,
                                                           bool& certificateError) {
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
  certificateError = true;
  if (auto error = useCertificateChain(ctx, certificate.chainPem)) return *error;
  if (auto error = usePrivateKey(ctx, certificate.keyPem)) return *error;
  certificateError = false;
  selectAlpnFrom(*context, settings.alpn);
  return context;
}

}  // namespace

std::vector<std::string> certificateNames(const std::string& chainPem) {
  auto bio = memoryBio(chainPem);
  std::unique_ptr<X509, X509Deleter> leaf(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  std::vector<std::string> names;
  if (!leaf) {
    ERR_clear_error();
    return names;
  }
  auto* alternatives = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(leaf.get(), NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; alternatives && i < sk_GENERAL_NAME_num(alternatives); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(alternatives, i);
    if (name->type != GEN_DNS) continue;
    const ASN1_IA5STRING* dns = name->d.dNSName;
    names.push_back(lowered(std::string_view(reinterpret_cast<const char*>(dns->data),
                                             static_cast<std::size_t>(dns->length))));
  }
  const bool hasAlternatives = alternatives != nullptr;
  if (alternatives) GENERAL_NAMES_free(alternatives);
  if (!hasAlternatives) {  // no subjectAltName: the common name (RFC 6125 §6.4.4)
    const X509_NAME* subject = X509_get_subject_name(leaf.get());
    const int at = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (at >= 0) {
      const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
      names.push_back(
          lowered(std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                                   static_cast<std::size_t>(ASN1_STRING_length(cn)))));
    }
  }
  ERR_clear_error();
  return names;
}

void selectAlpnFrom(ssl::context& context, AlpnSet protocols) {
  // The lists are static: the callback's argument outlives every context.
  auto* list = const_cast<std::string*>(&alpnWireLists()[protocols & 7]);
  SSL_CTX_set_alpn_select_cb(context.native_handle(), selectAlpn, list);
}

core::Result<std::shared_ptr<ssl::context>> makeServerTlsContext(const ServerTlsSettings& settings,
                                                                 std::size_t* badCertificate) {
  if (settings.certificates.empty()) return failure("no certificate to serve");
  auto sni = std::make_shared<SniContexts>();
  for (std::size_t i = 0; i < settings.certificates.size(); ++i) {
    bool certificateError = false;
    auto context = makeOneContext(settings, settings.certificates[i], certificateError);
    if (!context) {
      if (certificateError && badCertificate) *badCertificate = i;
      return context.error();
    }
    sni->contexts.push_back(std::move(*context));
    for (auto& name : certificateNames(settings.certificates[i].chainPem)) {
      if (name.size() > 2 && name.compare(0, 2, "*.") == 0)
        sni->wildcard.emplace_back(name.substr(2), i);
      else
        sni->exact.emplace_back(std::move(name), i);
    }
  }
  if (sni->contexts.size() == 1) return std::move(sni->contexts.front());
  // The first certificate to name a host serves it: a stable sort keeps file order among equals.
  for (auto* names : {&sni->exact, &sni->wildcard}) {
    std::stable_sort(names->begin(), names->end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    names->erase(std::unique(names->begin(), names->end(),
                             [](const auto& a, const auto& b) { return a.first == b.first; }),
                 names->end());
  }
  SSL_CTX* first = sni->contexts.front()->native_handle();
  SSL_CTX_set_tlsext_servername_callback(first, selectCertificate);
  SSL_CTX_set_tlsext_servername_arg(first, sni.get());
  // The default context, owning the table and the other contexts (the callback's argument).
  ssl::context* handed = sni->contexts.front().get();
  return std::shared_ptr<ssl::context>(std::move(sni), handed);
}

}  // namespace switchyard::http
