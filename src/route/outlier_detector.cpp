#include "route/outlier_detector.hpp"

#include "providers/provider.hpp"

#include <algorithm>
#include <functional>
#include <limits>

namespace switchyard::route {

namespace {

using Ticks = std::int64_t;  // steady_clock ticks since its epoch

constexpr Ticks kHealthy = 0;
// Ejected, but the time has run out: the next admit() takes the trial. Below any real time.
constexpr Ticks kTrialOpen = std::numeric_limits<Ticks>::min();

Ticks ticksOf(SteadyTime t) {
  const Ticks ticks = t.time_since_epoch().count();
  return ticks == kHealthy ? 1 : ticks;  // 0 means "not ejected"
}

Ticks ticksAfter(SteadyTime now, std::chrono::milliseconds d) {
  return ticksOf(now + std::chrono::duration_cast<SteadyTime::duration>(d));
}

bool isEjectedAt(Ticks until, Ticks now) { return until != kHealthy && now < until; }

// Retry-After that ejects by itself: on a 429 or 503, when the upstream gave one.
std::chrono::milliseconds retryAfterOf(const core::Error& error) {
  if (error.kind != core::ErrorKind::UpstreamStatus || error.retryAfterSeconds <= 0) return {};
  if (error.upstreamStatus != 429 && error.upstreamStatus != 503) return {};
  return std::chrono::seconds(error.retryAfterSeconds);
}

}  // namespace

// One cache line per backend: workers hammer different backends without false sharing.
class alignas(64) BackendHealth {
 public:
  BackendHealth(std::string name, std::uint64_t fingerprint)
      : name(std::move(name)), fingerprint(fingerprint) {}

  void reset() {
    until.store(kHealthy, std::memory_order_relaxed);
    failures.store(0, std::memory_order_relaxed);
    consecutiveEjections.store(0, std::memory_order_relaxed);
  }

  const std::string name;
  std::uint64_t fingerprint;  // guarded by the registry mutex

