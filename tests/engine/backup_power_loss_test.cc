// Goal: a power cut at any step of Engine::Backup, or of ReadOnlyDatabase::Backup beside the live
// engine, leaves a directory that is either no database at
// all, one every open refuses as an unfinished backup, or the whole backup; never a database that
// opens with part of the data. Method: the journal on the fault-injecting Env and RocksDB on
// PowerLossFileSystem, both losing their power at the same instant. Each case writes acknowledged
// transactions, cuts the power at the n-th step of the backup, counted either in the journal's
// file layer or in RocksDB's (so that every step of the marker, the checkpoint, the journal copy,
// OPTIONS and the commit is reached), loses what no sync made durable, and opens the backup and
// the source on a restarted machine.
#include <cstdio>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>

#include "engine/backup_files.h"
#include "ringdb/read_only_database.h"
#include "test_util/engine_fixture.h"
#include "test_util/fault_injection_env.h"
#include "test_util/power_cut_env.h"
#include "test_util/power_loss_fs.h"
#include "test_util/temp_dir.h"

namespace ringdb {
namespace {

using Mode = FaultInjectionEnv::CrashMode;
constexpr Mode kModes[] = {Mode::kDropUnsynced, Mode::kKeepRandomPrefix,
                           Mode::kLoseUnsyncedEntries};
constexpr int kTransactions = 40;
constexpr uint64_t kStepsMax = 400;  // Far above either layer's steps in one backup.

std::string Key(int index) { return "key/" + std::to_string(1000 + index); }

// One boot of the machine: the journal's Env (shared across boots: it is the disk) behind a
// PowerCutEnv, and a fresh PowerLossFileSystem for RocksDB, cut together.
class Boot {
 public:
  Boot(FaultInjectionEnv* disk, const std::string& side_dir)
      : fs_(std::make_shared<PowerLossFileSystem>(rocksdb::FileSystem::Default(), side_dir)),
        rocksdb_env_(
            std::make_unique<NoPauseAfterCutEnv>(rocksdb::NewCompositeEnv(fs_), fs_.get())),
        env_(disk, 0, [this] { return fs_->power_cut(); }) {
    env_.OnCut([this] { fs_->CutPower(); });
  }

  Options OptionsFor() {
    Options options = SmallOptions();
    options.sync_mode = SyncMode::kFdatasync;
    options.env = &env_;
    options.create_if_missing = true;
    auto rocksdb_options = std::make_shared<rocksdb::Options>();
    rocksdb_options->env = rocksdb_env_.get();
    options.rocksdb_options = std::move(rocksdb_options);
    return options;
  }
  PowerCutEnv* env() { return &env_; }
  PowerLossFileSystem* fs() { return fs_.get(); }

