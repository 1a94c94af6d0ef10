#include "kube/api_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

#include "net/tls_client_context.hpp"

namespace switchyard::kube {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
using boost::system::error_code;
using core::ErrorKind;
using Stream = beast::ssl_stream<beast::tcp_stream>;

namespace {

constexpr std::uint64_t kBodyLimit = std::uint64_t{256} << 20;  // a large list of routes
constexpr std::size_t kLineLimit = std::size_t{64} << 20;       // one watch event

auto redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

core::Error transportError(ErrorKind kind, const std::string& what, const error_code& ec) {
  if (ec == beast::error::timeout) {
    return core::Error::make(ErrorKind::UpstreamTimeout, what + ": timed out");
  }
  return core::Error::make(kind, what + ": " + ec.message());
}

std::string authorityOf(const ClusterAccess& access) {
  const bool v6 = access.host.find(':') != std::string::npos;
  std::string out = v6 ? "[" + access.host + "]" : access.host;
  if (access.port != 443) out += ":" + std::to_string(access.port);
  return out;
}

}  // namespace

struct ApiClient::Impl {
  asio::any_io_executor executor;
  ClusterAccess access;
  std::shared_ptr<ssl::context> tls;
  std::string where;  // "Kubernetes API https://host:port"

  // A verified TLS connection to the server, within `timeout`.
  asio::awaitable<core::Result<std::unique_ptr<Stream>>> connect(
      std::chrono::milliseconds timeout) {
    error_code ec;
    asio::ip::tcp::resolver resolver(executor);
    const auto endpoints =
        co_await resolver.async_resolve(access.host, std::to_string(access.port), redirect(ec));
    if (ec) co_return transportError(ErrorKind::UpstreamDns, where, ec);
    auto stream = std::make_unique<Stream>(beast::tcp_stream(executor), *tls);
    stream->next_layer().expires_after(timeout);
    co_await stream->next_layer().async_connect(endpoints, redirect(ec));
    if (ec) co_return transportError(ErrorKind::UpstreamConnect, where, ec);
    if (!net::configureServerIdentity(stream->native_handle(), access.serverName)) {
      co_return core::Error::make(ErrorKind::UpstreamTls,
                                  where + ": cannot check the name " + access.serverName);
    }
    co_await stream->async_handshake(ssl::stream_base::client, redirect(ec));
    if (ec) {
      if (ec == beast::error::timeout) co_return transportError(ErrorKind::UpstreamTls, where, ec);
      co_return core::Error::make(
          ErrorKind::UpstreamTls,
          where + ": TLS handshake: " + net::tlsFailureReason(stream->native_handle(), ec));
    }
    co_return stream;
  }

  asio::awaitable<core::Result<std::unique_ptr<Stream>>> sendRequest(
      const std::string& target, std::chrono::milliseconds timeout,
      http::verb method = http::verb::get, std::string body = {},
      const std::string& contentType = {}) {
    auto stream = co_await connect(timeout);
    if (!stream) co_return stream.error();
    http::request<http::string_body> request{method, access.basePath + target, 11};
    request.set(http::field::host, authorityOf(access));
    request.set(http::field::user_agent, "switchyard");
    request.set(http::field::accept, "application/json");
    if (access.token) request.set(http::field::authorization, "Bearer " + access.token->current());
    if (method != http::verb::get) {
      request.set(http::field::content_type,
                  contentType.empty() ? std::string("application/json") : contentType);
      request.body() = std::move(body);
      request.prepare_payload();
    }
    error_code ec;
    co_await http::async_write(**stream, request, redirect(ec));
    if (ec) co_return transportError(ErrorKind::UpstreamReset, where + " " + target, ec);
    co_return std::move(*stream);
  }
};

ApiClient::ApiClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiClient::~ApiClient() = default;

const ClusterAccess& ApiClient::access() const { return impl_->access; }

core::Result<std::shared_ptr<ApiClient>> ApiClient::create(asio::any_io_executor executor,
                                                           ClusterAccess access) {
  auto impl = std::make_unique<Impl>();
  impl->executor = std::move(executor);
  impl->where = "Kubernetes API https://" + authorityOf(access) + access.basePath;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);
  error_code ec;
  if (access.caPem.empty()) {
    context->set_default_verify_paths(ec);
  } else {
    context->add_certificate_authority(asio::buffer(access.caPem), ec);
  }
  if (ec) {
    return core::Error::make(ErrorKind::UpstreamTls, access.source +
                                                         ": cannot use the certificate "
                                                         "authority: " +
                                                         ec.message());
  }
  if (!access.clientCertPem.empty()) {
    context->use_certificate_chain(asio::buffer(access.clientCertPem), ec);
    if (!ec) context->use_private_key(asio::buffer(access.clientKeyPem), ssl::context::pem, ec);
    if (ec) {
      return core::Error::make(ErrorKind::UpstreamTls, access.source +
                                                           ": cannot use the client "
                                                           "certificate: " +
                                                           ec.message());
    }
  }
  impl->tls = std::move(context);
  impl->access = std::move(access);
  return std::shared_ptr<ApiClient>(new ApiClient(std::move(impl)));
}

