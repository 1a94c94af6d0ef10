#include "emulator/prompt_cache.hpp"

namespace switchyard::emulator {

bool PromptCache::seen(std::size_t key) {
  std::lock_guard lock(mutex_);
  return !keys_.insert(key).second;
}

void PromptCache::clear() {
  std::lock_guard lock(mutex_);
  keys_.clear();
}

}  // namespace switchyard::emulator
