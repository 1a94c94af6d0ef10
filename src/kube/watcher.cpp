#include "kube/watcher.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <random>

#include "kube/manifest_render.hpp"
#include "kube/watch_event.hpp"

namespace switchyard::kube {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

Backoff::Backoff(BackoffOptions options, std::function<double()> random)
    : options_(options), random_(std::move(random)) {}

std::chrono::milliseconds Backoff::next() {
  const double cap = static_cast<double>(options_.max.count());
  const double base =
      std::min(cap, static_cast<double>(options_.initial.count()) * std::ldexp(1.0, failures_));
  if (base < cap) ++failures_;
  const double r = std::clamp(random_ ? random_() : 0.5, 0.0, 1.0);
  const double delay = base * (1.0 - options_.jitter) + base * options_.jitter * r;
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay));
}

struct Watcher::Informer {
  ServedKind kind;
  ObjectScope scope;
  Backoff backoff;
  std::string resourceVersion;
  bool listed = false;
  bool stopped = false;
  asio::steady_timer timer;
  WatchStream* active = nullptr;  // the open watch, to cancel on stop

  Informer(ServedKind k, ObjectScope s, Backoff b, asio::any_io_executor executor)
      : kind(std::move(k)), scope(std::move(s)), backoff(std::move(b)), timer(executor) {}

  std::string where() const {
    return kind.kind + (scope.ns.empty() ? "" : " in " + scope.ns) +
           (scope.name.empty() ? "" : " named " + scope.name);
  }
  std::string selector() const {
    return scope.name.empty() ? "" : "fieldSelector=" + queryEscape("metadata.name=" + scope.name);
  }
  // One page of the list: `limit` items (0 = all at once) from `continueToken` on.
  std::string listPath(int limit, const std::string& continueToken) const {
    std::string query = selector();
    auto add = [&query](const std::string& part) { query += (query.empty() ? "" : "&") + part; };
    if (limit > 0) add("limit=" + std::to_string(limit));
    if (!continueToken.empty()) add("continue=" + queryEscape(continueToken));
    return kind.collectionPath(scope.ns) + (query.empty() ? "" : "?" + query);
  }
  // A named object's watch starts from now (no resourceVersion: the server sends the object's
  // current state first). Its own resourceVersion is no point of the collection's history that the
  // server keeps: the watch cache forgets it after a restart or a few hundred changes to other
  // objects of the kind, and compaction after that, so a watch from it would get 410 Gone again
  // after every GET. The GET before each of its watches tells whether it was deleted meanwhile.
  std::string watchPath(std::chrono::seconds timeout) const {
    std::string path = kind.collectionPath(scope.ns) + "?watch=1&allowWatchBookmarks=true";
    if (scope.name.empty()) path += "&resourceVersion=" + queryEscape(resourceVersion);
    path += "&timeoutSeconds=" + std::to_string(timeout.count());
    if (const auto query = selector(); !query.empty()) path += "&" + query;
    return path;
  }
  void stop() {
    stopped = true;
    timer.cancel();
    if (active) active->cancel();
  }
};

namespace {

// The two objects differ at most in status and metadata.resourceVersion / managedFields.
bool sameButStatus(const boost::json::object& a, const boost::json::object& b) {
  auto strip = [](boost::json::object o) {
    o.erase("status");
    if (auto* meta = o.if_contains("metadata"); meta && meta->is_object()) {
      meta->as_object().erase("resourceVersion");
      meta->as_object().erase("managedFields");
    }
    return o;
  };
  return strip(a) == strip(b);
}

std::string statusMessage(const std::string& body) {
  boost::system::error_code ec;
  const auto value = json::parse(body, ec);
  if (!ec && value.is_object()) {
    if (const auto* message = value.get_object().if_contains("message");
        message && message->is_string()) {
      return std::string(message->get_string());
    }
  }
  return body.substr(0, 200);
}

}  // namespace

std::shared_ptr<Watcher> Watcher::create(asio::any_io_executor executor,
                                         std::shared_ptr<ApiClient> client,
                                         std::vector<ServedKind> kinds, WatcherOptions options,
                                         OnChange onChange) {
  return std::make_shared<Watcher>(std::move(executor), std::move(client), std::move(kinds),
                                   std::move(options), std::move(onChange));
}

