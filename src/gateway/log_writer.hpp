#pragma once
// The one thread that writes access-log batches to stdout. Workers hand over whole batches; when
// stdout is slow or blocked, batches queue up to a bound and past it are dropped (and counted), so
// a request never waits on the log.

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace switchyard::gateway {

class LogWriter {
 public:
  explicit LogWriter(std::FILE* out, std::size_t maxQueuedBytes = 64u << 20);
  ~LogWriter();  // writes what is queued, then stops
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Takes the batch (leaves `batch` empty). Never blocks on I/O.
  void submit(std::string& batch);
  std::uint64_t droppedBytes() const;

 private:
  void run();

  std::FILE* out_;
  const std::size_t maxQueuedBytes_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  std::size_t queuedBytes_ = 0;
  std::uint64_t droppedBytes_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace switchyard::gateway
