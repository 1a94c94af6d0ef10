#include "gateway/log_writer.hpp"

namespace switchyard::gateway {

LogWriter::LogWriter(std::FILE* out, std::size_t maxQueuedBytes)
    : out_(out), maxQueuedBytes_(maxQueuedBytes), thread_([this] { run(); }) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void LogWriter::submit(std::string& batch) {
  if (batch.empty()) return;
  {
    std::lock_guard lock(mutex_);
    if (queuedBytes_ + batch.size() > maxQueuedBytes_) {
      droppedBytes_ += batch.size();
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

void LogWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) return;
    std::string batch = std::move(queue_.front());
    queue_.pop_front();
    queuedBytes_ -= batch.size();
    lock.unlock();
    std::fwrite(batch.data(), 1, batch.size(), out_);
    std::fflush(out_);
    lock.lock();
  }
}

}  // namespace switchyard::gateway