asio::awaitable<core::Result<ApiResponse>> ApiClient::get(std::string target,
                                                          std::chrono::milliseconds timeout) {
  co_return co_await send("GET", std::move(target), {}, {}, timeout);
}

asio::awaitable<core::Result<ApiResponse>> ApiClient::send(std::string method, std::string target,
                                                           std::string body,
                                                           std::string contentType,
                                                           std::chrono::milliseconds timeout) {
  const auto verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    co_return core::Error::make(ErrorKind::Internal, "unknown HTTP method " + method);
  }
  auto stream = co_await impl_->sendRequest(target, timeout, verb, std::move(body), contentType);
  if (!stream) co_return stream.error();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  error_code ec;
  co_await http::async_read(**stream, buffer, parser, redirect(ec));
  if (ec) {
    co_return transportError(ErrorKind::UpstreamReset, impl_->where + " " + method + " " + target,
                             ec);
  }
  beast::get_lowest_layer(**stream).close();
  ApiResponse response;
  response.status = parser.get().result_int();
  response.body = std::move(parser.get().body());
  co_return response;
}

struct WatchStream::State {
  std::shared_ptr<ssl::context> tls;  // outlives the stream
  std::unique_ptr<Stream> stream;
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  std::array<char, 16 * 1024> chunk{};
  std::string pending;  // received, not yet handed out
  std::string where;
};

WatchStream::WatchStream(std::unique_ptr<State> state) : state_(std::move(state)) {}
WatchStream::WatchStream(WatchStream&&) noexcept = default;
WatchStream& WatchStream::operator=(WatchStream&&) noexcept = default;
WatchStream::~WatchStream() { cancel(); }

unsigned WatchStream::status() const { return state_->parser.get().result_int(); }

void WatchStream::cancel() noexcept {
  if (!state_ || !state_->stream) return;
  error_code ignored;
  beast::get_lowest_layer(*state_->stream).socket().close(ignored);
}

asio::awaitable<core::Result<std::optional<std::string>>> WatchStream::nextLine(
    std::chrono::milliseconds idleTimeout) {
  State& s = *state_;
  std::size_t scanned = 0;
  for (;;) {
    if (const auto newline = s.pending.find('\n', scanned); newline != std::string::npos) {
      std::string line = s.pending.substr(0, newline);
      s.pending.erase(0, newline + 1);
      co_return std::optional<std::string>(std::move(line));
    }
    scanned = s.pending.size();
    if (s.parser.is_done()) {
      if (s.pending.empty()) co_return std::optional<std::string>();
      co_return std::optional<std::string>(std::exchange(s.pending, {}));
    }
    auto& body = s.parser.get().body();
    body.data = s.chunk.data();
    body.size = s.chunk.size();
    s.stream->next_layer().expires_after(idleTimeout);
    error_code ec;
    co_await http::async_read_some(*s.stream, s.buffer, s.parser, redirect(ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) co_return transportError(ErrorKind::UpstreamReset, s.where, ec);
    s.pending.append(s.chunk.data(), s.chunk.size() - body.size);
    if (s.pending.size() > kLineLimit) {
      co_return core::Error::make(ErrorKind::UpstreamBadResponse,
                                  s.where + ": a watch event is over the size limit");
    }
  }
}

asio::awaitable<core::Result<WatchStream>> ApiClient::openWatch(std::string target,
                                                                std::chrono::milliseconds timeout) {
  auto stream = co_await impl_->sendRequest(target, timeout);
  if (!stream) co_return stream.error();
  auto state = std::make_unique<WatchStream::State>();
  state->tls = impl_->tls;
  state->stream = std::move(*stream);
  state->where = impl_->where + " watch " + target;
  state->parser.body_limit(boost::none);
  error_code ec;
  co_await http::async_read_header(*state->stream, state->buffer, state->parser, redirect(ec));
  if (ec) co_return transportError(ErrorKind::UpstreamReset, state->where, ec);
  co_return WatchStream(std::move(state));
}

std::string ServedKind::collectionPath(std::string_view ns) const {
  std::string path = group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  if (namespaced && !ns.empty()) {
    path += "/namespaces/";
    path += ns;
  }
  return path + "/" + resource;
}

const std::vector<KindSpec>& loaderKinds() {
  static const std::vector<KindSpec> kinds = {
      {"aigateway.envoyproxy.io", "AIGatewayRoute", {"v1beta1", "v1alpha1"}},
      {"aigateway.envoyproxy.io", "AIServiceBackend", {"v1beta1", "v1alpha1"}},
      {"aigateway.envoyproxy.io", "BackendSecurityPolicy", {"v1beta1", "v1alpha1"}},
      {"aigateway.envoyproxy.io", "GatewayConfig", {"v1beta1", "v1alpha1"}},
      {"gateway.envoyproxy.io", "Backend", {"v1alpha1"}},
      {"gateway.envoyproxy.io", "BackendTrafficPolicy", {"v1alpha1"}},
      {"gateway.envoyproxy.io", "ClientTrafficPolicy", {"v1alpha1"}},
      {"gateway.networking.k8s.io", "BackendTLSPolicy", {"v1", "v1alpha3"}},
      {"gateway.networking.k8s.io", "Gateway", {}},
  };
  return kinds;
}

std::string queryEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {

const json::object* objectAt(const json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  if (!o) return nullptr;
  const auto it = o->find(key);
  return it == o->end() ? nullptr : it->value().if_object();
}

std::string stringAt(const json::object& o, std::string_view key) {
  const auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().get_string());
}

}  // namespace

