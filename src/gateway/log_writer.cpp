#include "gateway/log_writer.hpp"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace switchyard::gateway {

namespace {

// How often a writer blocked on its reader looks whether shutdown has begun.
constexpr int kPollMillis = 100;

std::uint64_t linesIn(std::string_view text) {
  auto lines = static_cast<std::uint64_t>(std::count(text.begin(), text.end(), '\n'));
  if (!text.empty() && text.back() != '\n') ++lines;  // a line cut short counts too
  return lines;
}

}  // namespace

LogWriter::LogWriter(int fd, std::size_t maxQueuedBytes)
    : fd_(fd), maxQueuedBytes_(maxQueuedBytes) {
  // A pipe or a socket that poll() calls writable takes PIPE_BUF bytes without blocking; a
  // regular file never blocks, and takes a batch at once.
  struct stat st {};
  writeChunk_ = ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) ? SIZE_MAX : PIPE_BUF;
  thread_ = std::thread([this] { run(); });
}

void LogWriter::close() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    giveUpAt_ = std::chrono::steady_clock::now() + kShutdownGrace;
  }
  wake_.notify_one();
  thread_.join();
}

void LogWriter::submit(std::string& batch) {
  if (batch.empty()) return;
  {
    std::lock_guard lock(mutex_);
    if (queuedBytes_ + batch.size() > maxQueuedBytes_ || stopping_) {
      countDropped(batch);  // counting the lines of a dropped batch: only when the reader is stuck
      batch.clear();
      return;
    }
    queuedBytes_ += batch.size();
    queue_.push_back(std::move(batch));
  }
  batch.clear();
  wake_.notify_one();
}

std::uint64_t LogWriter::droppedBytes() const {
  std::lock_guard lock(mutex_);
  return droppedBytes_;
}

std::uint64_t LogWriter::droppedLines() const {
  std::lock_guard lock(mutex_);
  return droppedLines_;
}

void LogWriter::countDropped(std::string_view unwritten) {
  droppedBytes_ += unwritten.size();
  droppedLines_ += linesIn(unwritten);
}

void LogWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    std::string batch = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    const bool written = writeOut(batch);
    lock.lock();
    queuedBytes_ -= batch.size();
    if (!written) {
      // The reader is gone or shutdown's grace is over: the rest is dropped, not waited for.
      for (const auto& left : queue_) countDropped(left);
      queue_.clear();
      queuedBytes_ = 0;
      if (stopping_) return;
    }
  }
}

bool LogWriter::givingUp() {
  std::lock_guard lock(mutex_);
  return stopping_ && std::chrono::steady_clock::now() >= giveUpAt_;
}

bool LogWriter::writeOut(std::string_view batch) {
  while (!batch.empty()) {
    pollfd ready{fd_, POLLOUT, 0};
    const int polled = ::poll(&ready, 1, kPollMillis);
    if (polled == 0 || (polled < 0 && errno == EINTR)) {
      if (!givingUp()) continue;
    } else if (polled > 0 && !(ready.revents & (POLLERR | POLLNVAL))) {
      const auto n = ::write(fd_, batch.data(), std::min(batch.size(), writeChunk_));
      if (n > 0) {
        batch.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EINTR || errno == EAGAIN) && !givingUp()) continue;
    }
    std::lock_guard lock(mutex_);
    countDropped(batch);
    return false;
  }
  return true;
}

}  // namespace switchyard::gateway
