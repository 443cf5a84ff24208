// Goal: `ringdb get`, `scan`, `stats` and `backup` work beside a live engine (showing what only
// its journal holds yet, never a transaction that failed its preconditions), and every command
// that only reads leaves a closed database byte-identical, read-only directory or not.
// Method: an engine in this test process holds the directory while the built binary runs; the
// directory's files are compared byte for byte before and after.
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "test_util/digest.h"
#include "test_util/engine_fixture.h"
#include "tool_run.h"

namespace ringdb {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> FilesOf(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_directory()) {
      files[entry.path().string() + "/"] = "";
      continue;
    }
    std::string bytes;
    if (FILE* file = std::fopen(entry.path().c_str(), "rb"); file != nullptr) {
      char buffer[1 << 16];
      size_t got = 0;
      while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
        bytes.append(buffer, got);
      }
      std::fclose(file);
    }
    files[entry.path().string()] = std::move(bytes);
  }
  return files;
}

void ExpectSameFiles(const std::map<std::string, std::string>& before,
                     const std::map<std::string, std::string>& after, const std::string& what) {
  for (const auto& [name, bytes] : before) {
    const auto found = after.find(name);
    if (found == after.end()) {
      ADD_FAILURE() << what << ": " << name << " disappeared";
    } else {
      EXPECT_TRUE(found->second == bytes) << what << ": " << name << " changed";
    }
  }
  for (const auto& [name, bytes] : after) {
    EXPECT_TRUE(before.contains(name)) << what << ": " << name << " appeared";
  }
}

class ReadOnlyToolTest : public EngineTest {
 protected:
  // key/<i % 40> = value-<i> for i in [1, 120]; a close after the 60th, so that RocksDB's flushed
  // state holds part and only the journal holds the rest; then a transaction that fails.
  void Populate() {
    OpenEngine(SmallOptions());
    for (int i = 1; i <= 120; ++i) {
      WriteBatch batch;
      batch.Put("key/" + std::to_string(i % 40), "value-" + std::to_string(i));
      ASSERT_TRUE(engine_->Write(batch).ok());
      if (i == 60) {
        Reopen();
      }
    }
    WriteBatch fails;
    fails.ExpectAbsent("key/1");
    fails.Put("conflicted", "never visible");
    ASSERT_TRUE(engine_->Write(fails).IsConflict());
  }
};

TEST_F(ReadOnlyToolTest, GetScanStatsAndBackupWorkBesideALiveEngine) {
  Populate();
  ToolRun get = Ringdb("get " + dir_.path() + " key/5");
  EXPECT_EQ(get.exit_code, 0) << get.output;
  EXPECT_EQ(get.output, "value-85\n") << "written after the flush: only the journal holds it";
  ToolRun conflicted = Ringdb("get " + dir_.path() + " conflicted");
  EXPECT_EQ(conflicted.exit_code, 3) << conflicted.output;
  ToolRun scan = Ringdb("scan " + dir_.path() + " --prefix key/3");
  EXPECT_EQ(scan.exit_code, 0) << scan.output;
  EXPECT_EQ(scan.output,
            "key/3 = value-83\nkey/30 = value-110\nkey/31 = value-111\nkey/32 = value-112\n"
            "key/33 = value-113\nkey/34 = value-114\nkey/35 = value-115\nkey/36 = value-116\n"
            "key/37 = value-117\nkey/38 = value-118\nkey/39 = value-119\n");
  ToolRun all = Ringdb("scan " + dir_.path() + " --json");
  EXPECT_EQ(all.exit_code, 0) << all.output;
  EXPECT_EQ(std::count(all.output.begin(), all.output.end(), '\n'), 40);
  EXPECT_EQ(all.output.find("conflicted"), std::string::npos) << all.output;
  ToolRun stats = Ringdb("stats " + dir_.path() + " --json");
  EXPECT_EQ(stats.exit_code, 0) << stats.output;
  EXPECT_NE(stats.output.find("\"live\": true"), std::string::npos) << stats.output;
  EXPECT_NE(stats.output.find("\"sequence\": 121"), std::string::npos) << stats.output;
  EXPECT_NE(stats.output.find("\"marker\": 60"), std::string::npos) << stats.output;
  EXPECT_NE(stats.output.find("\"transactions_replayed\": 60"), std::string::npos) << stats.output;
  EXPECT_NE(stats.output.find("\"transactions_conflicted\": 1"), std::string::npos) << stats.output;
  ToolRun text = Ringdb("stats " + dir_.path());
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("a live engine holds it"), std::string::npos) << text.output;

  const std::string target = dir_.path() + "-backup";
  ToolRun backup = Ringdb("backup " + dir_.path() + " " + target);
  ASSERT_EQ(backup.exit_code, 0) << backup.output;
  EXPECT_NE(backup.output.find("through sequence 121"), std::string::npos) << backup.output;
  {
    std::unique_ptr<Engine> copy;
    const Status opened = Engine::Open(options_, target, &copy);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    EXPECT_EQ(DigestOf(copy.get()), DigestOf(engine_.get()));
    ASSERT_TRUE(copy->Close().ok());
  }
  fs::remove_all(target);
  WriteBatch batch;
  batch.Put("still", "writable");
  EXPECT_TRUE(engine_->Write(batch).ok()) << "the live engine was not disturbed";
}

