#include "gateway/quiet_heap_trim.hpp"

#include <cstdio>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <unistd.h>

// Defined when the binary is linked with tcmalloc (see CMakeLists.txt); weak, so that builds
// without it (unit tests, sanitizer builds) fall back to glibc's malloc_trim.
extern "C" void MallocExtension_ReleaseFreeMemory() __attribute__((weak));

namespace switchyard::gateway {

namespace {

void releaseFreeHeap() {
  if (MallocExtension_ReleaseFreeMemory) {
    MallocExtension_ReleaseFreeMemory();
    return;
  }
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

std::uint64_t residentKiB() {
  long pages = 0;
  if (std::FILE* statm = std::fopen("/proc/self/statm", "r")) {
    long size = 0;
    if (std::fscanf(statm, "%ld %ld", &size, &pages) != 2) pages = 0;
    std::fclose(statm);
  }
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) /
         1024;
}

// Logged only when it made a difference worth reading about.
constexpr std::uint64_t kWorthLoggingKiB = 16 * 1024;

void trimAndLog(const QuietHeapTrim::Log& log) {
  const std::uint64_t before = residentKiB();
  const auto started = QuietHeapTrim::Clock::now();
  releaseFreeHeap();
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(QuietHeapTrim::Clock::now() - started);
  const std::uint64_t after = residentKiB();
  if (log && before > after + kWorthLoggingKiB) {
    log(R"({"level":"info","msg":"free heap returned to the system","rss_before_kib":)" +
        std::to_string(before) + R"(,"rss_after_kib":)" + std::to_string(after) + R"(,"took_ms":)" +
        std::to_string(took.count()) + "}");
  }
}

}  // namespace

QuietHeapTrim::QuietHeapTrim(Clock::duration quietFor, std::function<void()> trim, Log log)
    : quietFor_(quietFor),
      trim_(trim ? std::move(trim) : [log = std::move(log)] { trimAndLog(log); }) {}

QuietHeapTrim::Worker& QuietHeapTrim::addWorker() {
  std::lock_guard lock(mutex_);
  return workers_.emplace_back();
}

void QuietHeapTrim::onTick(Clock::time_point now) {
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock) return;  // another worker is looking
  std::uint64_t started = 0;
  bool busy = false;
  for (const Worker& worker : workers_) {
    busy = busy || worker.inFlight_.load(std::memory_order_relaxed) != 0;
    started += worker.started_.load(std::memory_order_relaxed);
  }
  if (busy || started != startedSeen_) {
    startedSeen_ = started;
    quietSince_ = now;
    return;
  }
  if (started == startedTrimmed_ || now - quietSince_ < quietFor_) return;
  startedTrimmed_ = started;
  trim_();
}

}  // namespace switchyard::gateway
