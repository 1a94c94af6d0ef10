#pragma once
// The order in which a request tries a rule's backends: priority tiers from 0 up, a weighted random
// order inside each tier (weight 0 = never chosen).

#include <cstdint>
#include <random>
#include <vector>

#include "config/snapshot.hpp"

namespace switchyard::route {

// Small fixed-capacity list of backendRef indexes; rules rarely have more than a handful.
class AttemptPlan {
 public:
  static constexpr std::size_t kMaxAttempts = 16;
  void push(std::uint8_t index) {
    if (size_ < kMaxAttempts) order_[size_++] = index;
  }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::uint8_t operator[](std::size_t i) const { return order_[i]; }
  const std::uint8_t* begin() const { return order_; }
  const std::uint8_t* end() const { return order_ + size_; }

 private:
  std::uint8_t order_[kMaxAttempts] = {};
  std::size_t size_ = 0;
};

// Orders rule.backendRefs for one request without allocating.
AttemptPlan planAttempts(const config::Rule& rule, std::minstd_rand& random);

}  // namespace switchyard::route
