#include "net/dns_cache.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace switchyard::net {

namespace asio = boost::asio;
using Clock = std::chrono::system_clock;

namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

core::Error dnsError(std::string_view host, std::string_view what) {
  return core::Error::make(core::ErrorKind::UpstreamDns,
                           "resolve " + std::string(host) + ": " + std::string(what));
}

}  // namespace

struct DnsCache::State {
  struct Entry {
    core::Result<Addresses> result;
    Clock::time_point expires;
  };

  // One resolver call in flight for a name; waiters from any thread park on their own timer.
  struct Flight {
    bool done = false;
    std::optional<core::Result<Addresses>> result;
    std::uint64_t lastWaiter = 0;
    std::vector<std::pair<std::uint64_t, std::function<void()>>> wakers;
  };

  Options options;
  std::shared_ptr<const core::Clock> clock;
  std::mutex mutex;
  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries;
  std::unordered_map<std::string, std::shared_ptr<Flight>, StringHash, std::equal_to<>> flights;
  std::atomic<std::uint64_t> lookups{0};

  // Publishes a lookup's outcome and wakes its waiters. The wake-ups are posted under the mutex so
  // a waiter that leaves early (cancelled) can unregister without racing them.
  void complete(const std::string& host, const std::shared_ptr<Flight>& flight,
                core::Result<Addresses> result) {
    const auto ttl = result ? options.positiveTtl : options.negativeTtl;
    const auto expires = clock->now() + ttl;
    std::lock_guard lock(mutex);
    if (flight->done) return;
    flight->done = true;
    flight->result = result;
    entries.insert_or_assign(host, Entry{std::move(result), expires});
    if (auto it = flights.find(host); it != flights.end() && it->second == flight)
      flights.erase(it);
    for (auto& waker : flight->wakers) waker.second();
    flight->wakers.clear();
  }

  static asio::awaitable<void> lookup(std::shared_ptr<State> state, std::string host,
                                      std::shared_ptr<Flight> flight);
};

asio::awaitable<void> DnsCache::State::lookup(std::shared_ptr<State> state, std::string host,
                                              std::shared_ptr<Flight> flight) {
  // If the executor goes away first, the waiters still get an answer.
  struct Abandoned {
    State& state;
    const std::string& host;
    const std::shared_ptr<State::Flight>& flight;
    ~Abandoned() { state.complete(host, flight, dnsError(host, "lookup abandoned")); }
  } abandoned{*state, host, flight};

  state->lookups.fetch_add(1, std::memory_order_relaxed);
  asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
  boost::system::error_code ec;
  auto results =
      co_await resolver.async_resolve(host, "0", asio::ip::tcp::resolver::numeric_service,
                                      asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    state->complete(host, flight, dnsError(host, ec.message()));
    co_return;
  }
  auto addresses = std::make_shared<std::vector<asio::ip::address>>();
  for (const auto& entry : results) {
    auto address = entry.endpoint().address();
    if (std::find(addresses->begin(), addresses->end(), address) == addresses->end())
      addresses->push_back(address);
  }
  if (addresses->empty()) {
    state->complete(host, flight, dnsError(host, "no addresses"));
  } else {
    state->complete(host, flight, Addresses(std::move(addresses)));
  }
}

DnsCache::DnsCache(Options options, std::shared_ptr<const core::Clock> clock)
    : state_(std::make_shared<State>()) {
  state_->options = options;
  state_->clock = clock ? std::move(clock) : std::make_shared<core::SystemClock>();
}

DnsCache::~DnsCache() = default;

std::uint64_t DnsCache::lookups() const { return state_->lookups.load(std::memory_order_relaxed); }

asio::awaitable<core::Result<DnsCache::Addresses>> DnsCache::resolve(std::string_view host) {
  boost::system::error_code ec;
  if (auto literal = asio::ip::make_address(host, ec); !ec) {
    co_return Addresses(std::make_shared<const std::vector<asio::ip::address>>(1, literal));
  }
  if (host.empty()) co_return dnsError(host, "empty host name");

  const auto now = state_->clock->now();
  std::shared_ptr<State::Flight> flight;
  std::optional<core::Result<Addresses>> cached;
  bool start = false;
  {
    std::lock_guard lock(state_->mutex);
    if (auto it = state_->entries.find(host);
        it != state_->entries.end() && now < it->second.expires) {
      cached = it->second.result;
    } else if (auto f = state_->flights.find(host); f != state_->flights.end()) {
      flight = f->second;
    } else {
      flight = std::make_shared<State::Flight>();
      state_->flights.emplace(std::string(host), flight);
      start = true;
    }
  }
  if (cached) co_return std::move(*cached);

  auto executor = co_await asio::this_coro::executor;
  if (start)
    asio::co_spawn(executor, State::lookup(state_, std::string(host), flight), asio::detached);

  // Park until the lookup completes. The waker is posted to our executor (which must be
  // single-threaded, as every worker's io_context is); our own cancellation also ends the wait.
  auto timer =
      std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
  std::uint64_t waiter = 0;
  {
    std::lock_guard lock(state_->mutex);
    if (!flight->done) {
      waiter = ++flight->lastWaiter;
      flight->wakers.emplace_back(
          waiter, [timer] { asio::post(timer->get_executor(), [timer] { timer->cancel(); }); });
    }
  }
  if (waiter != 0) {
    struct Unregister {
      State& state;
      State::Flight& flight;
      std::uint64_t id;
      ~Unregister() {
        std::lock_guard lock(state.mutex);
        std::erase_if(flight.wakers, [this](const auto& w) { return w.first == id; });
      }
    } unregister{*state_, *flight, waiter};
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  std::lock_guard lock(state_->mutex);
  if (flight->done) co_return *flight->result;
  co_return dnsError(host, "cancelled");
}

}  // namespace switchyard::net
