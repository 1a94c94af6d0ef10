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
  std::FILE* writeEnd;
  StuckPipe() {
    EXPECT_EQ(::pipe(fds), 0);
    writeEnd = ::fdopen(fds[1], "w");
  }
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
    LogWriter writer(pipe.writeEnd, 1 << 20);
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
  std::fclose(pipe.writeEnd);
  reader.join();
  ::close(pipe.fds[0]);
}

TEST(LogWriterTest, WritesBatchesInOrder) {
  std::FILE* out = std::tmpfile();
  {
    LogWriter writer(out);
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
