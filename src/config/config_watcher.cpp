#include "config/config_watcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <iostream>
#include <map>
#include <system_error>

namespace switchyard::config {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::uint32_t kWatchMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE |
                                     IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The path made absolute, without "." / ".." parts or a trailing separator.
fs::path normalized(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec).lexically_normal();
  if (ec) p = fs::path(path).lexically_normal();
  if (!p.has_filename() && p.has_parent_path() && p != p.root_path()) p = p.parent_path();
  return p;
}

// For a log line's string value: quotes, backslashes and control bytes become spaces.
std::string jsonSafe(std::string text) {
  for (auto& c : text) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return text;
}

}  // namespace

void Debouncer::onEvent(Time now) {
  if (!first_) first_ = now;
  last_ = now;
  ++events_;
}

std::optional<Debouncer::Time> Debouncer::deadline() const {
  if (!first_) return std::nullopt;
  return std::min(last_ + quiet_, *first_ + maxDelay_);
}

bool Debouncer::fire(Time now) {
  const auto due = deadline();
  if (!due || now < *due) return false;
  lastBurst_ = events_;
  events_ = 0;
  first_.reset();
  return true;
}

ConfigWatcher::ConfigWatcher(WatchOptions options, Callback onChange)
    : options_(std::move(options)), onChange_(std::move(onChange)) {
  inotifyFd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotifyFd_ < 0) throw std::system_error(errno, std::system_category(), "inotify_init1");
  wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) {
    const int error = errno;
    ::close(inotifyFd_);
    throw std::system_error(error, std::system_category(), "eventfd");
  }
  rescan();
  thread_ = std::thread([this] { run(); });
}

ConfigWatcher::~ConfigWatcher() {
  stop();
  if (thread_.joinable()) thread_.detach();  // only when stop() was called from the callback
  ::close(inotifyFd_);
  ::close(wakeFd_);
}

void ConfigWatcher::stop() {
  stopping_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wakeFd_, &one, sizeof one);
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void ConfigWatcher::trigger() {
  triggered_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wakeFd_, &one, sizeof one);
}

ConfigWatcher::Stats ConfigWatcher::stats() const {
  Stats s;
  s.relevantEvents = relevantEvents_.load();
  s.ignoredEvents = ignoredEvents_.load();
  s.callbacks = callbacks_.load();
  s.lastBurstEvents = lastBurstEvents_.load();
  return s;
}