asio::awaitable<core::Result<DiscoveryResult>> discover(ApiClient& client,
                                                        const std::vector<KindSpec>& kinds,
                                                        std::chrono::milliseconds timeout) {
  DiscoveryResult result;
  auto groups = co_await client.get("/apis", timeout);
  if (!groups) co_return groups.error();
  if (groups->status != 200) {
    co_return core::Error::upstream(groups->status, "Kubernetes API discovery /apis answered " +
                                                        std::to_string(groups->status));
  }
  error_code ec;
  const json::value groupList = json::parse(groups->body, ec);
  if (ec) {
    co_return core::Error::make(ErrorKind::UpstreamBadResponse,
                                "Kubernetes API discovery /apis: not JSON");
  }
  // The served versions of a group, the preferred one first.
  auto servedVersions = [&](const std::string& group) {
    std::vector<std::string> versions;
    const auto* list =
        groupList.is_object() ? groupList.as_object().if_contains("groups") : nullptr;
    if (!list || !list->is_array()) return versions;
    for (const auto& g : list->get_array()) {
      if (!g.is_object() || stringAt(g.get_object(), "name") != group) continue;
      if (const auto* preferred = objectAt(g, "preferredVersion")) {
        versions.push_back(stringAt(*preferred, "version"));
      }
      if (const auto* vs = g.get_object().if_contains("versions"); vs && vs->is_array()) {
        for (const auto& v : vs->get_array()) {
          if (!v.is_object()) continue;
          auto version = stringAt(v.get_object(), "version");
          if (std::find(versions.begin(), versions.end(), version) == versions.end()) {
            versions.push_back(std::move(version));
          }
        }
      }
    }
    return versions;
  };
  std::map<std::string, json::value> resourceLists;  // "group/version" → APIResourceList
  for (const auto& spec : kinds) {
    if (spec.group.empty()) {
      ServedKind kind{"", "v1", spec.kind, "", true};
      std::string lower;
      for (const char c : spec.kind) lower += static_cast<char>(std::tolower(c));
      kind.resource = lower + "s";
      result.kinds.push_back(std::move(kind));
      continue;
    }
    const auto versions = servedVersions(spec.group);
    if (versions.empty()) {
      result.warnings.push_back("Kubernetes API: " + spec.kind + " (" + spec.group +
                                ") is not served (its CRD is not installed); skipped");
      continue;
    }
    // The server's order is its preference; the first one the loader reads wins.
    std::optional<ServedKind> found;
    std::vector<std::string> servedWithKind;
    for (const auto& version : versions) {
      if (!spec.versions.empty() &&
          std::find(spec.versions.begin(), spec.versions.end(), version) == spec.versions.end()) {
        servedWithKind.push_back(version);
        continue;
      }
      const std::string groupVersion = spec.group + "/" + version;
      auto it = resourceLists.find(groupVersion);
      if (it == resourceLists.end()) {
        auto resources = co_await client.get("/apis/" + groupVersion, timeout);
        if (!resources) co_return resources.error();
        json::value parsed;
        if (resources->status == 200) parsed = json::parse(resources->body, ec);
        it = resourceLists.emplace(groupVersion, std::move(parsed)).first;
      }
      const auto* list =
          it->second.is_object() ? it->second.as_object().if_contains("resources") : nullptr;
      if (!list || !list->is_array()) continue;
      for (const auto& r : list->get_array()) {
        if (!r.is_object()) continue;
        const auto& o = r.get_object();
        const auto name = stringAt(o, "name");
        if (stringAt(o, "kind") != spec.kind || name.find('/') != std::string::npos) continue;
        const auto* namespaced = o.if_contains("namespaced");
        found = ServedKind{spec.group, version, spec.kind, name,
                           namespaced && namespaced->is_bool() && namespaced->get_bool()};
        break;
      }
      if (found) break;
    }
    if (found) {
      result.kinds.push_back(std::move(*found));
      continue;
    }
    std::string message = "Kubernetes API: " + spec.kind + " (" + spec.group + ") ";
    if (servedWithKind.empty()) {
      message += "is not served (its CRD is not installed); skipped";
    } else {
      std::string accepted;
      for (const auto& v : spec.versions) accepted += (accepted.empty() ? "" : ", ") + v;
      message += "is served only in versions switchyard does not read (it reads " + accepted +
                 "); skipped";
    }
    result.warnings.push_back(std::move(message));
  }
  co_return result;
}

}  // namespace switchyard::kube