Watcher::Watcher(asio::any_io_executor executor, std::shared_ptr<ApiClient> client,
                 std::vector<ServedKind> kinds, WatcherOptions options, OnChange onChange)
    : executor_(std::move(executor)),
      client_(std::move(client)),
      options_(std::move(options)),
      onChange_(std::move(onChange)),
      debounce_(std::make_unique<asio::steady_timer>(executor_)) {
  for (auto& kind : kinds) {
    if (!kind.group.empty()) kinds_.push_back(std::move(kind));
  }
  kindsCopy_ = kinds_;
  if (!options_.random) {
    auto engine = std::make_shared<std::mt19937>(std::random_device{}());
    options_.random = [engine] { return std::uniform_real_distribution<double>(0, 1)(*engine); };
  }
}

Watcher::~Watcher() = default;

void Watcher::log(const std::string& message) {
  if (options_.log) {
    options_.log(message);
  } else {
    std::cerr << "switchyard: " << message << "\n";
  }
}

void Watcher::start() {
  asio::dispatch(executor_, [self = shared_from_this()] {
    if (self->stopped_ || self->started_) return;
    self->started_ = true;
    for (const auto& kind : self->kinds_) self->addInformers(kind);
    self->syncIfListed();  // nothing to list: synced at once, with an empty store
  });
}

void Watcher::addInformers(const ServedKind& kind) {
  std::vector<std::string> namespaces = options_.namespaces;
  if (namespaces.empty() || !kind.namespaced) namespaces = {""};
  for (const auto& ns : namespaces) {
    auto informer =
        std::make_shared<Informer>(kind, ObjectScope{kind.kind, ns, ""},
                                   Backoff(options_.backoff, options_.random), executor_);
    informers_.push_back(informer);
    if (!synced_) ++unsyncedInformers_;
    startInformer(informer);
  }
}

void Watcher::setKinds(std::vector<ServedKind> kinds) {
  asio::dispatch(executor_, [self = shared_from_this(), kinds = std::move(kinds)]() mutable {
    self->applyKinds(std::move(kinds));
  });
}

void Watcher::applyKinds(std::vector<ServedKind> kinds) {
  if (stopped_) return;
  std::erase_if(kinds, [](const ServedKind& kind) { return kind.group.empty(); });
  bool removed = false;
  for (auto it = informers_.begin(); it != informers_.end();) {
    Informer& informer = **it;
    const auto now = std::find_if(kinds.begin(), kinds.end(), [&](const ServedKind& k) {
      return k.kind == informer.kind.kind;
    });
    if (now != kinds.end() && *now == informer.kind) {
      ++it;
      continue;
    }
    informer.stop();
    if (!informer.listed && !synced_) --unsyncedInformers_;
    // A kind no longer served takes its objects with it; one read in another version keeps them
    // until its new list replaces them, so no load sees the kind empty in between.
    if (now == kinds.end()) removed |= store_.replace(informer.scope, {});
    it = informers_.erase(it);
  }
  if (started_) {
    for (const auto& kind : kinds) {
      const bool watched = std::any_of(informers_.begin(), informers_.end(),
                                       [&](const auto& i) { return i->kind == kind; });
      if (!watched) addInformers(kind);
    }
  }
  kinds_ = std::move(kinds);
  {
    std::lock_guard lock(statsMutex_);
    kindsCopy_ = kinds_;
  }
  if (removed) {
    reconcileNamed();  // a removed policy kind may leave Secrets no one names
    changed();
  }
  if (started_) syncIfListed();
}

void Watcher::stop() {
  asio::dispatch(executor_, [self = shared_from_this()] {
    self->stopped_ = true;
    for (const auto& informer : self->informers_) informer->stop();
    for (const auto& [key, informer] : self->named_) informer->stop();
    self->debounce_->cancel();
  });
}

WatcherStats Watcher::stats() const {
  std::lock_guard lock(statsMutex_);
  return stats_;
}

std::vector<ObjectKey> Watcher::namedWatches() const {
  std::lock_guard lock(statsMutex_);
  return namedKeys_;
}

