#include "gateway/overload.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <string>

// Defined when the binary is linked with tcmalloc (see CMakeLists.txt); weak, so that builds
// without it fall back to the sanitizer's allocator (ASan builds) or to the resident set.
extern "C" int MallocExtension_GetNumericProperty(const char* property, std::size_t* value)
    __attribute__((weak));
// The sanitizer runtime's count of bytes malloc'ed and not freed. Under ASan the resident set
// says little: untouched pages of a large allocation are not resident, shadow memory is.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes() __attribute__((weak));

namespace switchyard::gateway {

namespace {

std::uint64_t residentBytes() {
  long pages = 0;
  if (std::FILE* statm = std::fopen("/proc/self/statm", "r")) {
    long size = 0;
    if (std::fscanf(statm, "%ld %ld", &size, &pages) != 2) pages = 0;
    std::fclose(statm);
  }
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// Bytes the application holds (not what the allocator keeps cached): what frees can bring down.
std::uint64_t heapInUse() {
  std::size_t bytes = 0;
  if (MallocExtension_GetNumericProperty &&
      MallocExtension_GetNumericProperty("generic.current_allocated_bytes", &bytes))
    return bytes;
  if (__sanitizer_get_current_allocated_bytes) return __sanitizer_get_current_allocated_bytes();
  return residentBytes();
}

}  // namespace

Overload::Overload(OverloadLimits limits, std::function<void(std::string_view)> log,
                   std::function<std::uint64_t()> heapBytes)
    : limits_(limits),
      log_(std::move(log)),
      readHeap_(heapBytes ? std::move(heapBytes) : heapInUse) {
  if (limits_.maxHeapBytes == 0) return;
  sampleHeap();
  watcher_ = std::thread([this] { watchHeap(); });
}

Overload::~Overload() {
  if (!watcher_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  watcher_.join();
}

Overload::Verdict Overload::tryStartRequest() {
  if (heapOverLimit()) {
    shedHeap_.fetch_add(1, std::memory_order_relaxed);
    return Verdict::HeapOverLimit;
  }
  const auto before = inFlight_.fetch_add(1, std::memory_order_relaxed);
  if (limits_.maxRequests == 0 || before < limits_.maxRequests) return Verdict::Admitted;
  inFlight_.fetch_sub(1, std::memory_order_relaxed);
  shedRequests_.fetch_add(1, std::memory_order_relaxed);
  return Verdict::TooManyRequests;
}

void Overload::sampleHeap() {
  const std::uint64_t bytes = readHeap_();
  heapBytes_.store(bytes, std::memory_order_relaxed);
  const bool over = bytes > limits_.maxHeapBytes;
  if (over == heapOver_.exchange(over, std::memory_order_relaxed) || !log_) return;
  log_((over ? std::string(
                   R"({"level":"warn","msg":"heap over its limit: new requests are shed and )"
                   R"(no connection is accepted until it falls","heap_bytes":)")
             : std::string(R"({"level":"info","msg":"heap back under its limit","heap_bytes":)")) +
       std::to_string(bytes) + R"(,"limit_bytes":)" + std::to_string(limits_.maxHeapBytes) + "}");
}

void Overload::watchHeap() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kHeapSampleEvery, [this] { return stopping_; })) sampleHeap();
}

}  // namespace switchyard::gateway