 private:
  std::shared_ptr<PowerLossFileSystem> fs_;
  std::unique_ptr<rocksdb::Env> rocksdb_env_;
  PowerCutEnv env_;
};

enum class Outcome { kNoDatabase, kRefused, kWhole };

// Opens what the backup left and says which of the three allowed states it is in; a failure of
// the test for anything else.
Outcome Judge(Boot* boot, const std::string& backup) {
  Options options = boot->OptionsFor();
  options.create_if_missing = false;
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(options, backup, &engine);
  if (opened.IsNotFound()) {
    return Outcome::kNoDatabase;
  }
  if (opened.IsCorruption() &&
      opened.ToString().find(backup::kIncompleteMarker) != std::string::npos) {
    return Outcome::kRefused;
  }
  EXPECT_TRUE(opened.ok()) << "the backup opens neither whole nor refused: " << opened.ToString();
  if (!opened.ok()) {
    return Outcome::kRefused;
  }
  for (int index = 0; index < kTransactions; ++index) {
    std::string value;
    const Status read = engine->Get(Key(index), &value);
    EXPECT_TRUE(read.ok()) << "the backup lost " << Key(index) << ": " << read.ToString();
  }
  EXPECT_TRUE(engine->Close().ok());
  return Outcome::kWhole;
}

struct Sweep {
  int no_database = 0;
  int refused = 0;
  int whole = 0;
  bool completed = false;  // A cut past the backup's last step: it finished.
};

enum class Layer { kJournal, kRocksDb };
enum class Taker { kEngine, kReadOnlyView };

// Writes, backs up with the power cut at `step` of one layer, loses power, restarts, judges.
void RunCase(Layer layer, Taker taker, uint64_t step, Mode mode, Sweep* sweep) {
  const bool cut_in_rocksdb = layer == Layer::kRocksDb;
  TempDir dir;
  FaultInjectionEnv disk;
  const std::string source = dir.path() + "/source";
  const std::string backup = dir.path() + "/backups/b";
  Status backed_up;
  bool cut = false;
  {
    Boot boot(&disk, dir.path() + "/side1");
    std::unique_ptr<Engine> engine;
    ASSERT_TRUE(Engine::Open(boot.OptionsFor(), source, &engine).ok());
    for (int index = 0; index < kTransactions; ++index) {
      ASSERT_TRUE(engine->Put(Key(index), "value " + std::to_string(index)).ok());
    }
    std::unique_ptr<ReadOnlyDatabase> view;
    if (taker == Taker::kReadOnlyView) {
      const Status opened = ReadOnlyDatabase::Open(boot.OptionsFor(), source, &view);
      ASSERT_TRUE(opened.ok()) << opened.ToString();
    }
    if (cut_in_rocksdb) {
      boot.fs()->CutPowerAt(step);
    } else {
      boot.env()->Arm(step + 1);
    }
    backed_up = view != nullptr ? view->Backup(backup) : engine->Backup(backup);
    cut = boot.env()->cut() || boot.fs()->power_cut();
    if (view != nullptr) {
      view->Close().PermitUnchecked();
      view.reset();
    }
    // A finished backup loses the power right after; a cut one at the cut (both layers).
    disk.CutPower();
    boot.fs()->CutPower();
    engine->Close().PermitUnchecked();
    engine.reset();
    disk.SimulateCrash(mode, step);
    boot.fs()->SimulatePowerLoss(mode, step + 1);
  }
  Boot restarted(&disk, dir.path() + "/side2");
  if (!cut) {
    sweep->completed = true;
    EXPECT_TRUE(backed_up.ok()) << backed_up.ToString();
  } else {
    EXPECT_FALSE(backed_up.ok()) << "a backup cut at step " << step << " reported success";
  }
  switch (Judge(&restarted, backup)) {
    case Outcome::kNoDatabase:
      EXPECT_FALSE(backed_up.ok()) << "an acknowledged backup is gone";
      ++sweep->no_database;
      break;
    case Outcome::kRefused:
      EXPECT_FALSE(backed_up.ok()) << "an acknowledged backup is refused";
      ++sweep->refused;
      break;
    case Outcome::kWhole:
      ++sweep->whole;
      break;
  }
  // The source keeps every acknowledged transaction whatever the backup did.
  EXPECT_EQ(Judge(&restarted, source), Outcome::kWhole);
}

void RunSweep(Layer layer, Taker taker) {
  Sweep sweep;
  for (uint64_t step = 0; !sweep.completed && step < kStepsMax; ++step) {
    const Mode mode = kModes[step % 3];
    SCOPED_TRACE(std::string(taker == Taker::kEngine ? "Engine::Backup, " : "the view's Backup, ") +
                 (layer == Layer::kRocksDb ? "RocksDB's" : "the journal's") +
                 " file layer cut at step " + std::to_string(step) + ", crash mode " +
                 std::to_string(static_cast<int>(mode)));
    RunCase(layer, taker, step, mode, &sweep);
    if (::testing::Test::HasFailure()) {
      return;
    }
  }
  std::printf("cuts: %d left no database, %d a refused unfinished backup, %d a whole one\n",
              sweep.no_database, sweep.refused, sweep.whole);
  EXPECT_TRUE(sweep.completed) << "no backup finished within " << kStepsMax << " steps";
  EXPECT_GT(sweep.refused, 0) << "no cut left an unfinished backup: the sweep missed the copy";
  EXPECT_GT(sweep.whole, 0);
}

TEST(BackupPowerLossTest, ACutInTheJournalsFileLayerLeavesNothingARefusalOrTheWholeBackup) {
  RunSweep(Layer::kJournal, Taker::kEngine);
}

TEST(BackupPowerLossTest, ACutInRocksDbsFileLayerLeavesNothingARefusalOrTheWholeBackup) {
  RunSweep(Layer::kRocksDb, Taker::kEngine);
}

// The read-only view writes its backup's RocksDB itself (a fresh database holding the view's
// state) rather than through a checkpoint: a different sequence of files and renames to cut.
TEST(BackupPowerLossTest, AReadOnlyViewsBackupCutInTheJournalsFileLayerIsNothingRefusedOrWhole) {
  RunSweep(Layer::kJournal, Taker::kReadOnlyView);
}

TEST(BackupPowerLossTest, AReadOnlyViewsBackupCutInRocksDbsFileLayerIsNothingRefusedOrWhole) {
  RunSweep(Layer::kRocksDb, Taker::kReadOnlyView);
}

}  // namespace
}  // namespace ringdb