// Backups taken while a writer runs (and checkpoints retire segments) each hold a state some
// transaction left: every transaction i writes slot/<i % 16> = i and last = i. A backup may be
// refused with Busy (exit 5) when checkpoints retire segments faster than it can read them (as
// under ThreadSanitizer): then the writer pauses, so that no checkpoint follows, and the backup
// must succeed.
TEST_F(ReadOnlyToolTest, BackupsOfABusyEngineAreConsistent) {
  Options options = SmallOptions();
  options.checkpoint_journal_bytes = uint64_t{1} << 20;
  OpenEngine(options);
  std::mutex mutex;
  std::condition_variable resumed;
  bool paused = false;
  std::atomic<bool> stop{false};
  std::atomic<bool> failed{false};
  std::atomic<uint64_t> acknowledged{0};
  std::thread writer([&] {
    for (uint64_t i = 1; !stop.load(std::memory_order_relaxed) && i <= 100000; ++i) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        resumed.wait(lock, [&] { return !paused || stop.load(); });
      }
      WriteBatch batch;
      batch.Put("slot/" + std::to_string(i % 16), std::to_string(i));
      batch.Put("last", std::to_string(i));
      batch.Put("pad", std::string(2000, 'p'));
      if (!engine_->Write(batch).ok()) {
        failed.store(true);
        return;
      }
      acknowledged.store(i, std::memory_order_release);
    }
  });
  const auto set_paused = [&](bool value) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      paused = value;
    }
    resumed.notify_all();
  };
  // Stops and joins the writer however the test ends (an ASSERT returns early).
  struct Joiner {
    std::function<void()> join;
    ~Joiner() { join(); }
  } joiner{[&] {
    stop.store(true);
    set_paused(false);
    if (writer.joinable()) {
      writer.join();
    }
  }};
  int busy = 0;
  for (int round = 0; round < 3 && !HasFatalFailure(); ++round) {
    const uint64_t before = acknowledged.load(std::memory_order_acquire);
    const std::string target = dir_.path() + "-backup-" + std::to_string(round);
    ToolRun backup = Ringdb("backup " + dir_.path() + " " + target);
    if (backup.exit_code == 5) {
      ++busy;
      EXPECT_NE(backup.output.find("try again"), std::string::npos) << backup.output;
      set_paused(true);
      backup = Ringdb("backup " + dir_.path() + " " + target);
      set_paused(false);
    }
    ASSERT_EQ(backup.exit_code, 0) << backup.output;
    std::unique_ptr<Engine> copy;
    const Status opened = Engine::Open(options, target, &copy);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    std::string last_text = "0";
    ASSERT_TRUE(copy->Get("last", &last_text).ok() || before == 0);
    const uint64_t last = std::stoull(last_text);
    EXPECT_GE(last, before) << "the backup misses an acknowledged transaction";
    for (uint64_t slot = 0; slot < 16 && last >= 16; ++slot) {
      std::string value;
      ASSERT_TRUE(copy->Get("slot/" + std::to_string(slot), &value).ok());
      EXPECT_EQ(value, std::to_string(last - (last - slot) % 16)) << "slot " << slot;
    }
    ASSERT_TRUE(copy->Close().ok());
    copy.reset();
    fs::remove_all(target);
  }
  joiner.join();
  joiner.join = [] {};
  EXPECT_FALSE(failed.load()) << "a write of the busy engine failed";
  std::printf("%llu transactions, %llu checkpoints, %d backup(s) refused as busy first\n",
              static_cast<unsigned long long>(acknowledged.load()),
              static_cast<unsigned long long>(engine_->Stats().checkpoints), busy);
}

TEST_F(ReadOnlyToolTest, ReadingCommandsLeaveAClosedDatabaseByteIdentical) {
  Populate();
  ASSERT_TRUE(engine_->Close().ok());
  engine_.reset();
  // Once as it is, once made read-only (which stops writes unless the test runs as root; the
  // bytes are compared either way).
  for (const bool read_only : {false, true}) {
    if (read_only) {
      for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
        fs::permissions(entry.path(),
                        fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                        fs::perm_options::remove);
      }
      fs::permissions(dir_.path(), fs::perms::owner_write, fs::perm_options::remove);
    }
    const auto before = FilesOf(dir_.path());
    const std::string target = dir_.path() + "-backup";
    const std::string commands[] = {
        "get " + dir_.path() + " key/5", "scan " + dir_.path(),
        "stats " + dir_.path(),          "stats " + dir_.path() + " --json",
        "info " + dir_.path(),           "journal dump " + dir_.path(),
        "journal verify " + dir_.path(), "backup " + dir_.path() + " " + target,
    };
    for (const std::string& command : commands) {
      ToolRun run = Ringdb(command);
      EXPECT_EQ(run.exit_code, 0) << "ringdb " << command << ":\n" << run.output;
      ExpectSameFiles(before, FilesOf(dir_.path()),
                      "ringdb " + command + (read_only ? " (read-only directory)" : ""));
    }
    ToolRun get = Ringdb("get " + target + " key/5");
    EXPECT_EQ(get.output, "value-85\n") << "the backup holds the state";
    fs::remove_all(target);
  }
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path())) {
    fs::permissions(entry.path(), fs::perms::owner_write, fs::perm_options::add);
  }
  fs::permissions(dir_.path(), fs::perms::owner_write, fs::perm_options::add);
}

}  // namespace
}  // namespace ringdb
