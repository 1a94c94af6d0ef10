#pragma once
// Passive outlier detection: backends that keep failing are ejected for a growing, capped time and
// skipped while a healthy backend of the rule remains; one trial request re-admits them.
//
// Decisions (the defaults of OutlierSettings):
// - A transport failure (DNS, connect/refused, TLS) ejects at once: the next request would pay the
//   same failure, and for an unresolvable host that is the whole cost of the fallback.
// - 3 consecutive gateway failures eject: 5xx, 429 without Retry-After, reset, attempt timeout, an
//   unreadable answer, a credential that cannot be obtained. Any success or non-429 4xx (the
//   backend answered) resets the count.
// - A 429 or 503 with Retry-After > 0 ejects for exactly that long (capped at maxEjection), without
//   growing the next ejection time: the backend said when to come back.
// - The k-th consecutive ejection lasts base × 2^(k-1) (5 s, 10 s, 20 s, ... capped at 300 s).
// - When the time has passed, the first request to call admit() wins the one trial (a CAS). Its
//   success re-admits fully (k back to 0); its failure ejects again for the next longer time. A
//   trial that never reports (its request was cancelled) frees the slot after trialLease.
// - Failures reported by requests admitted before the ejection do not extend it, and their
//   successes do not end it: only the trial decides.
//
// Threads: one detector per process, shared by every worker. Registering backends (attach) takes a
// lock and happens at config load; everything a request calls is lock-free (atomics per backend).
// A backend keeps its state across reloads as long as its name stays and it points at the same
// place (endpoints, TLS, credential, schema); a changed backend starts healthy.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "config/snapshot.hpp"
#include "core/error.hpp"
#include "route/attempt_plan.hpp"

namespace switchyard::route {

using SteadyTime = std::chrono::steady_clock::time_point;

struct OutlierSettings {
  int consecutiveTransportFailures = 1;  // DNS, connect, TLS
  int consecutiveGatewayFailures = 3;    // 5xx, 429 without Retry-After, reset, timeout, ...
  std::chrono::milliseconds baseEjection{5'000};
  std::chrono::milliseconds maxEjection{300'000};
  std::chrono::milliseconds trialLease{60'000};
};

class BackendHealth;                   // per-backend atomics, owned by the detector
using BackendHandle = BackendHealth*;  // stable for the detector's lifetime; null = not tracked

// What admit() allowed; hand it back to onSuccess / onFailure / onAbandoned.
enum class Admission : std::uint8_t {
  Healthy,     // not ejected: an ordinary attempt
  Trial,       // the one attempt after an ejection ran out; its outcome decides re-admission
  LastResort,  // ejected, tried anyway because the request has nothing else left
  Rejected,    // ejected (or another request holds the trial): skip this backend
};

// How a failed attempt counts against its backend.
enum class FailureClass : std::uint8_t {
  None,       // says nothing about the backend's health (client side, ours)
  Answered,   // the backend answered sensibly (a 4xx other than 429): counts as a success
  Transport,  // DNS, connect, TLS
  Gateway,    // 5xx, 429, reset, timeout, unreadable answer, credential
};
FailureClass classifyFailure(const core::Error& error);

struct BackendHealthStatus {
  std::string name;
  bool ejected = false;                    // ejected now (or a trial is out)
  std::chrono::milliseconds remaining{0};  // until the ejection ends (0 when not ejected)
  int consecutiveEjections = 0;            // k
  std::uint64_t ejections = 0;             // total for this backend
};

// Identity of where a backend points; a reload that changes it resets the backend's health.
std::uint64_t backendFingerprint(const config::ServiceBackend& backend);

class OutlierDetector {
 public:
  explicit OutlierDetector(OutlierSettings settings = {});
  ~OutlierDetector();
  OutlierDetector(const OutlierDetector&) = delete;
  OutlierDetector& operator=(const OutlierDetector&) = delete;

  // Config load: the handle for this backend, created on first sight and kept across reloads.
  BackendHandle attach(const config::ServiceBackend& backend);

  // Request path, lock-free. `mustTry`: the request has no other backend left, so an ejected one
  // is admitted anyway (as LastResort) instead of failing the request.
  Admission admit(BackendHandle backend, SteadyTime now, bool mustTry = false);
  void onSuccess(BackendHandle backend, Admission admission);
  void onFailure(BackendHandle backend, Admission admission, const core::Error& error,
                 SteadyTime now);
  // The attempt ended without telling anything about the backend (client gone, request could not
  // be translated): frees a trial so the next request can run it.
  void onAbandoned(BackendHandle backend, Admission admission);

  // The plan without ejected backends, order kept (a backend whose ejection has run out stays: it
  // is a trial candidate). When every backend is ejected, the one whose ejection ends first alone,
  // and lastResort is set: admit it with mustTry. `handles[i]` belongs to plan[i].
  struct Arranged {
    AttemptPlan plan;
    AttemptPlan skipped;  // the backendRef indexes left out as ejected, in plan order (access log)
    bool lastResort = false;
  };
  Arranged arrange(const AttemptPlan& plan, std::span<const BackendHandle> handles,
                   SteadyTime now) const;
  // Same, with `handleOf(backendRefIndex)` giving each plan entry's handle.
  template <class HandleOf>
  requires std::is_invocable_r_v<BackendHandle, HandleOf&, std::uint8_t> Arranged
  arrange(const AttemptPlan& plan, HandleOf&& handleOf, SteadyTime now)
  const {
    BackendHandle handles[AttemptPlan::kMaxAttempts];
    for (std::size_t i = 0; i < plan.size(); ++i) handles[i] = handleOf(plan[i]);
    return arrange(plan, std::span<const BackendHandle>(handles, plan.size()), now);
  }

  // Metrics.
  std::uint64_t ejectionsTotal() const { return ejectionsTotal_.load(std::memory_order_relaxed); }
  std::size_t currentlyEjected(SteadyTime now) const;
  std::vector<BackendHealthStatus> status(SteadyTime now) const;

  const OutlierSettings& settings() const { return settings_; }

 private:
  // Healthy → ejected until `until`; only the request that wins the CAS counts it.
  void eject(BackendHealth& backend, std::int64_t until, bool grow);
  std::chrono::milliseconds ejectionTime(int k) const;

  OutlierSettings settings_;
  std::atomic<std::uint64_t> ejectionsTotal_{0};
  mutable std::mutex registryMutex_;  // attach() and the metrics views only
  std::unordered_map<std::string, std::unique_ptr<BackendHealth>> registry_;
};

}  // namespace switchyard::route
