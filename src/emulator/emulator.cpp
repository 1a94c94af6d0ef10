#include "emulator/emulator.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

#include <stdexcept>

#include "core/clock.hpp"
#include "emulator/emulator_handler.hpp"
#include "emulator/pki.hpp"
#include "emulator/random.hpp"
#include "emulator/token_service.hpp"
#include "http/server.hpp"

namespace switchyard::emulator {

namespace asio = boost::asio;

namespace {

std::shared_ptr<asio::ssl::context> makeTlsContext(const std::string& certPem,
                                                   const std::string& keyPem) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
  context->use_certificate_chain(asio::buffer(certPem));
  context->use_private_key(asio::buffer(keyPem), asio::ssl::context::pem);
  return context;
}

bool isWildcard(const std::string& host) {
  return host == "0.0.0.0" || host == "::" || host.empty();
}

}  // namespace

struct Emulator::Impl {
  explicit Impl(EmulatorOptions o)
      : options(std::move(o)),
        clock(options.clock ? *options.clock : systemClock),
        tokens(clock, options.tokenLifetime),
        services{clock, tokens, faults, stats, promptCache, {}} {}

  EmulatorOptions options;
  core::SystemClock systemClock;
  const core::Clock& clock;
  TokenService tokens;
  FaultTable faults;
  StatsRecorder stats;
  PromptCache promptCache;
  EmulatorServices services;
  std::vector<ServiceAccountKey> keys;
  std::string caPem;
  std::shared_ptr<asio::ssl::context> tls;
  std::unique_ptr<http::Server> server;  // last: stops before the services it uses go away
  std::uint16_t port = 0;
  std::string host;
};

Emulator::Emulator(EmulatorOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Emulator::~Emulator() { stop(); }

void Emulator::start() {
  auto& s = *impl_;
  if (s.server) return;
  const auto& o = s.options;

  // Service accounts.
  if (o.acceptedServiceAccountJson.empty()) {
    const auto pair = generateRsaKey(2048);
    s.keys.push_back(ServiceAccountKey{
        "emulator-project", "switchyard-emulator@emulator-project.iam.gserviceaccount.com",
        randomHex(20), pair.privateKeyPem});
  } else {
    for (const auto& text : o.acceptedServiceAccountJson) {
      auto key = parseServiceAccountKey(text);
      if (!key) throw std::runtime_error(key.error());
      s.keys.push_back(*key);
    }
  }
  for (const auto& key : s.keys) s.tokens.acceptKey(key);

  // TLS.
  if (o.tls) {
    if (!o.tlsCertPem.empty() || !o.tlsKeyPem.empty()) {
      if (o.tlsCertPem.empty() || o.tlsKeyPem.empty())
        throw std::runtime_error("TLS needs both a certificate and a key");
      s.tls = makeTlsContext(o.tlsCertPem, o.tlsKeyPem);
    } else {
      const auto ca = makeCertificateAuthority("Switchyard Emulator CA");
      const auto leaf =
          makeServerCertificate(ca, o.tlsDnsNames.empty() ? "localhost" : o.tlsDnsNames.front(),
                                o.tlsDnsNames, {"127.0.0.1", "::1"});
      s.caPem = ca.certPem;
      s.tls = makeTlsContext(leaf.certPem + ca.certPem, leaf.keyPem);
    }
    s.services.connectionsAccepted = [tls = s.tls] {
      return static_cast<std::uint64_t>(SSL_CTX_sess_accept(tls->native_handle()));
    };
  }
  s.services.tls = o.tls;

  // Listener.
  const std::string listenHost = o.listenHost == "localhost" ? "127.0.0.1" : o.listenHost;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(isWildcard(listenHost) ? "0.0.0.0" : listenHost, ec);
  if (ec)
    throw std::runtime_error("emulator: listen host must be an IP address or localhost: " +
                             o.listenHost);
  http::ServerOptions serverOptions;
  serverOptions.listen = asio::ip::tcp::endpoint(address, o.port);
  serverOptions.workers = 1;
  serverOptions.tls = s.tls;
  serverOptions.http2MaxConcurrentStreams = o.http2MaxConcurrentStreams;
  serverOptions.http2GoawayAfterStreams = o.http2GoawayAfterStreams;
  s.server =
      std::make_unique<http::Server>(serverOptions, [&services = s.services](asio::io_context&) {
        return std::make_unique<EmulatorHandler>(services);
      });
  s.server->start();
  s.port = s.server->port();
  // An address clients can dial that the certificate names (localhost may resolve to ::1 first).
  if (o.listenHost == "::")
    s.host = "[::1]";
  else if (isWildcard(listenHost))
    s.host = "127.0.0.1";
  else if (address.is_v6())
    s.host = "[" + listenHost + "]";
  else
    s.host = listenHost;
  s.tokens.addAudience(tokenUrl());
}

void Emulator::stop() {
  auto& s = *impl_;
  if (!s.server) return;
  s.services.stopping = true;
  s.server->stop(std::chrono::milliseconds(0));
  s.server->join();
  s.server.reset();
}

std::uint16_t Emulator::port() const { return impl_->port; }

std::string Emulator::baseUrl() const {
  return std::string(impl_->options.tls ? "https://" : "http://") + impl_->host + ":" +
         std::to_string(impl_->port);
}

std::string Emulator::tokenUrl() const { return baseUrl() + "/token"; }

std::string Emulator::caPem() const { return impl_->caPem; }

std::string Emulator::serviceAccountJson() const {
  if (impl_->keys.empty()) return {};
  return renderServiceAccountKey(impl_->keys.front(), tokenUrl());
}

Stats Emulator::stats() const {
  Stats stats = impl_->stats.snapshot();
  if (impl_->services.connectionsAccepted)
    stats.connectionsAccepted = impl_->services.connectionsAccepted();
  return stats;
}

void Emulator::addFault(std::string target, Fault fault, int count) {
  impl_->faults.add(std::move(target), fault, count);
}

void Emulator::clearFaults() {
  impl_->faults.clear();
  ++impl_->services.releaseGeneration;
}

}  // namespace switchyard::emulator
