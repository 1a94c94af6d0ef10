#pragma once
// The one thread that writes log batches to a file descriptor (the access log to stdout). Workers
// hand over whole batches; when the reader is slow or stuck, batches queue up to a bound and past
// it are dropped (and counted), so a request never waits on the log. The thread writes with
// write(2) after poll(2), never through stdio: a stuck stdout must not hold the FILE lock that
// std::cout / std::cerr (tied to it) take elsewhere, and shutdown must not wait on the reader.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace switchyard::gateway {

class LogWriter {
 public:
  static constexpr std::size_t kDefaultMaxQueuedBytes = 64u << 20;
  // How long the destructor keeps writing what is queued to a reader that does not read.
  static constexpr std::chrono::milliseconds kShutdownGrace{1000};

  explicit LogWriter(int fd, std::size_t maxQueuedBytes = kDefaultMaxQueuedBytes);
  ~LogWriter() { close(); }
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Takes the batch (whole lines; leaves `batch` empty). Never blocks on I/O.
  void submit(std::string& batch);
  // Writes what is queued, for at most kShutdownGrace; what is left is dropped (and counted), and
  // so is what is submitted afterwards. Once only (the destructor calls it).
  void close();
  std::uint64_t droppedBytes() const;
  std::uint64_t droppedLines() const;

 private:
  void run();
  // Writes all of `batch` unless the reader is gone or shutdown's grace ran out; false then, with
  // the unwritten part counted as dropped.
  bool writeOut(std::string_view batch);
  bool givingUp();
  void countDropped(std::string_view unwritten);  // under mutex_

  const int fd_;
  const std::size_t maxQueuedBytes_;
  std::size_t writeChunk_;  // at most what a poll()ed pipe takes without blocking
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::string> queue_;
  std::size_t queuedBytes_ = 0;
  std::uint64_t droppedBytes_ = 0;
  std::uint64_t droppedLines_ = 0;
  bool stopping_ = false;
  std::chrono::steady_clock::time_point giveUpAt_;
  std::thread thread_;
};

}  // namespace switchyard::gateway
