// Goal: the OPTIONS file goes through the Env and is replaced atomically and durably. Method: on
// the fault-injecting Env, write one version, then a second one with a write, a sync or the power
// failing at each step (and power cuts of every kind after it), and check that the file then
// parses as exactly the first or the second version, never a mix, an empty file or a lost one,
// and that a failing write says so.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/options_file.h"
#include "test_util/fault_injection_env.h"
#include "test_util/power_cut_env.h"

namespace ringdb {
namespace {

constexpr const char* kDb = "/db";

Options Version(uint32_t slots) {
  Options options;
  options.ring_slot_count = slots;
  return options;
}

// The ring_slot_count the OPTIONS file holds now, 0 when it is missing or unreadable.
uint32_t StoredSlots(FaultInjectionEnv* env) {
  Options read;
  read.ring_slot_count = 0;
  return ReadOptionsFile(kDb, &read, nullptr, env).ok() ? read.ring_slot_count : 0;
}

class OptionsFileFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(env_.CreateDir(kDb).ok());
    ASSERT_TRUE(env_.SyncDir("/").ok());
    ASSERT_TRUE(WriteOptionsFile(kDb, Version(1024), 0, &env_).ok());
    ASSERT_EQ(StoredSlots(&env_), 1024u);
  }
  FaultInjectionEnv env_;
};

TEST_F(OptionsFileFaultTest, ReadsWhatWasWrittenThroughTheEnv) {
  Options read;
  uint32_t floor = 0;
  ASSERT_TRUE(WriteOptionsFile(kDb, Version(4096), 777, &env_).ok());
  ASSERT_TRUE(ReadOptionsFile(kDb, &read, &floor, &env_).ok());
  EXPECT_EQ(read.ring_slot_count, 4096u);
  EXPECT_EQ(floor, 777u);
  Options missing;
  EXPECT_TRUE(ReadOptionsFile("/elsewhere", &missing, nullptr, &env_).IsNotFound());
}

// Options::LoadFrom reads through the Env its options name: the file exists only in this Env's
// memory, so the POSIX file system would find nothing.
TEST_F(OptionsFileFaultTest, LoadFromReadsThroughTheOptionsEnv) {
  Options loaded;
  loaded.env = &env_;
  loaded.ring_slot_count = 2;
  ASSERT_TRUE(Options::LoadFrom(kDb, &loaded).ok());
  EXPECT_EQ(loaded.ring_slot_count, 1024u);
  EXPECT_EQ(loaded.env, &env_) << "the Env is not a stored option";
  Options posix;
  EXPECT_TRUE(Options::LoadFrom(kDb, &posix).IsNotFound());
}

TEST_F(OptionsFileFaultTest, AFailedWriteOrSyncKeepsTheOldVersionAndSaysSo) {
  for (const bool fail_sync : {false, true}) {
    SCOPED_TRACE(fail_sync ? "failed sync" : "failed write");
    if (fail_sync) {
      env_.FailSync(1, false, FaultInjectionEnv::SyncFailure::kPagesLost);
    } else {
      env_.FailWrite(1, false);
    }
    const Status written = WriteOptionsFile(kDb, Version(8192), 0, &env_);
    env_.ClearFaults();
    EXPECT_TRUE(written.IsIOError()) << written.ToString();
    EXPECT_NE(written.ToString().find("OPTIONS"), std::string::npos) << written.ToString();
    EXPECT_EQ(StoredSlots(&env_), 1024u);
    env_.SimulateCrash(FaultInjectionEnv::CrashMode::kDropUnsynced, 1);
    EXPECT_EQ(StoredSlots(&env_), 1024u);
    // The next write replaces the leftover temporary file and succeeds.
    ASSERT_TRUE(WriteOptionsFile(kDb, Version(2048), 0, &env_).ok());
    EXPECT_EQ(StoredSlots(&env_), 2048u);
    ASSERT_TRUE(WriteOptionsFile(kDb, Version(1024), 0, &env_).ok());
  }
}

TEST_F(OptionsFileFaultTest, APowerCutAtAnyStepLeavesTheOldOrTheNewVersion) {
  const FaultInjectionEnv::CrashMode kModes[] = {
      FaultInjectionEnv::CrashMode::kDropUnsynced, FaultInjectionEnv::CrashMode::kKeepRandomPrefix,
      FaultInjectionEnv::CrashMode::kLoseUnsyncedEntries};
  int old_seen = 0;
  int new_seen = 0;
  bool completed = false;
  for (uint64_t cut_at = 1; !completed && cut_at < 64; ++cut_at) {
    for (const FaultInjectionEnv::CrashMode mode : kModes) {
      SCOPED_TRACE("power cut before change " + std::to_string(cut_at) + ", crash mode " +
                   std::to_string(static_cast<int>(mode)));
      ASSERT_TRUE(WriteOptionsFile(kDb, Version(1024), 0, &env_).ok());
      PowerCutEnv cutting(&env_, cut_at);
      const Status written = WriteOptionsFile(kDb, Version(16384), 0, &cutting);
      completed = !cutting.cut();
      if (completed) {
        EXPECT_TRUE(written.ok()) << written.ToString();
      } else {
        EXPECT_FALSE(written.ok()) << "the cut failed no step";
      }
      env_.SimulateCrash(mode, cut_at);
      const uint32_t stored = StoredSlots(&env_);
      EXPECT_TRUE(stored == 1024u || stored == 16384u) << "stored " << stored;
      if (written.ok()) {
        EXPECT_EQ(stored, 16384u) << "an acknowledged write was lost";
      }
      (stored == 1024u ? old_seen : new_seen)++;
    }
  }
  EXPECT_TRUE(completed) << "the sweep never reached the end of a write";
  // The sweep reached both outcomes: it cut before the rename and after it.
  EXPECT_GT(old_seen, 0);
  EXPECT_GT(new_seen, 0);
}

}  // namespace
}  // namespace ringdb
