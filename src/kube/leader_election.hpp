#pragma once
// Leader election on a coordination.k8s.io/v1 Lease, so that one replica of the gateway writes
// status. Serving traffic never depends on it: only the status writer asks isLeader().
//
// Every renew interval (jittered) the elector GETs the Lease; a missing Lease is created with this
// replica as holder; a Lease this replica holds is renewed with an update carrying the
// resourceVersion read; another holder's Lease is taken over only once its renewTime +
// leaseDurationSeconds has passed (or at once when its holderIdentity is empty: released).
// Leadership is lost at once when a renewal fails (transport
// error, 409 Conflict, any non-2xx) or finds another holder.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kube/api_client.hpp"

namespace switchyard::kube {

using SystemClock = std::function<std::chrono::system_clock::time_point()>;

struct LeaderElectionOptions {
  std::string ns;                   // the gateway's own namespace
  std::string name = "switchyard";  // the Lease's name
  std::string identity;             // empty = defaultIdentity()
  std::chrono::seconds leaseDuration{15};
  std::chrono::milliseconds renewInterval{5000};
  double jitter = 0.2;  // each wait is renewInterval × [1 - jitter, 1]
  std::chrono::milliseconds requestTimeout{5000};
  SystemClock now;                            // empty = std::chrono::system_clock::now
  std::function<void(std::string_view)> log;  // one plain message each; none when empty
};

class LeaderElector : public std::enable_shared_from_this<LeaderElector> {
 public:
  using Callback = std::function<void()>;

  // `onGain` / `onLose` run on `executor` when leadership changes.
  static std::shared_ptr<LeaderElector> create(boost::asio::any_io_executor executor,
                                               std::shared_ptr<ApiClient> client,
                                               LeaderElectionOptions options, Callback onGain,
                                               Callback onLose);

  void start();  // the acquire/renew loop on the executor
  // From the executor; idempotent. A leader loses leadership (onLose) at once and then releases
  // the Lease (holderIdentity emptied, when it still holds it) so another replica takes over at
  // its next attempt instead of after leaseDurationSeconds.
  void stop();

  // One acquire-or-renew attempt (what the loop does each interval); true when leader after it.
  boost::asio::awaitable<bool> step();

  bool isLeader() const { return leader_.load(); }
  const std::string& identity() const { return options_.identity; }
  std::string leasePath() const;  // /apis/coordination.k8s.io/v1/namespaces/NS/leases/NAME

 private:
  LeaderElector(boost::asio::any_io_executor executor, std::shared_ptr<ApiClient> client,
                LeaderElectionOptions options, Callback onGain, Callback onLose);
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> release();
  void setLeader(bool leader, std::string_view why);
  std::chrono::system_clock::time_point now() const;

  boost::asio::any_io_executor executor_;
  std::shared_ptr<ApiClient> client_;
  LeaderElectionOptions options_;
  Callback onGain_, onLose_;
  boost::asio::steady_timer timer_;
  std::atomic<bool> leader_{false};
  bool stopped_ = false;
  std::string lastFailure_;  // the last failure logged while not leader
};

// $POD_NAME when set, else "HOSTNAME-PID".
std::string defaultIdentity();

// RFC 3339 with microseconds, UTC ("2026-12-07T10:36:57.123456Z"): a Lease's MicroTime.
std::string formatMicroTime(std::chrono::system_clock::time_point t);
// Also reads whole seconds and other fractions; nullopt when not RFC 3339 UTC.
std::optional<std::chrono::system_clock::time_point> parseMicroTime(std::string_view text);

}  // namespace switchyard::kube
