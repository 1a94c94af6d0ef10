#pragma once
// List-then-watch of every kind the gateway reads, into one ObjectStore, and of each Secret and
// ConfigMap a policy names, by name only (a metadata.name field selector): the gateway never lists
// or watches all Secrets of a namespace. Lists are read in pages (limit, then continue tokens; an
// expired token starts the list again). A kind's watches resume from the last resourceVersion
// (bookmarks move it) and relist once on 410 Gone; a named object's watch starts from now after a
// GET. All reconnect with jittered exponential back-off, so an API server restart brings
// reconnections spread over time and no relist storm. Changes are reported through one debounced
// callback: a burst of events gives one reload. The kinds can change while it runs (setKinds: a
// CRD installed or removed after start).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kube/api_client.hpp"
#include "kube/object_store.hpp"

namespace switchyard::kube {

struct BackoffOptions {
  std::chrono::milliseconds initial{250};
  std::chrono::milliseconds max{30'000};
  double jitter = 0.5;  // each delay is drawn uniformly from [d·(1−jitter), d]
};

// Exponential back-off with jitter: initial, 2·initial, ... up to max, each scaled by a random
// factor. `random` returns a number in [0, 1).
class Backoff {
 public:
  Backoff(BackoffOptions options, std::function<double()> random);
  std::chrono::milliseconds next();
  void reset() { failures_ = 0; }
  int failures() const { return failures_; }

 private:
  BackoffOptions options_;
  std::function<double()> random_;
  int failures_ = 0;
};

struct WatcherOptions {
  std::vector<std::string> namespaces;  // empty = all namespaces
  BackoffOptions backoff;
  std::function<double()> random;  // [0, 1); a seeded std::mt19937 when empty
  std::chrono::milliseconds debounce{100};
  std::chrono::milliseconds requestTimeout{30'000};
  // The timeoutSeconds a watch asks for, stretched by up to ×2 at random so watches do not end
  // together; the server then ends the body cleanly and the watch is renewed at once.
  std::chrono::seconds watchTimeout{300};
  // Nothing received for this long (bookmarks come about every minute) → reconnect.
  std::chrono::milliseconds watchIdleTimeout{std::chrono::minutes(11)};
  // Items per list request; the rest follow with the continue token of each page.
  int listPageSize = 500;
  std::function<void(std::string_view)> log;  // warnings and reconnections; stderr when empty
  // A kind's list or watch answered 404 (its CRD may have been removed). Called on the executor,
  // at each such answer (the kind's own back-off spaces them).
  std::function<void(const ServedKind&)> onNotFound;
};

// Counters, for tests and metrics.
struct WatcherStats {
  int lists = 0;       // list calls answered 200
  int watches = 0;     // watch calls answered 200
  int relists = 0;     // lists caused by 410 Gone
  int restarts = 0;    // paged lists started again because a continue token expired
  int reconnects = 0;  // watches re-opened after a failure or a broken connection
  int changes = 0;     // onChange calls
  std::vector<std::chrono::milliseconds> delays;  // back-off waits, in order
};

class Watcher : public std::enable_shared_from_this<Watcher> {
 public:
  // Called on the executor with the whole store, after the first full sync and then at most once
  // per debounce period while events arrive.
  using OnChange = std::function<void(const ObjectStore&)>;

  // `kinds`: from discover(); core kinds in it (Secret, ConfigMap) are ignored, as those are read
  // by name only.
  static std::shared_ptr<Watcher> create(boost::asio::any_io_executor executor,
                                         std::shared_ptr<ApiClient> client,
                                         std::vector<ServedKind> kinds, WatcherOptions options,
                                         OnChange onChange);
  ~Watcher();

  void start();  // from any thread; the work runs on the executor
  void stop();   // from any thread; ends every list and watch soon after
  // From any thread: watch these kinds from now on. A kind no longer in the list stops being
  // watched and its objects leave the store (its CRD is gone, and them with it); a new kind is
  // listed and watched; a kind served in another version now is read in that one, its objects kept
  // until the new list replaces them.
  void setKinds(std::vector<ServedKind> kinds);

  bool synced() const { return synced_.load(); }
  WatcherStats stats() const;
  // The Secrets and ConfigMaps watched by name now.
  std::vector<ObjectKey> namedWatches() const;
  // The kinds watched now (the core kinds left out).
  std::vector<ServedKind> kinds() const;
  // How many objects of `kind` the store holds. On the executor only.
  std::size_t objectsOf(std::string_view kind) const;

  struct Informer;
  Watcher(boost::asio::any_io_executor executor, std::shared_ptr<ApiClient> client,
          std::vector<ServedKind> kinds, WatcherOptions options, OnChange onChange);

 private:
  void startInformer(const std::shared_ptr<Informer>& informer);
  void addInformers(const ServedKind& kind);  // one per namespace (or one for all)
  void applyKinds(std::vector<ServedKind> kinds);
  void reconcileNamed();  // start and stop the by-name watches the policies call for
  void changed();         // the store changed: schedule onChange
  void listedOnce(Informer& informer);
  void syncIfListed();  // every informer has listed once: synced, and the first onChange
  void notFound(const Informer& informer);
  void log(const std::string& message);

  boost::asio::awaitable<void> run(std::shared_ptr<Informer> informer);
  boost::asio::awaitable<bool> sleep(Informer& informer, std::chrono::milliseconds delay);
  boost::asio::awaitable<bool> list(Informer& informer);  // every page; get() for a named one
  boost::asio::awaitable<bool> get(Informer& informer);
  void relist(const Informer& informer);  // a 410 on its watch: logged and counted

  boost::asio::any_io_executor executor_;
  std::shared_ptr<ApiClient> client_;
  std::vector<ServedKind> kinds_;
  WatcherOptions options_;
  OnChange onChange_;
  ObjectStore store_;
  std::vector<std::shared_ptr<Informer>> informers_;      // per kind (and namespace)
  std::map<ObjectKey, std::shared_ptr<Informer>> named_;  // per referenced Secret / ConfigMap
  int unsyncedInformers_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  bool changePending_ = false;
  std::unique_ptr<boost::asio::steady_timer> debounce_;
  std::atomic<bool> synced_{false};
  mutable std::mutex statsMutex_;
  WatcherStats stats_;
  std::vector<ObjectKey> namedKeys_;   // copy of named_'s keys, under statsMutex_
  std::vector<ServedKind> kindsCopy_;  // copy of kinds_, under statsMutex_
};

}  // namespace switchyard::kube
