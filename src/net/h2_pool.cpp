#include "net/h2_pool.hpp"

#include <algorithm>

namespace switchyard::net {

H2Pool::~H2Pool() {
  for (auto& [key, origin] : origins_)
    for (auto& connection : origin->connections) connection->close();
}

H2Pool::Origin& H2Pool::origin(const PoolKeyView& key) {
  auto it = origins_.find(key);
  if (it == origins_.end()) it = origins_.emplace(PoolKey(key), std::make_unique<Origin>()).first;
  return *it->second;
}

std::shared_ptr<H2Connection> H2Pool::withRoom(Origin& origin, Clock::time_point now,
                                               SweepCounts& counts) {
  auto& connections = origin.connections;
  std::shared_ptr<H2Connection> found;
  for (auto it = connections.begin(); it != connections.end();) {
    H2Connection& connection = **it;
    if (!found && connection.activeStreams() == 0)
      connection.usableAfterIdle(now - connection.idleSince() >= kPeekAfterIdle);
    if (connection.goingAway()) {
      if (connection.goAwayReceived()) ++counts.goAways;
      it = connections.erase(it);  // its open streams keep it until they end
      continue;
    }
    if (!found && connection.hasRoom()) found = *it;
    ++it;
  }
  return found;
}

bool H2Pool::roomExpected(const Origin& origin) {
  if (origin.connecting > 0) return true;
  return std::any_of(origin.connections.begin(), origin.connections.end(),
                     [](const auto& c) { return c->settingsPending(); });
}

void H2Pool::sweep(Clock::time_point now, const Timing& timing, SweepCounts& counts) {
  for (auto& [key, origin] : origins_) {
    auto& connections = origin->connections;
    for (auto it = connections.begin(); it != connections.end();) {
      H2Connection& connection = **it;
      bool drop = connection.goingAway();
      if (drop && connection.goAwayReceived()) ++counts.goAways;
      if (!drop && connection.activeStreams() == 0) {
        const auto idle = now - connection.idleSince();
        if (connection.pingUnanswered() && now - connection.pingSentAt() > timing.pingTimeout) {
          ++counts.pingTimeouts;
          drop = true;
        } else if (idle > timing.idleTimeout) {
          drop = true;
        } else if (idle > timing.pingAfter && !connection.pingUnanswered() &&
                   now - connection.lastPingAt() > timing.pingAfter) {
          connection.ping(now);
        }
        if (drop) connection.close();
      }
      it = drop ? connections.erase(it) : it + 1;
    }
  }
}

std::size_t H2Pool::idleCount() const {
  std::size_t n = 0;
  for (const auto& [key, origin] : origins_)
    for (const auto& connection : origin->connections)
      if (!connection->goingAway() && connection->activeStreams() == 0) ++n;
  return n;
}

std::size_t H2Pool::openCount() const {
  std::size_t n = 0;
  for (const auto& [key, origin] : origins_)
    for (const auto& connection : origin->connections)
      if (!connection->closed()) ++n;
  return n;
}

}  // namespace switchyard::net
