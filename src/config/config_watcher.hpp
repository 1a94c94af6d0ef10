#pragma once
// Watches the manifest paths given with -c and calls back, on its own thread, once a burst of
// changes has settled: the trigger for a live reload.
//
// Linux inotify on directories, never on the files themselves, so that every way of changing a
// file is seen: an edit in place, an editor's write-then-rename, a file created in a watched
// folder, and Kubernetes' ConfigMap/Secret update (a new timestamped folder, then the `..data`
// symlink renamed over; the mounted file is a symlink through `..data` and never changes itself).
// For a file path F: F's directory, for F's name and for Kubernetes' `..` names; when F is a
// symlink, also the directory of what it points at. For a folder D: D itself (*.yaml, *.yml, `..`
// names) and D's parent (D replaced or removed). The watches are re-resolved after every burst, so
// they follow symlink swaps.
//
// A burst ends `debounce` after its last event, or `maxDelay` after its first if events keep
// coming. The callback runs on the watcher's thread; a slow callback delays the next burst, never
// the request path.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace switchyard::config {

// Trailing-edge debounce with a ceiling, on an injected clock.
class Debouncer {
 public:
  using Time = std::chrono::steady_clock::time_point;
  Debouncer(std::chrono::milliseconds quiet, std::chrono::milliseconds maxDelay)
      : quiet_(quiet), maxDelay_(maxDelay) {}

  void onEvent(Time now);
  bool pending() const { return first_.has_value(); }
  // When the pending burst is due; nullopt when there is none.
  std::optional<Time> deadline() const;
  // True once, when the pending burst is due at `now`; the burst then ends.
  bool fire(Time now);
  // Events in the burst that fired last.
  std::uint64_t lastBurstEvents() const { return lastBurst_; }

 private:
  std::chrono::milliseconds quiet_;
  std::chrono::milliseconds maxDelay_;
  std::optional<Time> first_;
  Time last_{};
  std::uint64_t events_ = 0;
  std::uint64_t lastBurst_ = 0;
};

struct WatchOptions {
  std::vector<std::string> paths;  // the -c paths: files or folders
  std::chrono::milliseconds debounce{100};
  std::chrono::milliseconds maxDelay{1000};
};

class ConfigWatcher {
 public:
  using Callback = std::function<void()>;

  // The watches are in place when the constructor returns: any change made after it is seen.
  // Throws std::system_error when inotify is not available (start-up only).
  ConfigWatcher(WatchOptions options, Callback onChange);
  ~ConfigWatcher();
  ConfigWatcher(const ConfigWatcher&) = delete;
  ConfigWatcher& operator=(const ConfigWatcher&) = delete;

  // Ends the thread and returns once it has; a burst still settling is dropped. Idempotent. From
  // inside the callback it only asks the thread to end.
  void stop();
  // A reload through the same debounce, with no file change (SIGHUP). Async-signal-safe.
  void trigger();

  struct Stats {
    std::uint64_t relevantEvents = 0;  // inotify events that belong to a watched path
    std::uint64_t ignoredEvents = 0;   // events on other names in the watched directories
    std::uint64_t callbacks = 0;
    std::uint64_t lastBurstEvents = 0;  // events (and triggers) coalesced into the last callback
  };
  Stats stats() const;
  // The directories watched now, sorted (for logs and tests).
  std::vector<std::string> watchedDirectories() const;

 private:
  struct WatchedDir {
    std::string path;
    std::vector<std::string> names;  // exact entry names that matter
    bool folder = false;             // every *.yaml / *.yml entry matters too
  };

  void run();
  void rescan();
  // Reads every queued event, feeding the ones that matter to the debouncer.
  void readEvents(Debouncer& debouncer);
  bool relevant(const WatchedDir& dir, std::string_view name) const;

  WatchOptions options_;
  Callback onChange_;
  int inotifyFd_ = -1;
  int wakeFd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> triggered_{false};
  bool rescanNeeded_ = false;  // watcher thread only

  mutable std::mutex watchesMutex_;  // the thread writes, watchedDirectories() reads
  std::unordered_map<int, WatchedDir> watches_;

  std::atomic<std::uint64_t> relevantEvents_{0};
  std::atomic<std::uint64_t> ignoredEvents_{0};
  std::atomic<std::uint64_t> callbacks_{0};
  std::atomic<std::uint64_t> lastBurstEvents_{0};

  std::thread thread_;
};

}  // namespace switchyard::config
