// Goal: a backup taken while the journal rolls to a new segment (pre-written, so already
// full-sized) or right after it holds every transaction acknowledged before it and opens under
// absolute consistency, and the backup's directories are durable: each directory the backup
// creates has its entry synced in its parent. Method: 1 MiB segments; an Env wrapper that can
// hold the journaler at its first write into a new segment (the segment is then listed but holds
// nothing) while a backup runs, and that records directory syncs; each backup is opened and read
// back in full.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "ringdb/env.h"
#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

std::string Normal(const std::string& path) {
  std::string normal = std::filesystem::path(path).lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') {
    normal.pop_back();
  }
  return normal;
}

class RollPausingEnv;

// A segment file whose first write (offset 0: the group that starts the segment) may wait.
class PausingFile final : public WritableFile {
 public:
  PausingFile(RollPausingEnv* env, std::unique_ptr<WritableFile> file)
      : env_(env), file_(std::move(file)) {}
  Result<uint64_t> WriteAt(uint64_t offset, std::span<const std::byte> data) override;
  Status SyncData() override { return file_->SyncData(); }
  Status SyncAll() override { return file_->SyncAll(); }
  Status Truncate(uint64_t size_bytes) override { return file_->Truncate(size_bytes); }
  Result<uint64_t> Size() const override { return file_->Size(); }
  Status Close() override { return file_->Close(); }

 private:
  RollPausingEnv* env_;
  std::unique_ptr<WritableFile> file_;
};

class RollPausingEnv final : public EnvWrapper {
 public:
  RollPausingEnv() : EnvWrapper(Env::Default()) {}

  Status OpenWritable(const std::string& path, OpenMode mode,
                      std::unique_ptr<WritableFile>* out) override {
    Status status = EnvWrapper::OpenWritable(path, mode, out);
    if (status.ok() && path.ends_with(".journal")) {
      *out = std::make_unique<PausingFile>(this, std::move(*out));
    }
    return status;
  }
  Status SyncDir(const std::string& path) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      synced_.insert(Normal(path));
    }
    return EnvWrapper::SyncDir(path);
  }
  bool Synced(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    return synced_.count(Normal(path)) != 0;
  }

  // The next first write into a segment waits until Resume.
  void Arm() {
    std::lock_guard<std::mutex> lock(mutex_);
    armed_ = true;
  }
  // Called by the journaler.
  void AtSegmentStart() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!armed_) {
      return;
    }
    armed_ = false;
    paused_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !paused_; });
  }
  bool WaitUntilPaused() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(60), [this] { return paused_; });
  }
  void Resume() {
    std::lock_guard<std::mutex> lock(mutex_);
    paused_ = false;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool armed_ = false;
  bool paused_ = false;
  std::set<std::string> synced_;
};

Result<uint64_t> PausingFile::WriteAt(uint64_t offset, std::span<const std::byte> data) {
  if (offset == 0) {
    env_->AtSegmentStart();
  }
  return file_->WriteAt(offset, data);
}

std::string Key(int i) { return "w/" + std::to_string(i); }
std::string Value(int i) { return std::string(4000, static_cast<char>('a' + i % 26)); }

class BackupTest : public EngineTest {
 protected:
  void TearDown() override { engine_.reset(); }  // Before env_, which the engine uses.

  void WriteOne() {
    WriteBatch batch;
    const int i = written_.load();
    batch.Put(Key(i), Value(i));
    const Status status = engine_->Write(batch);
    ASSERT_TRUE(status.ok()) << status.ToString();
    written_.store(i + 1);
  }
  uint64_t NewestSegment() {
    const EngineInfo info = engine_->Info();
    return info.segments.empty() ? 0 : info.segments.back().first_sequence;
  }

  // A backup into a directory whose two parents do not exist yet.
  void TakeBackup(const std::string& name) {
    const std::string parent = dir_.path() + "/backups/" + name;
    const Status backed_up = engine_->Backup(parent + "/backup");
    ASSERT_TRUE(backed_up.ok()) << backed_up.ToString();
    EXPECT_TRUE(env_.Synced(parent + "/backup")) << name;
    EXPECT_TRUE(env_.Synced(parent)) << name << ": the backup's own entry is not durable";
    EXPECT_TRUE(env_.Synced(dir_.path() + "/backups")) << name;
    EXPECT_TRUE(env_.Synced(dir_.path())) << name;
  }
  // The backup opened under absolute consistency, holding the first `acknowledged` writes.
  void CheckBackup(const std::string& name, int acknowledged) {
    Options options = SmallOptions();
    options.recovery_mode = RecoveryMode::kAbsoluteConsistency;
    std::unique_ptr<Engine> copy;
    const Status opened =
        Engine::Open(options, dir_.path() + "/backups/" + name + "/backup", &copy);
    ASSERT_TRUE(opened.ok()) << name << ": " << opened.ToString();
    std::string value;
    for (int i = 0; i < acknowledged; ++i) {
      const Status read = copy->Get(Key(i), &value);
      ASSERT_TRUE(read.ok()) << name << ": key " << i << " of " << acknowledged << ": "
                             << read.ToString();
      ASSERT_EQ(value, Value(i)) << name << ": key " << i;
    }
    ASSERT_TRUE(copy->Close().ok());
  }

  RollPausingEnv env_;
  std::atomic<int> written_{0};
};

TEST_F(BackupTest, BackupDuringASegmentRollHoldsEveryAcknowledgement) {
  Options options = SmallOptions();  // 1 MiB segments, one pre-written ahead.
  options.env = &env_;
  OpenEngine(options);
  WriteOne();  // The journal's first segment.
  for (int roll = 0; roll < 2; ++roll) {
    const uint64_t segment = NewestSegment();
    env_.Arm();
    std::thread writer([&] {
      while (NewestSegment() == segment) {
        WriteOne();
      }
    });
    ASSERT_TRUE(env_.WaitUntilPaused()) << "the journal never rolled";
    const int acknowledged = written_.load();
    const std::string name = "during-roll-" + std::to_string(roll);
    TakeBackup(name);
    env_.Resume();
    writer.join();
    CheckBackup(name, acknowledged);
  }
}

TEST_F(BackupTest, BackupRightAfterASegmentRollHoldsEveryAcknowledgement) {
  Options options = SmallOptions();
  options.env = &env_;
  OpenEngine(options);
  WriteOne();
  for (int roll = 0; roll < 3; ++roll) {
    const uint64_t segment = NewestSegment();
    while (NewestSegment() == segment) {
      WriteOne();
    }
    const std::string name = "after-roll-" + std::to_string(roll);
    TakeBackup(name);
    CheckBackup(name, written_.load());
    for (int i = 0; i < 5; ++i) {
      WriteOne();
    }
    TakeBackup(name + "-then-5");
    CheckBackup(name + "-then-5", written_.load());
  }
  EXPECT_GE(engine_->Info().segments.size(), 4u);
}

}  // namespace
}  // namespace ringdb
