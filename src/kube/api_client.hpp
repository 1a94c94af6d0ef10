#pragma once
// The Kubernetes API over HTTPS: GET (list, get) and streaming watches, with the bearer token or
// the client certificate of a ClusterAccess, and discovery of the group/versions and resources the
// server has. One TLS connection per call: the gateway makes a few dozen calls at start and then
// holds one long watch per kind, so pooling would buy nothing.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "kube/kube_config.hpp"

namespace switchyard::kube {

struct ApiResponse {
  unsigned status = 0;
  std::string body;
};

class WatchStream;

class ApiClient {
 public:
  // Builds the TLS context (the CA bundle, the client certificate). Errors (UpstreamTls) when a
  // PEM cannot be used.
  static core::Result<std::shared_ptr<ApiClient>> create(boost::asio::any_io_executor executor,
                                                         ClusterAccess access);
  ~ApiClient();

  // GET `target` (path and query, without the server's base path) and read the whole response.
  // Errors: UpstreamDns, UpstreamConnect, UpstreamTls, UpstreamReset, UpstreamTimeout,
  // UpstreamBadResponse. A non-2xx answer is not an error: the caller reads its status.
  boost::asio::awaitable<core::Result<ApiResponse>> get(std::string target,
                                                        std::chrono::milliseconds timeout);

  // Any method with a JSON body (POST, PUT, PATCH with `contentType`
  // "application/merge-patch+json"); the whole response is read, as for get().
  boost::asio::awaitable<core::Result<ApiResponse>> send(std::string method, std::string target,
                                                         std::string body, std::string contentType,
                                                         std::chrono::milliseconds timeout);

  // GET `target` (a watch) and read only the head; the body is read line by line from the stream.
  boost::asio::awaitable<core::Result<WatchStream>> openWatch(std::string target,
                                                              std::chrono::milliseconds timeout);

  const ClusterAccess& access() const;

  struct Impl;

 private:
  explicit ApiClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A watch response: newline-delimited JSON events. Use on the client's executor.
class WatchStream {
 public:
  WatchStream(WatchStream&&) noexcept;
  WatchStream& operator=(WatchStream&&) noexcept;
  ~WatchStream();

  unsigned status() const;
  // The next line of the body (without its '\n'); nullopt when the server ended the body cleanly
  // (the watch's timeoutSeconds passed). Errors: UpstreamReset when the connection broke,
  // UpstreamTimeout when nothing came for `idleTimeout`, UpstreamBadResponse for a line over the
  // limit. For a non-2xx status, the first call returns the whole body.
  boost::asio::awaitable<core::Result<std::optional<std::string>>> nextLine(
      std::chrono::milliseconds idleTimeout);

  // Closes the connection; a nextLine() in progress completes with an error.
  void cancel() noexcept;

  struct State;
  explicit WatchStream(std::unique_ptr<State> state);

 private:
  std::unique_ptr<State> state_;
};

// A kind the gateway reads, and the versions of it the file loader accepts, most preferred first
// (empty = whatever the server prefers).
struct KindSpec {
  std::string group;  // "" = the core group (/api/v1)
  std::string kind;
  std::vector<std::string> versions;
};

// A kind as the server serves it.
struct ServedKind {
  std::string group;
  std::string version;
  std::string kind;
  std::string resource;  // the plural in paths: "aigatewayroutes"
  bool namespaced = true;

  bool operator==(const ServedKind&) const = default;
  std::string apiVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/apis/G/V[/namespaces/NS]/RESOURCE" (or "/api/v1/..."); `ns` "" = all namespaces.
  std::string collectionPath(std::string_view ns) const;
};

// The kinds the file loader reads, in the versions it accepts.
const std::vector<KindSpec>& loaderKinds();

struct DiscoveryResult {
  std::vector<ServedKind> kinds;      // found, in the order asked
  std::vector<std::string> warnings;  // one per kind that is skipped, saying why
};

// Reads /apis and /apis/G/V and picks, for each kind, the server's preferred version when the
// loader accepts it, else the first served version it accepts. A kind whose group or resource the
// server does not have (its CRD is not installed), or only in versions the loader does not read,
// is left out with one warning. Core kinds (Secret, ConfigMap) are always served as v1. Errors:
// the transport's, or the /apis call answered non-200.
boost::asio::awaitable<core::Result<DiscoveryResult>> discover(ApiClient& client,
                                                               const std::vector<KindSpec>& kinds,
                                                               std::chrono::milliseconds timeout);

// Percent-encodes a query value (field selectors, resource versions).
std::string queryEscape(std::string_view value);

}  // namespace switchyard::kube
