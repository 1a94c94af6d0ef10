#pragma once
// Which prompt prefixes Claude has "cached": the first request whose prefix (up to its last
// cache_control breakpoint) is new writes it (cache_creation_input_tokens), later identical
// prefixes read it (cache_read_input_tokens). Entries never expire; DELETE /emulator/stats empties
// it. Thread-safe; one per emulator.

#include <cstddef>
#include <mutex>
#include <set>

namespace switchyard::emulator {

class PromptCache {
 public:
  // True when `key` was stored before; stores it either way.
  bool seen(std::size_t key);
  void clear();

 private:
  std::mutex mutex_;
  std::set<std::size_t> keys_;
};

}  // namespace switchyard::emulator
