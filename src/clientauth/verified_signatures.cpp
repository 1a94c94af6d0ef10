#include "clientauth/verified_signatures.hpp"

namespace switchyard::clientauth {

bool VerifiedSignatures::contains(std::string_view token,
                                  const std::shared_ptr<const jose::KeySet>& keys) const {
  const auto found = entries_.find(token);
  return found != entries_.end() && found->second == keys;
}

void VerifiedSignatures::remember(std::string_view token,
                                  std::shared_ptr<const jose::KeySet> keys) {
  if (token.size() > kMaxTokenSize) return;
  if (const auto found = entries_.find(token); found != entries_.end()) {
    found->second = std::move(keys);  // verified again with a newer key set
    return;
  }
  // Full: any entry goes (a client that still sends it pays one check again). Entries are only
  // ever added by a successful verification, so an attacker cannot fill the map with junk.
  if (entries_.size() >= kCapacity) entries_.erase(entries_.begin());
  entries_.emplace(std::string(token), std::move(keys));
}

}  // namespace switchyard::clientauth
