// Goal: a backup's directory is claimed by one backup at a time, and a directory marked as an
// unfinished backup is refused by every way of opening a database, with a message that names the
// marker. Method: the backup steps on the fault-injecting Env, and real databases with the marker
// written into them.
#include "engine/backup_files.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "ringdb/read_only_database.h"
#include "test_util/engine_fixture.h"
#include "test_util/fault_injection_env.h"

namespace ringdb {
namespace {

bool Names(const Status& status, std::string_view text) {
  return status.ToString().find(text) != std::string::npos;
}

TEST(BackupFilesTest, ADirectoryTakesOneBackupAtATimeAndAnAbandonedOneStartsAfresh) {
  FaultInjectionEnv env;
  ASSERT_TRUE(env.CreateDir("/b").ok());
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(env.OpenWritable("/b/data", OpenMode::kCreateNew, &file).ok());
  file.reset();
  std::unique_ptr<FileLock> lock;
  const Status not_empty = backup::Begin(&env, "/b", &lock);
  EXPECT_TRUE(not_empty.IsInvalidArgument()) << not_empty.ToString();
  EXPECT_FALSE(env.FileExists(std::string("/b/") + backup::kIncompleteMarker));

  ASSERT_TRUE(backup::Begin(&env, "/c/d", &lock).ok()) << "a missing directory and its parent";
  EXPECT_TRUE(env.FileExists(std::string("/c/d/") + backup::kIncompleteMarker));
  std::unique_ptr<FileLock> second;
  const Status busy = backup::Begin(&env, "/c/d", &second);
  EXPECT_TRUE(busy.IsBusy()) << busy.ToString();

  // The first backup fails part-way: what it wrote goes, the marker stays.
  ASSERT_TRUE(env.CreateDir("/c/d/journal").ok());
  ASSERT_TRUE(env.OpenWritable("/c/d/journal/segment", OpenMode::kCreateNew, &file).ok());
  file.reset();
  backup::Abandon(&env, "/c/d");
  lock.reset();
  EXPECT_FALSE(env.FileExists("/c/d/journal"));
  EXPECT_TRUE(env.FileExists(std::string("/c/d/") + backup::kIncompleteMarker));
  const Status refused = backup::CheckNotIncomplete(&env, "/c/d");
  EXPECT_TRUE(refused.IsCorruption() && Names(refused, backup::kIncompleteMarker))
      << refused.ToString();
  ASSERT_TRUE(backup::Begin(&env, "/c/d", &lock).ok()) << "an abandoned backup starts afresh";

  // A power cut right after a finished backup keeps it finished.
  ASSERT_TRUE(env.CreateDir("/c/d/journal").ok());
  ASSERT_TRUE(backup::Finish(&env, "/c/d").ok());
  env.SimulateCrash(FaultInjectionEnv::CrashMode::kDropUnsynced, 1);
  EXPECT_TRUE(backup::CheckNotIncomplete(&env, "/c/d").ok());
}

TEST(BackupFilesTest, EveryOpenRefusesADirectoryMarkedAsAnUnfinishedBackup) {
  TempDir dir;
  const std::string path = dir.path() + "/db";
  {
    std::unique_ptr<Engine> engine;
    ASSERT_TRUE(Engine::Open(SmallOptions(), path, &engine).ok());
    ASSERT_TRUE(engine->Put("k", "v").ok());
    ASSERT_TRUE(engine->Close().ok());
  }
  std::ofstream(path + "/" + backup::kIncompleteMarker) << "unfinished\n";
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(SmallOptions(), path, &engine);
  EXPECT_TRUE(opened.IsCorruption() && Names(opened, backup::kIncompleteMarker))
      << opened.ToString();
  std::unique_ptr<ReadOnlyDatabase> view;
  const Status viewed = ReadOnlyDatabase::Open(SmallOptions(), path, &view);
  EXPECT_TRUE(viewed.IsCorruption() && Names(viewed, backup::kIncompleteMarker))
      << viewed.ToString();
  std::filesystem::remove(path + "/" + backup::kIncompleteMarker);
  ASSERT_TRUE(Engine::Open(SmallOptions(), path, &engine).ok());
  std::string value;
  EXPECT_TRUE(engine->Get("k", &value).ok());
}

}  // namespace
}  // namespace ringdb
