#include "config/config_watcher.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "config/load_helpers.hpp"

namespace switchyard::config {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using testing::TempDir;

// ---- Debouncer (injected time) -------------------------------------------------------------

const Debouncer::Time t0 = Debouncer::Time{} + std::chrono::hours(1);

TEST(DebouncerTest, NothingPendingNeverFires) {
  Debouncer d(milliseconds(100), milliseconds(1000));
  EXPECT_FALSE(d.pending());
  EXPECT_FALSE(d.deadline());
  EXPECT_FALSE(d.fire(t0));
}

TEST(DebouncerTest, FiresOnceWhenTheBurstHasBeenQuiet) {
  Debouncer d(milliseconds(100), milliseconds(1000));
  d.onEvent(t0);
  EXPECT_EQ(d.deadline(), t0 + milliseconds(100));
  EXPECT_FALSE(d.fire(t0 + milliseconds(99)));
  EXPECT_TRUE(d.fire(t0 + milliseconds(100)));
  EXPECT_EQ(d.lastBurstEvents(), 1u);
  EXPECT_FALSE(d.pending());
  EXPECT_FALSE(d.fire(t0 + milliseconds(500)));
}

TEST(DebouncerTest, EachEventPushesTheDeadline) {
  Debouncer d(milliseconds(100), milliseconds(1000));
  d.onEvent(t0);
  d.onEvent(t0 + milliseconds(50));
  d.onEvent(t0 + milliseconds(120));
  EXPECT_FALSE(d.fire(t0 + milliseconds(219)));
  EXPECT_TRUE(d.fire(t0 + milliseconds(220)));
  EXPECT_EQ(d.lastBurstEvents(), 3u);
}

TEST(DebouncerTest, AnEndlessBurstStillFiresAtTheCeiling) {
  Debouncer d(milliseconds(100), milliseconds(1000));
  int fired = 0;
  for (int ms = 0; ms <= 1000; ms += 50) {
    d.onEvent(t0 + milliseconds(ms));
    if (d.fire(t0 + milliseconds(ms))) ++fired;
  }
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(d.lastBurstEvents(), 21u);
}

// ---- ConfigWatcher on a real temp folder ---------------------------------------------------

// Counts callbacks and lets the test wait for them (bounded; never sleeps for a fixed time).
class Recorder {
 public:
  ConfigWatcher::Callback callback() {
    return [this] {
      std::lock_guard lock(mutex_);
      ++calls_;
      thread_ = std::this_thread::get_id();
      changed_.notify_all();
    };
  }
  bool waitFor(int calls, milliseconds limit = milliseconds(10'000)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return calls_ >= calls; });
  }
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::thread::id thread() {
    std::lock_guard lock(mutex_);
    return thread_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int calls_ = 0;
  std::thread::id thread_;
};

void writeFile(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

WatchOptions watch(std::vector<std::string> paths, milliseconds debounce = milliseconds(100)) {
  WatchOptions options;
  options.paths = std::move(paths);
  options.debounce = debounce;
  options.maxDelay = debounce * 10;
  return options;
}

TEST(ConfigWatcherTest, AnEditInPlaceFires) {
  TempDir dir;
  const auto file = dir.write("gateway.yaml", "a: 1\n");
  Recorder recorder;
  ConfigWatcher watcher(watch({file}), recorder.callback());
  writeFile(file, "a: 2\n");
  ASSERT_TRUE(recorder.waitFor(1));
  EXPECT_NE(recorder.thread(), std::this_thread::get_id()) << "runs on the watcher's thread";
  EXPECT_EQ(watcher.stats().lastBurstEvents, 1u);  // one close-after-write
}

TEST(ConfigWatcherTest, AnEditorsRenameOverTheFileFiresAndLaterEditsStillDo) {
  TempDir dir;
  const auto file = dir.write("gateway.yaml", "a: 1\n");
  Recorder recorder;
  ConfigWatcher watcher(watch({file}), recorder.callback());
  const auto temp = dir.path() / ".gateway.yaml.swp";
  writeFile(temp, "a: 2\n");
  fs::rename(temp, file);
  ASSERT_TRUE(recorder.waitFor(1));
  EXPECT_EQ(watcher.stats().lastBurstEvents, 1u);  // the rename onto the name; the temp file is not
  EXPECT_GE(watcher.stats().ignoredEvents, 2u);    // watched
  writeFile(file, "a: 3\n");  // a new inode now: still seen, the directory is what is watched
  ASSERT_TRUE(recorder.waitFor(2));
}

TEST(ConfigWatcherTest, OtherFilesNextToAWatchedFileAreIgnored) {
  TempDir dir;
  const auto file = dir.write("gateway.yaml", "a: 1\n");
  dir.write("other.yaml", "b: 1\n");
  Recorder recorder;
  ConfigWatcher watcher(watch({file}), recorder.callback());
  writeFile(dir.path() / "other.yaml", "b: 2\n");
  writeFile(dir.path() / "notes.txt", "hello\n");
  writeFile(file, "a: 2\n");
  ASSERT_TRUE(recorder.waitFor(1));
  const auto stats = watcher.stats();
  EXPECT_EQ(stats.relevantEvents, 1u);
  EXPECT_EQ(stats.lastBurstEvents, 1u);
  EXPECT_EQ(stats.ignoredEvents, 3u);  // other.yaml written, notes.txt created and written
}

TEST(ConfigWatcherTest, ANewManifestInAWatchedFolderFires) {
  TempDir dir;
  dir.write("manifests/route.yaml", "a: 1\n");
  const auto folder = (dir.path() / "manifests").string();
  Recorder recorder;
  ConfigWatcher watcher(watch({folder}), recorder.callback());
  writeFile(dir.path() / "manifests" / "README.txt", "not a manifest\n");
  writeFile(dir.path() / "manifests" / "backend.yml", "b: 1\n");
  ASSERT_TRUE(recorder.waitFor(1));
  const auto stats = watcher.stats();
  EXPECT_EQ(stats.lastBurstEvents, 2u);  // backend.yml created and written
  EXPECT_EQ(stats.ignoredEvents, 2u);    // README.txt
}

TEST(ConfigWatcherTest, AFolderRemovedAndCreatedAgainIsWatchedAgain) {
  TempDir dir;
  dir.write("manifests/route.yaml", "a: 1\n");
  const auto folder = dir.path() / "manifests";
  Recorder recorder;
  ConfigWatcher watcher(watch({folder.string()}), recorder.callback());
  fs::remove_all(folder);
  fs::create_directory(folder);
  ASSERT_TRUE(recorder.waitFor(1));
  // The watches were renewed before the callback ran: a change now is seen.
  writeFile(folder / "route.yaml", "a: 2\n");
  ASSERT_TRUE(recorder.waitFor(2));
}

// The layout the kubelet gives a mounted ConfigMap, and its atomic update.
struct ConfigMapMount {
  explicit ConfigMapMount(const fs::path& root) : root(root) {
    fs::create_directories(root / "..2024_01_01_00_00_00.1");
    writeFile(root / "..2024_01_01_00_00_00.1" / "gateway.yaml", "a: 1\n");
    fs::create_directory_symlink("..2024_01_01_00_00_00.1", root / "..data");
    fs::create_symlink("..data/gateway.yaml", root / "gateway.yaml");
  }
  void update(const std::string& text) {
    const fs::path next = root / "..2024_01_01_00_00_01.1";
    fs::create_directories(next);
    writeFile(next / "gateway.yaml", text);
    fs::create_directory_symlink(next.filename(), root / "..data_tmp");
    fs::rename(root / "..data_tmp", root / "..data");
    fs::remove_all(root / "..2024_01_01_00_00_00.1");
  }
  fs::path root;
};

TEST(ConfigWatcherTest, AConfigMapSymlinkSwapFiresForAWatchedFile) {
  TempDir dir;
  ConfigMapMount mount(dir.path() / "config");
  Recorder recorder;
  ConfigWatcher watcher(watch({(mount.root / "gateway.yaml").string()}), recorder.callback());
  mount.update("a: 2\n");
  ASSERT_TRUE(recorder.waitFor(1));
  EXPECT_GE(watcher.stats().relevantEvents, 2u);  // ..data_tmp created, renamed onto ..data
}

TEST(ConfigWatcherTest, AConfigMapSymlinkSwapFiresForAWatchedFolder) {
  TempDir dir;
  ConfigMapMount mount(dir.path() / "config");
  Recorder recorder;
  ConfigWatcher watcher(watch({mount.root.string()}), recorder.callback());
  mount.update("a: 2\n");
  ASSERT_TRUE(recorder.waitFor(1));
}

TEST(ConfigWatcherTest, AnEditThroughASymlinkElsewhereFires) {
  TempDir dir;
  const auto real = dir.write("real/gateway.yaml", "a: 1\n");
  fs::create_directories(dir.path() / "etc");
  const auto link = dir.path() / "etc" / "gateway.yaml";
  fs::create_symlink(real, link);
  Recorder recorder;
  ConfigWatcher watcher(watch({link.string()}), recorder.callback());
  EXPECT_EQ(
      watcher.watchedDirectories(),
      (std::vector<std::string>{(dir.path() / "etc").string(), (dir.path() / "real").string()}));
  writeFile(real, "a: 2\n");
  ASSERT_TRUE(recorder.waitFor(1));
}

TEST(ConfigWatcherTest, ABurstOfWritesGivesOneCallback) {
  TempDir dir;
  dir.write("manifests/a.yaml", "a: 0\n");
  dir.write("manifests/b.yaml", "b: 0\n");
  const auto folder = dir.path() / "manifests";
  Recorder recorder;
  // A wide window, so the writes below land in one burst even on a loaded machine.
  ConfigWatcher watcher(watch({folder.string()}, milliseconds(400)), recorder.callback());
  // Alternating files: the kernel merges identical events still unread, which would hide how many
  // writes the burst took in.
  for (int i = 1; i <= 3; ++i) {
    writeFile(folder / "a.yaml", "a: " + std::to_string(i) + "\n");
    writeFile(folder / "b.yaml", "b: " + std::to_string(i) + "\n");
  }
  ASSERT_TRUE(recorder.waitFor(1));
  EXPECT_EQ(watcher.stats().lastBurstEvents, 6u);  // every write went into the first callback
  EXPECT_EQ(recorder.calls(), 1);
}

TEST(ConfigWatcherTest, TriggerFiresWithoutAnyChange) {
  TempDir dir;
  const auto file = dir.write("gateway.yaml", "a: 1\n");
  Recorder recorder;
  ConfigWatcher watcher(watch({file}), recorder.callback());
  watcher.trigger();
  ASSERT_TRUE(recorder.waitFor(1));
  EXPECT_EQ(watcher.stats().relevantEvents, 0u);
  EXPECT_EQ(watcher.stats().lastBurstEvents, 1u);
}

TEST(ConfigWatcherTest, StopEndsTheThreadAndDropsAPendingBurst) {
  TempDir dir;
  const auto file = dir.write("gateway.yaml", "a: 1\n");
  Recorder recorder;
  // A window far longer than the test: the burst below is still settling when stop() comes.
  ConfigWatcher watcher(watch({file}, milliseconds(60'000)), recorder.callback());
  writeFile(file, "a: 2\n");
  watcher.trigger();
  watcher.stop();
  watcher.stop();  // idempotent
  EXPECT_EQ(recorder.calls(), 0);
  watcher.trigger();  // harmless once stopped
  EXPECT_EQ(watcher.stats().callbacks, 0u);
}

TEST(ConfigWatcherTest, StopFromInsideTheCallbackDoesNotDeadlock) {
  TempDir dir;
  const auto file = dir.write("gateway.yaml", "a: 1\n");
  Recorder recorder;
  std::unique_ptr<ConfigWatcher> watcher;
  auto inner = recorder.callback();
  watcher = std::make_unique<ConfigWatcher>(watch({file}), [&] {
    watcher->stop();
    inner();
  });
  watcher->trigger();
  ASSERT_TRUE(recorder.waitFor(1));
  watcher.reset();  // joins the (ending) thread from here
}

TEST(ConfigWatcherTest, WatchesTheParentsOfFilesAndFolders) {
  TempDir dir;
  const auto file = dir.write("a/gateway.yaml", "a: 1\n");
  dir.write("b/manifests/route.yaml", "a: 1\n");
  Recorder recorder;
  ConfigWatcher watcher(watch({file, (dir.path() / "b" / "manifests").string() + "/"}),
                        recorder.callback());
  EXPECT_EQ(watcher.watchedDirectories(),
            (std::vector<std::string>{(dir.path() / "a").string(), (dir.path() / "b").string(),
                                      (dir.path() / "b" / "manifests").string()}));
}

}  // namespace
}  // namespace switchyard::config