std::vector<ServedKind> Watcher::kinds() const {
  std::lock_guard lock(statsMutex_);
  return kindsCopy_;
}

std::size_t Watcher::objectsOf(std::string_view kind) const {
  return static_cast<std::size_t>(
      std::count_if(store_.objects().begin(), store_.objects().end(),
                    [kind](const auto& entry) { return entry.first.kind == kind; }));
}

void Watcher::startInformer(const std::shared_ptr<Informer>& informer) {
  asio::co_spawn(executor_, run(informer), asio::detached);
}

void Watcher::listedOnce(Informer& informer) {
  if (informer.listed) return;
  informer.listed = true;
  if (synced_) return;
  --unsyncedInformers_;
  syncIfListed();
}

void Watcher::syncIfListed() {
  if (synced_ || stopped_ || unsyncedInformers_ > 0) return;
  // Every kind is listed: now the data they name, then the first configuration.
  reconcileNamed();
  if (unsyncedInformers_ > 0) return;
  synced_ = true;
  changed();
}

void Watcher::notFound(const Informer& informer) {
  if (informer.scope.name.empty() && options_.onNotFound) options_.onNotFound(informer.kind);
}

void Watcher::reconcileNamed() {
  if (stopped_) return;
  auto wanted = referencedData(store_);
  const auto& namespaces = options_.namespaces;
  bool removed = false;
  for (auto it = named_.begin(); it != named_.end();) {
    if (wanted.contains(it->first)) {
      ++it;
      continue;
    }
    it->second->stop();
    removed |= store_.remove(it->first);
    it = named_.erase(it);
  }
  for (const auto& key : wanted) {
    if (named_.contains(key)) continue;
    if (!namespaces.empty() &&
        std::find(namespaces.begin(), namespaces.end(), key.ns) == namespaces.end()) {
      continue;  // outside the namespaces we were given; the loader reports it as missing
    }
    const std::string resource = key.kind == "Secret" ? "secrets" : "configmaps";
    auto informer = std::make_shared<Informer>(
        ServedKind{"", "v1", key.kind, resource, true}, ObjectScope{key.kind, key.ns, key.name},
        Backoff(options_.backoff, options_.random), executor_);
    named_.emplace(key, informer);
    if (!synced_) ++unsyncedInformers_;
    startInformer(informer);
  }
  {
    std::lock_guard lock(statsMutex_);
    namedKeys_.clear();
    for (const auto& [key, informer] : named_) namedKeys_.push_back(key);
  }
  if (removed) changed();
}

void Watcher::changed() {
  if (!synced_ || stopped_ || changePending_) return;
  changePending_ = true;
  debounce_->expires_after(options_.debounce);
  debounce_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->changePending_ = false;
    if (ec || self->stopped_) return;
    {
      std::lock_guard lock(self->statsMutex_);
      ++self->stats_.changes;
    }
    if (self->onChange_) self->onChange_(self->store_);
  });
}

asio::awaitable<bool> Watcher::sleep(Informer& informer, std::chrono::milliseconds delay) {
  {
    std::lock_guard lock(statsMutex_);
    stats_.delays.push_back(delay);
  }
  informer.timer.expires_after(delay);
  boost::system::error_code ec;
  co_await informer.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  co_return !informer.stopped;
}

