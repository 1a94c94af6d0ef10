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
      watcher_ =
          Watcher::create(ioc_.get_executor(), client_, found->kinds, std::move(watcherOptions),
                          [this](const ObjectStore& store) { loaded(store); });
      if (stopped_) co_return;
      if (options_.writeStatus) startStatus(found->kinds);
      watcher_->start();
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
