#pragma once
// The Kubernetes API as a configuration source for `switchyard run --kubernetes`: discovery, then
// the watcher, and on each (debounced) change the store rendered and loaded through the file
// loader. Discovery runs again periodically and soon after a kind's list or watch answers 404, so a
// CRD installed or removed after start is followed without a restart. Runs on a thread of its own;
// the caller decides what a load result becomes (the gateway publishes it through its reload path).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/loader.hpp"
#include "kube/kube_config.hpp"
#include "kube/leader_election.hpp"
#include "kube/manifest_render.hpp"
#include "kube/status_writer.hpp"
#include "kube/watcher.hpp"

namespace switchyard::kube {

struct ConfigSourceOptions {
  ClusterAccess access;
  std::vector<std::string> namespaces;  // empty = all namespaces
  RenderOptions render;
  WatcherOptions watcher;  // its `namespaces` and `log` are set from the fields here
  // Discovery is retried with this back-off until it answers (the API server may not be up yet).
  BackoffOptions discoveryBackoff{std::chrono::milliseconds(500), std::chrono::seconds(30), 0.5};
  // Discovery again after start, every this long: a kind that appears is watched, one served in
  // another version is switched to it, one that is gone (its collection answers 404 too) is
  // dropped; one log line per change, and nothing else happens when nothing changed.
  std::chrono::milliseconds discoveryRefresh{std::chrono::seconds(30)};
  // A kind's list or watch answering 404 brings the next discovery forward to this long after it.
  std::chrono::milliseconds discoveryAfterNotFound{std::chrono::seconds(1)};
  std::function<void(std::string_view)> log;  // one JSON line each; stderr when empty
  // Status: leader election on a Lease beside the watcher, and while leader the Accepted
  // condition (and ConfigurationRejected Events) written from every load. The Lease's namespace
  // is leaderElection.ns, else the access's (the pod's, or the kubeconfig context's), else
  // "default"; its `log` is set here.
  bool writeStatus = false;
  LeaderElectionOptions leaderElection;
};

class ConfigSource {
 public:
  // Called on the source's thread after the first full sync and after each change, with the
  // store loaded through the file loader (diagnostics included, successful or not).
  using OnLoad = std::function<void(config::LoadResult)>;

  // Errors (UpstreamTls) when the access's certificates cannot be used.
  static core::Result<std::unique_ptr<ConfigSource>> start(ConfigSourceOptions options,
                                                           OnLoad onLoad);
  ~ConfigSource();  // stops

  void stop();  // from any thread; idempotent
  // How many times the store was loaded: 0 until the first full sync.
  int loads() const { return loads_.load(); }
  // With writeStatus: whether this replica holds the Lease now.
  bool isLeader() const { return leader_.load(); }

  ConfigSource(const ConfigSource&) = delete;
  ConfigSource& operator=(const ConfigSource&) = delete;

 private:
  ConfigSource(ConfigSourceOptions options, OnLoad onLoad);
  boost::asio::awaitable<void> begin();                    // discovery (retried), then the watcher
  boost::asio::awaitable<void> refreshLoop();              // discovery again, every so often
  boost::asio::awaitable<void> refreshKinds();             // one discovery, its changes applied
  void refreshSoon();                                      // a kind answered 404
  void loaded(const ObjectStore& store);                   // the watcher's onChange
  void startStatus(const std::vector<ServedKind>& kinds);  // the elector and the status writer
  void log(const std::string& line);

  ConfigSourceOptions options_;
  OnLoad onLoad_;
  boost::asio::io_context ioc_;
  boost::asio::steady_timer retryTimer_{ioc_};
  boost::asio::steady_timer refreshTimer_{ioc_};
  bool refreshRequested_ = false;  // by a 404, on the source's thread
  std::vector<ServedKind> kinds_;  // watched now, on the source's thread
  // Kinds whose collection answered 404 while objects of them were held, and since when.
  std::map<std::string, std::chrono::steady_clock::time_point> goneSince_;
  std::shared_ptr<ApiClient> client_;
  std::shared_ptr<Watcher> watcher_;        // set on the source's thread once discovery answered
  std::shared_ptr<LeaderElector> elector_;  // with writeStatus, once discovery answered
  std::shared_ptr<StatusWriter> statusWriter_;
  const ObjectStore* lastStore_ = nullptr;  // the watcher's, after the first load
  std::vector<config::Diagnostic> lastDiagnostics_;
  std::atomic<bool> stopped_{false};
  std::atomic<int> loads_{0};
  std::atomic<bool> leader_{false};
  std::atomic<bool> finished_{false};  // the thread's run() returned
  std::thread thread_;
};

// `{"level":LEVEL,"msg":MESSAGE}` with MESSAGE escaped as a JSON string.
std::string jsonLogLine(std::string_view level, std::string_view message);

}  // namespace switchyard::kube
