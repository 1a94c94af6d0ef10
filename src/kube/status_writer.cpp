#include "kube/status_writer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>

namespace switchyard::kube {

namespace asio = boost::asio;
namespace json = boost::json;

bool hasStatus(std::string_view kind) {
  return kind == "AIGatewayRoute" || kind == "AIServiceBackend" || kind == "BackendSecurityPolicy";
}

namespace {

const json::object* objectAt(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v ? v->if_object() : nullptr;
}

std::string stringAt(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::int64_t intAt(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return 0;
}

// The object's current status.conditions[type=Accepted], if any.
const json::object* currentAccepted(const json::object& object) {
  const auto* status = objectAt(object, "status");
  const auto* conditions = status ? status->if_contains("conditions") : nullptr;
  if (!conditions || !conditions->is_array()) return nullptr;
  for (const auto& c : conditions->get_array()) {
    if (c.is_object() && stringAt(c.get_object(), "type") == "Accepted") return &c.get_object();
  }
  return nullptr;
}

bool sameCondition(const json::object* current, const AcceptedCondition& wanted) {
  return current && stringAt(*current, "status") == (wanted.accepted ? "True" : "False") &&
         stringAt(*current, "reason") == wanted.reason &&
         stringAt(*current, "message") == wanted.message &&
         intAt(*current, "observedGeneration") == wanted.observedGeneration;
}

// At most `limit` bytes, cut on a UTF-8 boundary, "..." marking the cut: the API server refuses a
// condition message over 32768 bytes; Event notes are kept to 1024 as events.k8s.io/v1 requires.
std::string truncated(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit - 3;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

std::string rfc3339Seconds(std::chrono::system_clock::time_point t) {
  auto text = formatMicroTime(std::chrono::floor<std::chrono::seconds>(t));
  return text.substr(0, 19) + "Z";
}

}  // namespace

std::map<ObjectKey, AcceptedCondition> acceptedConditions(
    const ObjectStore& store, const std::vector<config::Diagnostic>& diagnostics) {
  std::map<ObjectKey, AcceptedCondition> out;
  for (const auto& [key, object] : store.objects()) {
    if (!hasStatus(key.kind)) continue;
    AcceptedCondition c;
    c.reason = "Accepted";
    c.message = key.kind + " accepted";
    if (const auto* meta = objectAt(object, "metadata"))
      c.observedGeneration = intAt(*meta, "generation");
    out.emplace(key, std::move(c));
  }
  // Errors reject the object; warnings (a backend disabled, say) leave it accepted and are said
  // in the message, so kubectl shows them too.
  std::map<ObjectKey, std::vector<std::string>> warnings;
  for (const auto& d : diagnostics) {
    if (!hasStatus(d.where.kind)) continue;
    // Location.name is "namespace/name".
    const auto slash = d.where.name.find('/');
    ObjectKey key{d.where.kind, slash == std::string::npos ? "" : d.where.name.substr(0, slash),
                  slash == std::string::npos ? d.where.name : d.where.name.substr(slash + 1)};
    auto it = out.find(key);
    if (it == out.end()) continue;
    auto& c = it->second;
    const std::string text = d.where.field.empty() ? d.message : d.where.field + ": " + d.message;
    if (d.severity != config::Severity::Error) {
      warnings[key].push_back(text);
    } else if (c.accepted) {
      c.accepted = false;
      c.reason = "Invalid";
      c.message = text;
    } else {
      c.message += "; " + text;
    }
  }
  for (const auto& [key, texts] : warnings) {
    auto& c = out[key];
    if (!c.accepted) continue;
    c.message += " with warnings: ";
    for (std::size_t i = 0; i < texts.size(); ++i) c.message += (i ? "; " : "") + texts[i];
  }
  for (auto& [key, c] : out) c.message = truncated(c.message, 32768);
  return out;
}

std::shared_ptr<StatusWriter> StatusWriter::create(asio::any_io_executor executor,
                                                   std::shared_ptr<ApiClient> client,
                                                   StatusWriterOptions options) {
  return std::shared_ptr<StatusWriter>(
      new StatusWriter(std::move(executor), std::move(client), std::move(options)));
}

StatusWriter::StatusWriter(asio::any_io_executor executor, std::shared_ptr<ApiClient> client,
                           StatusWriterOptions options)
    : executor_(std::move(executor)), client_(std::move(client)), options_(std::move(options)) {}

std::vector<StatusChange> StatusWriter::plan(const ObjectStore& store,
                                             const std::vector<config::Diagnostic>& diagnostics) {
  std::vector<StatusChange> changes;
  if (!isLeader()) return changes;
  const auto now = options_.now ? options_.now() : std::chrono::system_clock::now();
  const std::string stamp = rfc3339Seconds(now);
  for (auto& [key, wanted] : acceptedConditions(store, diagnostics)) {
    const auto* object = store.find(key);
    if (!object) continue;
    const auto rv = resourceVersionOf(*object);
    const auto* current = currentAccepted(*object);
    if (sameCondition(current, wanted)) continue;
    if (const auto it = written_.find(key);
        it != written_.end() && it->second.first == wanted && it->second.second == rv) {
      continue;  // written; the store has not seen it yet
    }
    const ServedKind* served = nullptr;
    for (const auto& k : options_.kinds) {
      if (k.kind == key.kind) served = &k;
    }
    if (!served) continue;
    const std::string status = wanted.accepted ? "True" : "False";
    std::string since = stamp;
    if (current && stringAt(*current, "status") == status &&
        !stringAt(*current, "lastTransitionTime").empty()) {
      since = stringAt(*current, "lastTransitionTime");
    }
    json::array conditions;
    if (const auto* st = objectAt(*object, "status")) {
      if (const auto* cs = st->if_contains("conditions"); cs && cs->is_array()) {
        for (const auto& c : cs->get_array()) {
          if (c.is_object() && stringAt(c.get_object(), "type") != "Accepted") {
            conditions.push_back(c);
          }
        }
      }
    }
    conditions.push_back(json::object{{"type", "Accepted"},
                                      {"status", status},
                                      {"reason", wanted.reason},
                                      {"message", wanted.message},
                                      {"observedGeneration", wanted.observedGeneration},
                                      {"lastTransitionTime", since}});
    StatusChange change;
    change.key = key;
    change.statusPath = served->collectionPath(key.ns) + "/" + key.name + "/status";
    change.patch = json::object{{"status", json::object{{"conditions", conditions}}}};
    change.condition = wanted;
    change.resourceVersion = rv;
    written_[key] = {wanted, rv};  // planned: a load before the write lands does not repeat it
    if (!wanted.accepted) {
      const auto* meta = objectAt(*object, "metadata");
      const auto nanos =
          std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
      char suffix[24];
      std::snprintf(suffix, sizeof suffix, "%llx", static_cast<unsigned long long>(nanos));
      change.event = json::object{
          {"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", json::object{{"name", key.name + "." + suffix}, {"namespace", key.ns}}},
          {"involvedObject", json::object{{"apiVersion", served->apiVersion()},
                                          {"kind", key.kind},
                                          {"namespace", key.ns},
                                          {"name", key.name},
                                          {"uid", meta ? stringAt(*meta, "uid") : ""},
                                          {"resourceVersion", rv}}},
          {"reason", "ConfigurationRejected"},
          {"message", truncated(wanted.message, 1024)},
          {"type", "Warning"},
          {"count", 1},
          {"firstTimestamp", stamp},
          {"lastTimestamp", stamp},
          {"source", json::object{{"component", options_.component}}},
          {"reportingComponent", options_.component},
          {"reportingInstance", options_.instance}};
    }
    changes.push_back(std::move(change));
  }
  return changes;
}

asio::awaitable<int> StatusWriter::apply(std::vector<StatusChange> changes) {
  auto self = shared_from_this();
  int done = 0;
  for (auto& change : changes) {
    if (!isLeader()) {  // lost the Lease: stop at once; a new leader plans again
      written_.erase(change.key);
      continue;
    }
    auto patched = co_await client_->send("PATCH", change.statusPath, json::serialize(change.patch),
                                          "application/merge-patch+json", options_.requestTimeout);
    if (!patched || patched->status != 200) {
      written_.erase(change.key);
      if (options_.log) {
        options_.log(
            "writing the status of " + change.key.kind + " " + change.key.ns + "/" +
            change.key.name + " failed: " +
            (patched ? "HTTP " + std::to_string(patched->status) : patched.error().message));
      }
      continue;
    }
    ++done;
    patches_.fetch_add(1);
    if (!change.event || !isLeader()) continue;
    auto posted =
        co_await client_->send("POST", "/api/v1/namespaces/" + change.key.ns + "/events",
                               json::serialize(*change.event), {}, options_.requestTimeout);
    if (posted && posted->status / 100 == 2) {
      events_.fetch_add(1);
    } else if (options_.log) {
      options_.log("emitting the ConfigurationRejected event of " + change.key.kind + " " +
                   change.key.ns + "/" + change.key.name + " failed: " +
                   (posted ? "HTTP " + std::to_string(posted->status) : posted.error().message));
    }
  }
  co_return done;
}

void StatusWriter::submit(const ObjectStore& store,
                          const std::vector<config::Diagnostic>& diagnostics) {
  auto changes = plan(store, diagnostics);
  if (changes.empty()) return;
  queue_.push_back(std::move(changes));
  if (draining_) return;
  draining_ = true;
  asio::co_spawn(
      executor_, [self = shared_from_this()] { return self->drain(); }, asio::detached);
}

asio::awaitable<void> StatusWriter::drain() {
  while (!queue_.empty()) {
    auto next = std::move(queue_.front());
    queue_.erase(queue_.begin());
    co_await apply(std::move(next));
  }
  draining_ = false;
}

}  // namespace switchyard::kube
