// Goal: the power-losing file system that the RocksDB crash tests trust models a directory rename
// the way a file system does: the directory's files keep their durable sizes under the new name,
// entries made in it before the rename are durable only once the directory itself is synced
// (under either name, through a handle opened before the rename too), and a rename the parent
// never synced is undone with everything in it. RocksDB renames a checkpoint's directory
// (db.tmp to db) when a backup commits. Method: drive the file system directly, lose power,
// read the real directory it leaves.
#include "test_util/power_loss_fs.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "test_util/temp_dir.h"

namespace ringdb {
namespace {

using rocksdb::FileOptions;
using rocksdb::IOOptions;

class PowerLossFsRenameTest : public ::testing::Test {
 protected:
  PowerLossFsRenameTest()
      : root_(dir_.path() + "/root"),
        fs_(std::make_shared<PowerLossFileSystem>(rocksdb::FileSystem::Default(),
                                                  dir_.path() + "/side")) {
    std::filesystem::create_directories(root_);
  }

  // Writes `durable` and syncs it, then `unsynced` without a sync, and closes the file.
  void Write(const std::string& path, const std::string& durable, const std::string& unsynced) {
    std::unique_ptr<rocksdb::FSWritableFile> file;
    ASSERT_TRUE(fs_->NewWritableFile(path, FileOptions(), &file, nullptr).ok()) << path;
    ASSERT_TRUE(file->Append(durable, IOOptions(), nullptr).ok());
    ASSERT_TRUE(file->Sync(IOOptions(), nullptr).ok());
    ASSERT_TRUE(file->Append(unsynced, IOOptions(), nullptr).ok());
    ASSERT_TRUE(file->Close(IOOptions(), nullptr).ok());
  }

  std::unique_ptr<rocksdb::FSDirectory> OpenDir(const std::string& path) {
    std::unique_ptr<rocksdb::FSDirectory> directory;
    EXPECT_TRUE(fs_->NewDirectory(path, IOOptions(), &directory, nullptr).ok()) << path;
    return directory;
  }

  void SyncDir(const std::string& path) {
    ASSERT_TRUE(OpenDir(path)->Fsync(IOOptions(), nullptr).ok()) << path;
  }

  // Makes root/a.tmp holding f (its entry durable, "durable" synced, "-lost" not) and g (its
  // entry never synced), then renames a.tmp to a.
  void BuildAndRename() {
    ASSERT_TRUE(fs_->CreateDir(root_ + "/a.tmp", IOOptions(), nullptr).ok());
    Write(root_ + "/a.tmp/f", "durable", "-lost");
    SyncDir(root_ + "/a.tmp");
    Write(root_ + "/a.tmp/g", "g", "");
    ASSERT_TRUE(fs_->RenameFile(root_ + "/a.tmp", root_ + "/a", IOOptions(), nullptr).ok());
  }

  void LosePower() {
    fs_->CutPower();
    SCOPED_TRACE(fs_->SimulatePowerLoss(PowerLossFileSystem::Mode::kDropUnsynced, 1));
  }

  static std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return in ? text.str() : "<missing>";
  }
  static bool Exists(const std::string& path) { return std::filesystem::exists(path); }

  TempDir dir_;
  const std::string root_;
  std::shared_ptr<PowerLossFileSystem> fs_;
};

TEST_F(PowerLossFsRenameTest, ARenameTheParentNeverSyncedIsUndoneWithEverythingInIt) {
  BuildAndRename();
  LosePower();
  EXPECT_FALSE(Exists(root_ + "/a"));
  EXPECT_EQ(Read(root_ + "/a.tmp/f"), "durable") << "its unsynced tail is dropped";
  EXPECT_FALSE(Exists(root_ + "/a.tmp/g")) << "its entry was never synced";
}

TEST_F(PowerLossFsRenameTest, ADurableRenameKeepsTheFilesBookkeepingUnderTheNewName) {
  BuildAndRename();
  SyncDir(root_);
  LosePower();
  EXPECT_FALSE(Exists(root_ + "/a.tmp"));
  EXPECT_EQ(Read(root_ + "/a/f"), "durable") << "the file's durable size followed the rename";
  EXPECT_FALSE(Exists(root_ + "/a/g")) << "an entry the renamed directory never synced is lost";
}

TEST_F(PowerLossFsRenameTest, AHandleOpenedBeforeTheRenameSyncsTheDirectoryUnderItsNewName) {
  ASSERT_TRUE(fs_->CreateDir(root_ + "/a.tmp", IOOptions(), nullptr).ok());
  std::unique_ptr<rocksdb::FSDirectory> handle = OpenDir(root_ + "/a.tmp");
  Write(root_ + "/a.tmp/f", "f", "");
  ASSERT_TRUE(fs_->RenameFile(root_ + "/a.tmp", root_ + "/a", IOOptions(), nullptr).ok());
  Write(root_ + "/a/g", "g", "");
  ASSERT_TRUE(handle->Fsync(IOOptions(), nullptr).ok());
  handle.reset();
  SyncDir(root_);
  LosePower();
  EXPECT_EQ(Read(root_ + "/a/f"), "f");
  EXPECT_EQ(Read(root_ + "/a/g"), "g");
}

}  // namespace
}  // namespace ringdb
