#pragma once
// Status for kubectl users: the `Accepted` condition on each AIGatewayRoute, AIServiceBackend and
// BackendSecurityPolicy, from the diagnostics of a load (an object is at fault when a diagnostic
// names its kind and namespace/name), written with a merge patch to the status subresource; and a
// Warning Event (reason ConfigurationRejected) on the object at fault when it is rejected.
//
// Writes happen only while leader (the LeaderElector's callbacks set it; losing stops the next
// write at once) and only when the condition changes: a condition equal to the object's current
// one, or to the one this writer last wrote while the store has not yet seen it, is not written
// again, so the watch event of a status write does not cause another.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.hpp"
#include "kube/api_client.hpp"
#include "kube/leader_election.hpp"
#include "kube/object_store.hpp"

namespace switchyard::kube {

// The kinds that get status.
bool hasStatus(std::string_view kind);

struct AcceptedCondition {
  bool accepted = true;
  std::string reason;   // "Accepted" / "Invalid"
  std::string message;  // the diagnostics at fault, each "field: message", joined by "; "
  std::int64_t observedGeneration = 0;
  bool operator==(const AcceptedCondition&) const = default;
};

// Per object of a kind with status in `store`, its Accepted condition from `diagnostics`: errors
// reject ("Invalid", the errors joined); warnings do not, and are appended to the message
// ("KIND accepted with warnings: field: message; ...").
std::map<ObjectKey, AcceptedCondition> acceptedConditions(
    const ObjectStore& store, const std::vector<config::Diagnostic>& diagnostics);

// One status write the writer decided on: the merge patch and, when rejected, the Event.
struct StatusChange {
  ObjectKey key;
  std::string statusPath;  // …/NAME/status
  boost::json::object patch;
  AcceptedCondition condition;
  std::string resourceVersion;               // of the object when planned
  std::optional<boost::json::object> event;  // POSTed to /api/v1/namespaces/NS/events
};

struct StatusWriterOptions {
  std::vector<ServedKind> kinds;  // as discovered: the paths of the kinds with status
  std::string component = "switchyard";
  std::string instance;  // the elector's identity: the Event's reportingInstance
  SystemClock now;       // empty = system_clock
  std::chrono::milliseconds requestTimeout{5000};
  std::function<void(std::string_view)> log;  // one plain message per failed write
};

class StatusWriter : public std::enable_shared_from_this<StatusWriter> {
 public:
  static std::shared_ptr<StatusWriter> create(boost::asio::any_io_executor executor,
                                              std::shared_ptr<ApiClient> client,
                                              StatusWriterOptions options);

  // From the elector's callbacks (any thread).
  void setLeader(bool leader) { leader_.store(leader); }
  bool isLeader() const { return leader_.load(); }

  // The changes a load calls for (synchronous; the store is read here only). Empty when not
  // leader.
  std::vector<StatusChange> plan(const ObjectStore& store,
                                 const std::vector<config::Diagnostic>& diagnostics);
  // Writes them in order, each only while still leader; returns how many patches succeeded.
  boost::asio::awaitable<int> apply(std::vector<StatusChange> changes);
  // plan() now, apply() on the executor after the writes already queued.
  void submit(const ObjectStore& store, const std::vector<config::Diagnostic>& diagnostics);

  // On the executor: the kinds with status as discovered now (a CRD installed after start).
  void setKinds(std::vector<ServedKind> kinds) { options_.kinds = std::move(kinds); }

  int patches() const { return patches_.load(); }
  int events() const { return events_.load(); }

 private:
  StatusWriter(boost::asio::any_io_executor executor, std::shared_ptr<ApiClient> client,
               StatusWriterOptions options);
  boost::asio::awaitable<void> drain();

  boost::asio::any_io_executor executor_;
  std::shared_ptr<ApiClient> client_;
  StatusWriterOptions options_;
  std::atomic<bool> leader_{false};
  std::atomic<int> patches_{0};
  std::atomic<int> events_{0};
  // What was last written per object, and the object's resourceVersion then.
  std::map<ObjectKey, std::pair<AcceptedCondition, std::string>> written_;
  std::vector<std::vector<StatusChange>> queue_;
  bool draining_ = false;
};

}  // namespace switchyard::kube
