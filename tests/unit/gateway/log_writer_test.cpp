#include "gateway/log_writer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

namespace switchyard::gateway {
namespace {

// A pipe nobody reads: once its buffer is full, every write to it blocks.
struct StuckPipe {
  int fds[2];
  StuckPipe() { EXPECT_EQ(::pipe(fds), 0); }
  void drain() {
    char buf[65536];
    while (::read(fds[0], buf, sizeof buf) > 0) {
    }
  }
};

TEST(LogWriterTest, SubmitNeverBlocksAndDropsPastTheBound) {
  StuckPipe pipe;
  std::thread reader;
  {
    LogWriter writer(pipe.fds[1], 1 << 20);
    const auto started = std::chrono::steady_clock::now();
    std::uint64_t submitted = 0;
    for (int i = 0; i < 64; ++i) {
      std::string batch(256 * 1024, 'x');  // 16 MiB in all, far more than the pipe and the bound
      writer.submit(batch);
      EXPECT_TRUE(batch.empty());
      submitted += 256 * 1024;
    }
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    EXPECT_GT(writer.droppedBytes(), 0u);
    EXPECT_LT(writer.droppedBytes(), submitted);
    reader = std::thread([&] { pipe.drain(); });
  }  // the destructor writes what was queued while the reader drains the pipe
  ::close(pipe.fds[1]);
  reader.join();
  ::close(pipe.fds[0]);
}

// A reader that never reads must not hold the process at exit: the writer gives up after its
// grace and counts what it could not write.
TEST(LogWriterTest, ShutdownGivesUpOnAStuckReaderAndCountsTheLines) {
  StuckPipe pipe;
  const std::string line(99, 'x');
  std::uint64_t dropped = 0;
  std::chrono::steady_clock::duration stopping{};
  {
    LogWriter writer(pipe.fds[1], 1 << 20);
    for (int i = 0; i < 2000; ++i) {  // 200 KB: more than the pipe holds, less than the bound
      std::string batch = line + "\n";
      writer.submit(batch);
    }
    const auto started = std::chrono::steady_clock::now();
    writer.close();
    stopping = std::chrono::steady_clock::now() - started;
    dropped = writer.droppedLines();
  }
  EXPECT_LT(stopping, LogWriter::kShutdownGrace + std::chrono::seconds(1));
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(dropped, 2000u);
  ::close(pipe.fds[0]);
  ::close(pipe.fds[1]);
}

TEST(LogWriterTest, WritesBatchesInOrder) {
  std::FILE* out = std::tmpfile();
  {
    LogWriter writer(::fileno(out));
    std::string a = "first\n", b = "second\n";
    writer.submit(a);
    writer.submit(b);
  }
  std::rewind(out);
  char buf[64] = {};
  const auto n = std::fread(buf, 1, sizeof buf - 1, out);
  EXPECT_EQ(std::string(buf, n), "first\nsecond\n");
  std::fclose(out);
}

}  // namespace
}  // namespace switchyard::gateway
