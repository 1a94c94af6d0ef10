#include "net/connection_pool.hpp"

#include <algorithm>
#include <functional>

namespace switchyard::net {

std::size_t PoolKeyHash::operator()(const PoolKeyView& k) const {
  // A CA bundle can be kilobytes: hash its size and tail, equality compares it whole.
  const std::string_view caTail = k.caPem.substr(k.caPem.size() > 64 ? k.caPem.size() - 64 : 0);
  std::size_t h = std::hash<std::string_view>{}(k.host);
  auto mix = [&h](std::size_t v) { h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2); };
  mix(k.port);
  mix(k.tls ? 1 : 0);
  mix(std::hash<std::string_view>{}(k.serverName));
  mix(k.caPem.size());
  mix(std::hash<std::string_view>{}(caTail));
  return h;
}

ConnectionPool::ConnectionPool(std::size_t maxIdlePerKey, Clock::duration idleTimeout)
    : maxIdlePerKey_(maxIdlePerKey), idleTimeout_(idleTimeout) {}

ConnectionPool::~ConnectionPool() {
  for (auto& [key, idle] : idle_)
    for (auto& connection : idle) connection->close();
}

std::unique_ptr<UpstreamConnection> ConnectionPool::checkout(const PoolKeyView& key,
                                                             Clock::time_point now) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  Idle& idle = it->second;
  while (!idle.empty()) {
    std::unique_ptr<UpstreamConnection> connection = std::move(idle.back());
    idle.pop_back();
    if (now - connection->idleSince > idleTimeout_) {
      // Everything before it is older still.
      connection->close();
      for (auto& older : idle) older->close();
      idle.clear();
      break;
    }
    const bool idleLong = now - connection->idleSince >= kPeekAfterIdle;
    if (!(idleLong ? connection->unusable() : connection->unusableAtAGlance())) return connection;
    connection->close();
  }
  return nullptr;
}

void ConnectionPool::checkin(const PoolKeyView& key, std::unique_ptr<UpstreamConnection> connection,
                             Clock::time_point now) {
  if (maxIdlePerKey_ == 0) {
    connection->close();
    return;
  }
  if (now - lastSweep_ > idleTimeout_ / 4) sweep(now);
  connection->idleSince = now;
  auto it = idle_.find(key);
  if (it == idle_.end()) {
    it = idle_.emplace(PoolKey(key), Idle{}).first;
  }
  Idle& idle = it->second;
  if (idle.size() >= maxIdlePerKey_) {
    idle.front()->close();
    idle.erase(idle.begin());
  }
  idle.push_back(std::move(connection));
}

void ConnectionPool::sweep(Clock::time_point now) {
  lastSweep_ = now;
  for (auto& [key, idle] : idle_) {
    auto fresh = std::find_if(idle.begin(), idle.end(),
                              [&](const auto& c) { return now - c->idleSince <= idleTimeout_; });
    for (auto it = idle.begin(); it != fresh; ++it) (*it)->close();
    idle.erase(idle.begin(), fresh);
  }
}

std::size_t ConnectionPool::idleCount() const {
  std::size_t n = 0;
  for (const auto& [key, idle] : idle_) n += idle.size();
  return n;
}

}  // namespace switchyard::net