  // kHealthy, a time the ejection (or the trial lease) ends, or kTrialOpen.
  std::atomic<Ticks> until{kHealthy};
  std::atomic<int> failures{0};              // consecutive, while healthy
  std::atomic<int> consecutiveEjections{0};  // k
  std::atomic<std::uint64_t> ejections{0};
};

FailureClass classifyFailure(const core::Error& error) {
  using core::ErrorKind;
  switch (error.kind) {
    case ErrorKind::UpstreamDns:
    case ErrorKind::UpstreamConnect:
    case ErrorKind::UpstreamTls:
      return FailureClass::Transport;
    case ErrorKind::UpstreamReset:
    case ErrorKind::UpstreamTimeout:
    case ErrorKind::UpstreamBadResponse:
    case ErrorKind::CredentialUnavailable:
      return FailureClass::Gateway;
    case ErrorKind::UpstreamStatus:
      if (error.upstreamStatus >= 400 && error.upstreamStatus <= 499 && error.upstreamStatus != 429)
        return FailureClass::Answered;
      return FailureClass::Gateway;  // 429, 5xx, and anything that is not an API answer
    default:
      return FailureClass::None;
  }
}

std::uint64_t backendFingerprint(const config::ServiceBackend& backend) {
  std::string identity;
  identity += backend.provider ? backend.provider->descriptor.schemaName : std::string_view();
  identity += '\n' + backend.prefix + '\n' + backend.backendName;
  for (const auto& endpoint : backend.endpoints) {
    identity += '\n' + endpoint.host + ':' + std::to_string(endpoint.port);
  }
  if (backend.tls) identity += "\ntls:" + backend.tls->hostname + '\n' + backend.tls->caPem;
  if (const auto& c = backend.credential) {
    identity += "\ncredential:" + std::to_string(static_cast<int>(c->type)) + '\n' +
                c->projectName + '\n' + c->region + '\n' + c->serviceAccountJson + '\n' + c->apiKey;
  }
  return std::hash<std::string>{}(identity);
}

OutlierDetector::OutlierDetector(OutlierSettings settings) : settings_(settings) {
  settings_.consecutiveTransportFailures = std::max(1, settings_.consecutiveTransportFailures);
  settings_.consecutiveGatewayFailures = std::max(1, settings_.consecutiveGatewayFailures);
  settings_.maxEjection = std::max(settings_.maxEjection, settings_.baseEjection);
}

OutlierDetector::~OutlierDetector() = default;

BackendHandle OutlierDetector::attach(const config::ServiceBackend& backend) {
  const auto fingerprint = backendFingerprint(backend);
  std::lock_guard lock(registryMutex_);
  auto& slot = registry_[backend.name];
  if (!slot) {
    slot = std::make_unique<BackendHealth>(backend.name, fingerprint);
  } else if (slot->fingerprint != fingerprint) {
    slot->fingerprint = fingerprint;  // it points somewhere else now: start healthy
    slot->reset();
  }
  return slot.get();
}

Admission OutlierDetector::admit(BackendHandle backend, SteadyTime now, bool mustTry) {
  if (!backend) return Admission::Healthy;
  Ticks until = backend->until.load(std::memory_order_acquire);
  if (until == kHealthy) return Admission::Healthy;
  const Ticks nowTicks = ticksOf(now);
  if (nowTicks >= until) {
    // The ejection has run out: exactly one request wins the trial; the lease keeps the others out
    // until it reports (or the lease runs out, if it never does).
    if (backend->until.compare_exchange_strong(until, ticksAfter(now, settings_.trialLease),
                                               std::memory_order_acq_rel)) {
      return Admission::Trial;
    }
    if (until == kHealthy) return Admission::Healthy;  // re-admitted meanwhile
  }
  return mustTry ? Admission::LastResort : Admission::Rejected;
}

void OutlierDetector::onSuccess(BackendHandle backend, Admission admission) {
  if (!backend) return;
  // Plain loads first: on a healthy backend a success writes nothing, so workers share the line.
  if (backend->failures.load(std::memory_order_relaxed) != 0) {
    backend->failures.store(0, std::memory_order_relaxed);
  }
  if (admission == Admission::Trial || admission == Admission::LastResort) {
    backend->consecutiveEjections.store(0, std::memory_order_relaxed);
    backend->until.store(kHealthy, std::memory_order_release);
  }
}

void OutlierDetector::onAbandoned(BackendHandle backend, Admission admission) {
  if (!backend || admission != Admission::Trial) return;
  Ticks until = backend->until.load(std::memory_order_acquire);
  if (until != kHealthy) {
    backend->until.compare_exchange_strong(until, kTrialOpen, std::memory_order_acq_rel);
  }
}

void OutlierDetector::onFailure(BackendHandle backend, Admission admission,
                                const core::Error& error, SteadyTime now) {
  if (!backend) return;
  const FailureClass kind = classifyFailure(error);
  if (kind == FailureClass::None) return onAbandoned(backend, admission);
  if (kind == FailureClass::Answered) return onSuccess(backend, admission);

  const auto retryAfter = std::min(retryAfterOf(error), settings_.maxEjection);
  switch (admission) {
    case Admission::Trial: {
      // The trial failed: out again, for longer (or for exactly what Retry-After says).
      int k = backend->consecutiveEjections.load(std::memory_order_relaxed);
      if (retryAfter.count() == 0) {
        k = std::min(k + 1, 62);
        backend->consecutiveEjections.store(k, std::memory_order_relaxed);
      }
      const auto duration = retryAfter.count() ? retryAfter : ejectionTime(k);
      backend->failures.store(0, std::memory_order_relaxed);
      backend->until.store(ticksAfter(now, duration), std::memory_order_release);
      backend->ejections.fetch_add(1, std::memory_order_relaxed);
      ejectionsTotal_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    case Admission::LastResort:
    case Admission::Rejected:
      return;  // already ejected: only a trial moves the ejection
    case Admission::Healthy:
      break;
  }
  if (retryAfter.count()) {
    eject(*backend, ticksAfter(now, retryAfter), false);
    return;
  }
  const int threshold = kind == FailureClass::Transport ? settings_.consecutiveTransportFailures
                                                        : settings_.consecutiveGatewayFailures;
  if (backend->failures.fetch_add(1, std::memory_order_relaxed) + 1 < threshold) return;
  const int k = backend->consecutiveEjections.load(std::memory_order_relaxed) + 1;
  eject(*backend, ticksAfter(now, ejectionTime(k)), true);
}

void OutlierDetector::eject(BackendHealth& backend, Ticks until, bool grow) {
  Ticks expected = kHealthy;
  if (!backend.until.compare_exchange_strong(expected, until, std::memory_order_acq_rel)) return;
  if (grow) {
    const int k = backend.consecutiveEjections.load(std::memory_order_relaxed);
    backend.consecutiveEjections.store(std::min(k + 1, 62), std::memory_order_relaxed);
  }
  backend.failures.store(0, std::memory_order_relaxed);
  backend.ejections.fetch_add(1, std::memory_order_relaxed);
  ejectionsTotal_.fetch_add(1, std::memory_order_relaxed);
}

std::chrono::milliseconds OutlierDetector::ejectionTime(int k) const {
  auto duration = settings_.baseEjection;
  for (int i = 1; i < k && duration < settings_.maxEjection; ++i) duration *= 2;
  return std::min(duration, settings_.maxEjection);
}

OutlierDetector::Arranged OutlierDetector::arrange(const AttemptPlan& plan,
                                                   std::span<const BackendHandle> handles,
                                                   SteadyTime now) const {
  Arranged out;
  const Ticks nowTicks = ticksOf(now);
  std::size_t soonest = plan.size();
  Ticks soonestUntil = std::numeric_limits<Ticks>::max();
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const BackendHandle backend = i < handles.size() ? handles[i] : nullptr;
    const Ticks until = backend ? backend->until.load(std::memory_order_acquire) : kHealthy;
    if (!isEjectedAt(until, nowTicks)) {
      out.plan.push(plan[i]);
      continue;
    }
    if (until < soonestUntil) {
      soonest = i;
      soonestUntil = until;
    }
  }
  if (out.plan.empty() && soonest < plan.size()) {
    out.plan.push(plan[soonest]);
    out.lastResort = true;
  }
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (std::find(out.plan.begin(), out.plan.end(), plan[i]) == out.plan.end()) {
      out.skipped.push(plan[i]);
    }
  }
  return out;
}

std::size_t OutlierDetector::currentlyEjected(SteadyTime now) const {
  const Ticks nowTicks = ticksOf(now);
  std::lock_guard lock(registryMutex_);
  return std::count_if(registry_.begin(), registry_.end(), [&](const auto& entry) {
    return isEjectedAt(entry.second->until.load(std::memory_order_relaxed), nowTicks);
  });
}

std::vector<BackendHealthStatus> OutlierDetector::status(SteadyTime now) const {
  const Ticks nowTicks = ticksOf(now);
  std::vector<BackendHealthStatus> out;
  std::lock_guard lock(registryMutex_);
  out.reserve(registry_.size());
  for (const auto& [name, backend] : registry_) {
    BackendHealthStatus s;
    s.name = name;
    const Ticks until = backend->until.load(std::memory_order_relaxed);
    s.ejected = isEjectedAt(until, nowTicks);
    if (s.ejected) {
      s.remaining =
          std::chrono::ceil<std::chrono::milliseconds>(SteadyTime::duration(until - nowTicks));
    }
    s.consecutiveEjections = backend->consecutiveEjections.load(std::memory_order_relaxed);
    s.ejections = backend->ejections.load(std::memory_order_relaxed);
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

}  // namespace switchyard::route
