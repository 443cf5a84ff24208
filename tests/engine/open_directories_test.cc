// Goal: Engine::Open never leaves RocksDB's CURRENT without the journal's directory beside it, so
// that the engine, the read-only view and the ringdb command agree on what is a database. Method:
// RocksDB's file system fails from its n-th operation on, for every n until an open succeeds.
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>

#include "test_util/engine_fixture.h"
#include "test_util/power_loss_fs.h"
#include "test_util/temp_dir.h"

namespace ringdb {
namespace {

TEST(OpenDirectoriesTest, AFailedFirstOpenNeverLeavesRocksDbWithoutTheJournal) {
  bool opened = false;
  for (uint64_t step = 0; !opened && step < 200; ++step) {
    SCOPED_TRACE("RocksDB's file system fails from operation " + std::to_string(step));
    TempDir dir;
    const std::string path = dir.path() + "/a/db";
    auto fs =
        std::make_shared<PowerLossFileSystem>(rocksdb::FileSystem::Default(), dir.path() + "/side");
    NoPauseAfterCutEnv rocksdb_env(rocksdb::NewCompositeEnv(fs), fs.get());
    Options options = SmallOptions();
    auto rocksdb_options = std::make_shared<rocksdb::Options>();
    rocksdb_options->env = &rocksdb_env;
    options.rocksdb_options = rocksdb_options;
    fs->CutPowerAt(step);
    std::unique_ptr<Engine> engine;
    const Status status = Engine::Open(options, path, &engine);
    opened = status.ok() && !fs->power_cut();
    if (engine != nullptr) {
      engine->Close().PermitUnchecked();
      engine.reset();
    }
    if (std::filesystem::exists(path + "/db/CURRENT")) {
      EXPECT_TRUE(std::filesystem::is_directory(path + "/journal")) << status.ToString();
    }
  }
  EXPECT_TRUE(opened) << "no open succeeded within 200 RocksDB operations";
}

}  // namespace
}  // namespace ringdb