std::vector<std::string> ConfigWatcher::watchedDirectories() const {
  std::vector<std::string> out;
  {
    std::lock_guard lock(watchesMutex_);
    for (const auto& [wd, dir] : watches_) out.push_back(dir.path);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool ConfigWatcher::relevant(const WatchedDir& dir, std::string_view name) const {
  if (name.empty()) return dir.folder;      // the watched folder itself was removed or moved
  if (name.starts_with("..")) return true;  // Kubernetes' ..data swap and its timestamped folders
  if (std::find(dir.names.begin(), dir.names.end(), name) != dir.names.end()) return true;
  return dir.folder && (endsWith(name, ".yaml") || endsWith(name, ".yml"));
}

// Resolves the paths again (symlinks may point elsewhere now) and adjusts the watches to match.
void ConfigWatcher::rescan() {
  std::map<std::string, WatchedDir> wanted;
  auto want = [&](const fs::path& dir, std::string name, bool folder) {
    auto& entry = wanted[dir.string()];
    entry.path = dir.string();
    entry.folder = entry.folder || folder;
    if (!name.empty() &&
        std::find(entry.names.begin(), entry.names.end(), name) == entry.names.end()) {
      entry.names.push_back(std::move(name));
    }
  };
  for (const auto& given : options_.paths) {
    const fs::path path = normalized(given);
    std::error_code ec;
    if (path.has_parent_path() && path != path.root_path()) {
      want(path.parent_path(), path.filename().string(), false);
    }
    if (fs::is_directory(path, ec)) {
      want(path, {}, true);
    } else if (fs::is_symlink(path, ec)) {
      const fs::path target = fs::canonical(path, ec);
      if (!ec && target.has_parent_path()) {
        want(target.parent_path(), target.filename().string(), false);
      }
    }
  }

  std::unordered_map<int, WatchedDir> watches;
  for (auto& [path, dir] : wanted) {
    const int wd = inotify_add_watch(inotifyFd_, path.c_str(), kWatchMask);
    if (wd < 0) continue;  // not there (yet): its parent's watch sees it appear
    auto [it, inserted] = watches.emplace(wd, dir);
    if (!inserted) {  // the same directory under two names
      auto& merged = it->second;
      merged.folder = merged.folder || dir.folder;
      for (auto& name : dir.names) merged.names.push_back(name);
    }
  }
  std::lock_guard lock(watchesMutex_);
  for (const auto& [wd, dir] : watches_) {
    if (!watches.count(wd)) inotify_rm_watch(inotifyFd_, wd);
  }
  watches_ = std::move(watches);
  rescanNeeded_ = false;
}

void ConfigWatcher::readEvents(Debouncer& debouncer) {
  alignas(inotify_event) char buffer[16 * 1024];
  for (;;) {
    const ssize_t n = ::read(inotifyFd_, buffer, sizeof buffer);
    if (n <= 0) return;  // EAGAIN: drained
    const auto now = Clock::now();
    for (ssize_t offset = 0; offset < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if (event->mask & IN_Q_OVERFLOW) {  // events were lost: assume the worst
        rescanNeeded_ = true;
        relevantEvents_.fetch_add(1);
        debouncer.onEvent(now);
        continue;
      }
      if (event->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) rescanNeeded_ = true;
      if (event->mask & IN_IGNORED) continue;
      const std::string_view name = event->len ? std::string_view(event->name) : std::string_view();
      bool matters = false;
      {
        std::lock_guard lock(watchesMutex_);
        const auto it = watches_.find(event->wd);
        matters = it != watches_.end() && relevant(it->second, name);
      }
      if (matters) {
        relevantEvents_.fetch_add(1);
        debouncer.onEvent(now);
      } else {
        ignoredEvents_.fetch_add(1);
      }
    }
  }
}

void ConfigWatcher::run() {
  Debouncer debouncer(options_.debounce, options_.maxDelay);
  pollfd fds[2] = {{inotifyFd_, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
  while (!stopping_.load()) {
    int timeoutMs = -1;
    if (const auto due = debouncer.deadline()) {
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*due - Clock::now());
      timeoutMs = static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, wait.count()));
    }
    const int ready = ::poll(fds, 2, timeoutMs);
    if (ready < 0 && errno != EINTR) {
      std::cerr << "{\"level\":\"error\",\"msg\":\"config watcher stopped\",\"error\":\""
                << jsonSafe(std::system_category().message(errno)) << "\"}\n";
      return;
    }
    if (stopping_.load()) return;
    if (ready > 0 && (fds[1].revents & POLLIN)) {
      std::uint64_t count = 0;
      [[maybe_unused]] const auto n = ::read(wakeFd_, &count, sizeof count);
      if (triggered_.exchange(false)) debouncer.onEvent(Clock::now());
    }
    if (ready > 0 && (fds[0].revents & POLLIN)) readEvents(debouncer);
    if (rescanNeeded_) rescan();
    if (debouncer.fire(Clock::now())) {
      rescan();  // before the callback: whatever it reads next is watched already
      lastBurstEvents_.store(debouncer.lastBurstEvents());
      callbacks_.fetch_add(1);
      try {
        onChange_();
      } catch (const std::exception& e) {
        std::cerr << "{\"level\":\"error\",\"msg\":\"config reload callback failed\",\"error\":\""
                  << jsonSafe(e.what()) << "\"}\n";
      }
    }
  }
}

}  // namespace switchyard::config