asio::awaitable<bool> Watcher::list(Informer& informer) {
  // A named object (a Secret or ConfigMap a policy refers to) is read with a GET: RBAC authorizes a
  // list with fieldSelector=metadata.name as `list`, which the shipped ClusterRole does not grant
  // for Secrets. Its watch (with that field selector) is authorized as `watch`.
  if (!informer.scope.name.empty()) co_return co_await get(informer);
  std::vector<std::pair<ObjectKey, json::object>> objects;
  std::string continueToken;
  std::string version;
  int restarts = 0;
  for (;;) {
    // After a second expired token in one list, read it whole: one answer cannot expire midway.
    const int limit = restarts < 2 ? options_.listPageSize : 0;
    auto response =
        co_await client_->get(informer.listPath(limit, continueToken), options_.requestTimeout);
    if (informer.stopped) co_return false;
    if (!response) {
      log("Kubernetes API: list " + informer.where() + ": " + response.error().message);
      co_return false;
    }
    if (response->status == 410 && !continueToken.empty()) {
      // The snapshot the pages come from was compacted away: start again from the first page.
      log("Kubernetes API: list " + informer.where() +
          ": the continue token expired (410 Gone); listing again from the start");
      ++restarts;
      {
        std::lock_guard lock(statsMutex_);
        ++stats_.restarts;
      }
      objects.clear();
      continueToken.clear();
      continue;
    }
    if (response->status != 200) {
      log("Kubernetes API: list " + informer.where() + " answered " +
          std::to_string(response->status) + ": " + statusMessage(response->body));
      if (response->status == 404) notFound(informer);
      co_return false;
    }
    boost::system::error_code ec;
    auto parsed = json::parse(response->body, ec);
    const auto* items = parsed.is_object() ? parsed.get_object().if_contains("items") : nullptr;
    const auto* metadata =
        parsed.is_object() ? parsed.get_object().if_contains("metadata") : nullptr;
    if (ec || !items || !(items->is_array() || items->is_null()) || !metadata ||
        !metadata->is_object()) {
      log("Kubernetes API: list " + informer.where() + ": not a list");
      co_return false;
    }
    if (items->is_array()) {
      for (const auto& item : items->get_array()) {
        if (!item.is_object()) continue;
        if (auto entry = normalizeObject(informer.kind, item.get_object())) {
          if (informer.scope.contains(entry->first)) objects.push_back(std::move(*entry));
        }
      }
    }
    // Every page carries the resourceVersion of the snapshot they all come from.
    version = resourceVersionOf(parsed.get_object());
    const auto* next = metadata->get_object().if_contains("continue");
    continueToken = next && next->is_string() ? std::string(next->get_string()) : "";
    if (continueToken.empty()) break;
  }
  informer.resourceVersion = version;
  {
    std::lock_guard lock(statsMutex_);
    ++stats_.lists;
  }
  const bool didChange = store_.replace(informer.scope, std::move(objects));
  if (didChange) reconcileNamed();
  if (didChange) changed();
  listedOnce(informer);
  co_return true;
}

asio::awaitable<bool> Watcher::get(Informer& informer) {
  const auto path =
      informer.kind.collectionPath(informer.scope.ns) + "/" + queryEscape(informer.scope.name);
  auto response = co_await client_->get(path, options_.requestTimeout);
  if (informer.stopped) co_return false;
  if (!response) {
    log("Kubernetes API: get " + informer.where() + ": " + response.error().message);
    co_return false;
  }
  if (response->status != 200 && response->status != 404) {
    log("Kubernetes API: get " + informer.where() + " answered " +
        std::to_string(response->status) + ": " + statusMessage(response->body));
    co_return false;
  }
  std::vector<std::pair<ObjectKey, json::object>> objects;
  informer.resourceVersion.clear();  // not found: watch from now, creation comes as ADDED
  if (response->status == 200) {
    boost::system::error_code ec;
    auto parsed = json::parse(response->body, ec);
    if (ec || !parsed.is_object()) {
      log("Kubernetes API: get " + informer.where() + ": not an object");
      co_return false;
    }
    informer.resourceVersion = resourceVersionOf(parsed.get_object());
    if (auto entry = normalizeObject(informer.kind, parsed.get_object())) {
      if (informer.scope.contains(entry->first)) objects.push_back(std::move(*entry));
    }
  }
  {
    std::lock_guard lock(statsMutex_);
    ++stats_.lists;
  }
  if (store_.replace(informer.scope, std::move(objects))) changed();
  listedOnce(informer);
  co_return true;
}

void Watcher::relist(const Informer& informer) {
  // One line per relist, so a storm would show in the log.
  log("Kubernetes API: watch " + informer.where() + " from resourceVersion " +
      informer.resourceVersion + ": too old (410 Gone); relisting");
  std::lock_guard lock(statsMutex_);
  ++stats_.relists;
}

