#include "kube/config_source.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

#include <iostream>
#include <random>

namespace switchyard::kube {

namespace asio = boost::asio;

std::string jsonLogLine(std::string_view level, std::string_view message) {
  return "{\"level\":\"" + std::string(level) +
         "\",\"msg\":" + boost::json::serialize(boost::json::string(message)) + "}";
}

core::Result<std::unique_ptr<ConfigSource>> ConfigSource::start(ConfigSourceOptions options,
                                                                OnLoad onLoad) {
  std::unique_ptr<ConfigSource> source(new ConfigSource(std::move(options), std::move(onLoad)));
  auto client = ApiClient::create(source->ioc_.get_executor(), source->options_.access);
  if (!client) return client.error();
  source->client_ = *client;
  asio::co_spawn(source->ioc_, source->begin(), asio::detached);
  source->thread_ = std::thread([raw = source.get()] {
    raw->ioc_.run();
    raw->finished_ = true;
  });
  return source;
}

ConfigSource::ConfigSource(ConfigSourceOptions options, OnLoad onLoad)
    : options_(std::move(options)), onLoad_(std::move(onLoad)) {}

ConfigSource::~ConfigSource() { stop(); }

void ConfigSource::stop() {
  if (stopped_.exchange(true)) return;
  asio::post(ioc_, [this] {
    retryTimer_.cancel();
    refreshTimer_.cancel();
    if (elector_) elector_->stop();
    if (watcher_) watcher_->stop();
  });
  // The watches end soon after; a connection that does not is cut when the context stops.
  for (int i = 0; i < 300 && !finished_; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ioc_.stop();
  if (thread_.joinable()) thread_.join();
}

void ConfigSource::log(const std::string& line) {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << line << "\n";
  }
}

asio::awaitable<void> ConfigSource::begin() {
  std::mt19937 seed(std::random_device{}());
  Backoff backoff(options_.discoveryBackoff,
                  [&seed] { return std::uniform_real_distribution<double>(0, 1)(seed); });
  const auto timeout = options_.watcher.requestTimeout;
  log(jsonLogLine("info", "reading the configuration from the Kubernetes API (" +
                              options_.access.source + ")"));
  for (;;) {
    if (stopped_) co_return;
    auto found = co_await discover(*client_, loaderKinds(), timeout);
    if (found) {
      for (const auto& warning : found->warnings) log(jsonLogLine("warn", warning));
      WatcherOptions watcherOptions = options_.watcher;
      watcherOptions.namespaces = options_.namespaces;
      watcherOptions.log = [this](std::string_view message) { log(jsonLogLine("warn", message)); };
      watcherOptions.onNotFound = [this](const ServedKind&) { refreshSoon(); };
      kinds_ = found->kinds;
      watcher_ =
          Watcher::create(ioc_.get_executor(), client_, found->kinds, std::move(watcherOptions),
                          [this](const ObjectStore& store) { loaded(store); });
      if (stopped_) co_return;
      if (options_.writeStatus) startStatus(found->kinds);
      watcher_->start();
      asio::co_spawn(ioc_, refreshLoop(), asio::detached);
      co_return;
    }
    const auto delay = backoff.next();
    log(jsonLogLine("warn", "Kubernetes API discovery failed: " + found.error().message +
                                "; retrying in " + std::to_string(delay.count()) + " ms"));
    retryTimer_.expires_after(delay);
    boost::system::error_code ec;
    co_await retryTimer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void ConfigSource::refreshSoon() {
  if (refreshRequested_ || stopped_) return;
  refreshRequested_ = true;
  refreshTimer_.cancel();
}

asio::awaitable<void> ConfigSource::refreshLoop() {
  for (;;) {
    refreshTimer_.expires_after(refreshRequested_ ? options_.discoveryAfterNotFound
                                                  : options_.discoveryRefresh);
    boost::system::error_code ec;
    co_await refreshTimer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) co_return;
    if (ec) continue;  // brought forward by a 404: wait the short delay now
    refreshRequested_ = false;
    co_await refreshKinds();
  }
}

namespace {

std::string describeKind(const ServedKind& kind) {
  return kind.kind + " (" + kind.apiVersion() + ")";
}

const ServedKind* findKind(const std::vector<ServedKind>& kinds, std::string_view name) {
  for (const auto& kind : kinds) {
    if (kind.kind == name) return &kind;
  }
  return nullptr;
}

}  // namespace

asio::awaitable<void> ConfigSource::refreshKinds() {
  const auto timeout = options_.watcher.requestTimeout;
  // A failure here changes nothing: the watches report an unreachable server themselves.
  auto found = co_await discover(*client_, loaderKinds(), timeout);
  if (!found || stopped_) co_return;
  std::vector<ServedKind> next;
  std::vector<std::string> changes;  // one log line each
  bool changed = false;
  for (const auto& spec : loaderKinds()) {
    const auto* now = findKind(found->kinds, spec.kind);
    const auto* before = findKind(kinds_, spec.kind);
    if (now && before) {
      if (!(*now == *before)) {
        changed = true;
        changes.push_back(jsonLogLine("info", "Kubernetes API: " + spec.kind + " is read as " +
                                                  now->apiVersion() + " now (was " +
                                                  before->apiVersion() + ")"));
      }
      next.push_back(*now);
    } else if (now) {
      changed = true;
      changes.push_back(jsonLogLine(
          "info", "Kubernetes API: " + describeKind(*now) + " is served now; watching it"));
      next.push_back(*now);
    } else if (before) {
      // A starting API server can leave a CRD out of discovery and answer 404 for it for a moment,
      // so the kind is dropped only when its own collection answers 404 as well, and, while objects
      // of it are still held (deleting a CRD deletes them first), only when it is still so a whole
      // refresh period after it was first seen gone: dropping them would unload routes.
      const std::string ns = options_.namespaces.empty() ? "" : options_.namespaces.front();
      auto probe = co_await client_->get(before->collectionPath(ns) + "?limit=1", timeout);
      if (stopped_) co_return;
      const auto at = std::chrono::steady_clock::now();
      bool gone = false;
      if (probe && probe->status == 404) {
        const auto since = goneSince_.try_emplace(spec.kind, at).first->second;
        gone = watcher_->objectsOf(spec.kind) == 0 || at - since >= options_.discoveryRefresh;
      } else {
        goneSince_.erase(spec.kind);
      }
      if (gone) {
        goneSince_.erase(spec.kind);
        changed = true;
        changes.push_back(jsonLogLine("warn", "Kubernetes API: " + describeKind(*before) +
                                                  " is not served any more (its CRD was "
                                                  "removed); no longer watched"));
      } else {
        next.push_back(*before);
      }
    }
    if (now) goneSince_.erase(spec.kind);
  }
  if (!changed) co_return;
  for (const auto& line : changes) log(line);
  kinds_ = next;
  if (statusWriter_) {
    std::vector<ServedKind> withStatus;
    for (const auto& kind : kinds_) {
      if (hasStatus(kind.kind)) withStatus.push_back(kind);
    }
    statusWriter_->setKinds(std::move(withStatus));
  }
  watcher_->setKinds(std::move(next));
}

void ConfigSource::startStatus(const std::vector<ServedKind>& kinds) {
  StatusWriterOptions writerOptions;
  for (const auto& kind : kinds) {
    if (hasStatus(kind.kind)) writerOptions.kinds.push_back(kind);
  }
  LeaderElectionOptions electionOptions = options_.leaderElection;
  if (electionOptions.ns.empty()) electionOptions.ns = options_.access.ns;
  if (electionOptions.ns.empty()) electionOptions.ns = "default";
  if (electionOptions.identity.empty()) electionOptions.identity = defaultIdentity();
  electionOptions.log = [this](std::string_view message) { log(jsonLogLine("info", message)); };
  writerOptions.instance = electionOptions.identity;
  writerOptions.requestTimeout = options_.watcher.requestTimeout;
  writerOptions.log = [this](std::string_view message) { log(jsonLogLine("warn", message)); };
  statusWriter_ = StatusWriter::create(ioc_.get_executor(), client_, std::move(writerOptions));
  elector_ = LeaderElector::create(
      ioc_.get_executor(), client_, std::move(electionOptions),
      [this] {
        leader_ = true;
        statusWriter_->setLeader(true);
        if (lastStore_) statusWriter_->submit(*lastStore_, lastDiagnostics_);
      },
      [this] {
        leader_ = false;
        statusWriter_->setLeader(false);
      });
  elector_->start();
}

void ConfigSource::loaded(const ObjectStore& store) {
  auto result = loadFromStore(store, options_.render);
  for (const auto& d : result.diagnostics) {
    log(jsonLogLine(d.severity == config::Severity::Error ? "error" : "warn", d.format()));
  }
  if (statusWriter_) {
    lastStore_ = &store;
    lastDiagnostics_ = result.diagnostics;
    statusWriter_->submit(store, lastDiagnostics_);
  }
  loads_.fetch_add(1);
  if (onLoad_) onLoad_(std::move(result));
}

}  // namespace switchyard::kube