asio::awaitable<void> Watcher::run(std::shared_ptr<Informer> informer) {
  auto self = shared_from_this();
  Informer& inf = *informer;
  bool needList = true;
  bool eventsSinceList = true;  // a 410 right after a list means wait before listing again
  bool reconnecting = false;
  while (!inf.stopped) {
    if (needList) {
      if (!eventsSinceList && !co_await sleep(inf, inf.backoff.next())) break;
      if (!co_await list(inf)) {
        if (inf.stopped || !co_await sleep(inf, inf.backoff.next())) break;
        continue;
      }
      needList = false;
      eventsSinceList = false;
    }
    const auto timeout = std::chrono::seconds(static_cast<std::int64_t>(
        static_cast<double>(options_.watchTimeout.count()) * (1.0 + options_.random())));
    auto opened = co_await client_->openWatch(inf.watchPath(timeout), options_.requestTimeout);
    if (inf.stopped) break;
    if (!opened) {
      log("Kubernetes API: watch " + inf.where() + ": " + opened.error().message);
      reconnecting = true;
      if (!co_await sleep(inf, inf.backoff.next())) break;
      continue;
    }
    WatchStream& stream = *opened;
    if (stream.status() == 410) {  // the resourceVersion is compacted away
      relist(inf);
      needList = true;
      continue;
    }
    if (stream.status() != 200) {
      std::string body;
      for (int lines = 0; lines < 100; ++lines) {
        auto line = co_await stream.nextLine(options_.requestTimeout);
        if (!line || !*line) break;
        body += **line;
      }
      log("Kubernetes API: watch " + inf.where() + " answered " + std::to_string(stream.status()) +
          ": " + statusMessage(body));
      if (stream.status() == 404) notFound(inf);
      reconnecting = true;
      if (!co_await sleep(inf, inf.backoff.next())) break;
      continue;
    }
    {
      std::lock_guard lock(statsMutex_);
      ++stats_.watches;
      if (reconnecting) ++stats_.reconnects;
    }
    reconnecting = false;
    inf.backoff.reset();
    inf.active = &stream;
    bool broken = false;
    while (!inf.stopped) {
      auto line = co_await stream.nextLine(options_.watchIdleTimeout);
      if (inf.stopped) break;
      if (!line) {
        log("Kubernetes API: watch " + inf.where() + " ended: " + line.error().message +
            (inf.scope.name.empty() ? "; reconnecting from resourceVersion " + inf.resourceVersion
                                    : "; reconnecting"));
        broken = true;
        break;
      }
      if (!*line) break;  // the server's timeoutSeconds: renew at once
      if ((*line)->empty()) continue;
      auto event = parseWatchEvent(**line);
      if (!event) {
        log("Kubernetes API: watch " + inf.where() + ": an event that is not JSON; relisting");
        needList = true;
        break;
      }
      using Type = WatchEvent::Type;
      if (event->type == Type::Error) {
        if (event->errorCode == 410) {
          relist(inf);
          needList = true;
        } else {
          log("Kubernetes API: watch " + inf.where() + ": " +
              statusMessage(json::serialize(event->object)));
          broken = true;
        }
        break;
      }
      const auto version = resourceVersionOf(event->object);
      if (event->type == Type::Bookmark) {
        if (!version.empty()) inf.resourceVersion = version;
        continue;
      }
      auto entry = normalizeObject(inf.kind, std::move(event->object));
      if (!entry || !inf.scope.contains(entry->first)) continue;
      eventsSinceList = true;
      if (!version.empty()) inf.resourceVersion = version;
      bool didChange = false;
      if (event->type == Type::Deleted) {
        didChange = store_.remove(entry->first);
      } else if (event->type == Type::Added || event->type == Type::Modified) {
        // A status write (the gateway's own, mostly) is stored but loads nothing again.
        const auto* old = store_.find(entry->first);
        const bool statusOnly = old && sameButStatus(*old, entry->second);
        didChange = store_.put(entry->first, std::move(entry->second)) && !statusOnly;
      }
      if (didChange && inf.scope.name.empty()) reconcileNamed();
      if (didChange) changed();
    }
    inf.active = nullptr;
    if (inf.stopped) break;
    if (!inf.scope.name.empty()) {  // read again before the next watch (watchPath says why)
      needList = true;
      eventsSinceList = true;
    }
    if (broken) {
      reconnecting = true;
      if (!co_await sleep(inf, inf.backoff.next())) break;
    }
  }
}

}  // namespace switchyard::kube
