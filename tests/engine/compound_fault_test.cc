// Goal: a crash followed, after a recovery and more acknowledged writes, by a power loss keeps
// every promise: every acknowledged transaction is whole, none is partly present, no key exists
// that was never published, what a recovery once showed stays, and the state is what a replay of
// the journal gives. The first recovery runs on the page cache the dead process left: bytes and
// directory entries written but never synced are readable, and a power loss can still take them
// away. A recovery that builds on them (replays them into RocksDB, appends after them, names them
// in a new segment's header) loses what it acknowledged afterwards, or cannot open at all.
//
// Method: the journal runs on the fault-injecting in-memory Env and RocksDB on a real temporary
// directory through PowerLossFileSystem, and both model the page cache and the device apart
// across process restarts (fault_injection_env.h, power_loss_fs.h). Each cycle:
//   1. the fault: four producers pipeline the self-verifying transactions of
//      test_util/verified_workload.h until the n-th hit of a named crash point (util/crash_point.h)
//      runs an in-process action instead of SIGKILL, which freezes both file layers at that
//      instant (nothing after it reaches the cache or the device, as after a kill -9 there); or
//      until the n-th journal sync fails, its dirty pages kept dirty or lost (marked clean
//      unwritten, as ext4 does), after which the first failed token freezes the layers. For
//      recovery.replay, a workload is frozen after some acknowledgements and the next open is
//      frozen mid-replay;
//   2. the engine is destroyed (it meets errors), the process crash is simulated on both layers
//      (unsynced bytes and directory changes stay pending), and the engine reopens on the same
//      layers: it must open and pass the checks;
//   3. more transactions are acknowledged, then the power is cut: unsynced bytes dropped, a
//      random prefix of them kept, or every byte kept but unsynced directory entries lost (the
//      cycles go through the three);
//   4. the engine reopens on fresh layers and must open and pass the checks; its state must equal
//      a replay of a copy of its journal into an empty database (when no segment was retired) and
//      the state a second recovery reaches after another power loss.
// The cases that fail while recovery builds on unsynced bytes run apart, as the CTest test
// engine_compound_fault_test (tests/engine/CMakeLists.txt lists them); the others run one by one.
// RINGDB_COMPOUND_FAULT_CYCLES sets the cycles per case (default 3, one per kind of power loss;
// 1 under ThreadSanitizer); RINGDB_TEST_SEED replays a run's choices (thread timing varies).
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "test_util/digest.h"
#include "test_util/engine_fixture.h"
#include "test_util/fault_injection_env.h"
#include "test_util/power_loss_fs.h"
#include "test_util/seed.h"
#include "test_util/verified_workload.h"
#include "util/crash_point.h"

namespace ringdb {
namespace {

using Mode = FaultInjectionEnv::CrashMode;
using SyncFailure = FaultInjectionEnv::SyncFailure;
using workload::Ledger;
using workload::VerifyResult;

constexpr int kProducers = 4;
constexpr size_t kTokensInFlightMax = 16;  // Per producer: keeps groups of several transactions.
constexpr Mode kPowerLosses[] = {Mode::kDropUnsynced, Mode::kKeepRandomPrefix,
                                 Mode::kLoseUnsyncedEntries};

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kDropUnsynced:
      return "drop-unsynced";
    case Mode::kKeepRandomPrefix:
      return "keep-random-prefix";
    case Mode::kProcessCrash:
      return "process-crash";
    case Mode::kLoseUnsyncedEntries:
      return "lose-unsynced-entries";
  }
  return "?";
}

enum class Fault : uint8_t {
  kCrashPoint,  // The n-th hit of `point` while the workload runs.
  kFailedSync,  // The n-th sync of a journal segment fails.
  kMidReplay,   // The n-th hit of recovery.replay while the engine opens after a crash.
};

struct Case {
  const char* name;
  Fault fault;
  const char* point;
  uint64_t hit_min;  // The fault comes at a hit (or sync) in [hit_min, hit_max].
  uint64_t hit_max;
  SyncFailure sync_failure;
  bool checkpoints;  // A checkpoint every MiB of journal, which retires segments.
};

// Segments are 1 MiB (the smallest allowed) and a transaction's record about 150 bytes, so a new
// segment, or a checkpoint, comes every ~7000 transactions; the first hit of
// journal.segment_before_dir_sync is the first group after an open. A group (a journal sync, an
// apply batch) holds up to ~60 transactions, so kPerProducerMax leaves room for 300 of them.
constexpr Case kCases[] = {
    {"journal_before_sync", Fault::kCrashPoint, "journal.before_sync", 5, 300,
     SyncFailure::kPagesStayDirty, false},
    {"journal_after_sync", Fault::kCrashPoint, "journal.after_sync", 5, 300,
     SyncFailure::kPagesStayDirty, false},
    {"journal_segment_before_dir_sync", Fault::kCrashPoint, "journal.segment_before_dir_sync", 1, 2,
     SyncFailure::kPagesStayDirty, false},
    {"apply_after_write", Fault::kCrashPoint, "apply.after_write", 5, 300,
     SyncFailure::kPagesStayDirty, false},
    {"checkpoint_before_retire", Fault::kCrashPoint, "checkpoint.before_retire", 1, 2,
     SyncFailure::kPagesStayDirty, true},
    {"recovery_replay", Fault::kMidReplay, "recovery.replay", 1, 300, SyncFailure::kPagesStayDirty,
     false},
    {"failed_sync_pages_stay_dirty", Fault::kFailedSync, nullptr, 5, 300,
     SyncFailure::kPagesStayDirty, false},
    {"failed_sync_pages_lost", Fault::kFailedSync, nullptr, 5, 300, SyncFailure::kPagesLost, false},
};

// Transactions per producer in one run at most: a fault that never comes ends in a failure.
constexpr uint64_t kPerProducerMax = 6000;

int CyclesPerCase() {
  if (const char* text = std::getenv("RINGDB_COMPOUND_FAULT_CYCLES"); text != nullptr) {
    return std::max(1, std::atoi(text));
  }
#if defined(__SANITIZE_THREAD__)
  return 1;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
  return 1;
#endif
#endif
  return 3;
}

std::shared_ptr<spdlog::logger> QuietLogger() {
  // Errors only: each freeze makes the dying engine warn of its failed flush, syncs and retirement.
  auto logger = std::make_shared<spdlog::logger>("ringdb-compound-fault",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::level::err);
  return logger;
}

// The machine: the in-memory journal Env and the power-losing RocksDB file system, which live
// across process crashes; a power loss spends the file system, and a fresh one takes over.
class Machine {
 public:
  Machine(std::string side_dir, const Case& test_case)
      : side_dir_(std::move(side_dir)), test_case_(test_case) {
    NewFileSystem();
  }
  ~Machine() { rocksdb_env_.reset(); }

  Options OptionsFor(const std::shared_ptr<spdlog::logger>& logger) {
    Options options = SmallOptions();
    options.sync_mode = SyncMode::kFdatasync;
    options.journal_segment_bytes_max = 1 << 20;
    if (test_case_.checkpoints) {
      options.checkpoint_journal_bytes = 1 << 20;
    } else {
      options.journal_retention_transactions = uint64_t{1} << 40;  // The whole journal stays.
    }
    options.env = &journal_env_;
    options.logger = logger;
    auto rocksdb_options = std::make_shared<rocksdb::Options>();
    rocksdb_options->env = rocksdb_env_.get();
    if (test_case_.fault != Fault::kMidReplay) {
      // Small memtables and levels: RocksDB flushes and compacts on its own, deleting files.
      rocksdb_options->write_buffer_size = 256 << 10;
      rocksdb_options->level0_file_num_compaction_trigger = 2;
      rocksdb_options->target_file_size_base = 256 << 10;
      rocksdb_options->max_bytes_for_level_base = 1 << 20;
    }  // Else large ones: nothing is flushed, every transaction is replayed on the next open.
    rocksdb_options->keep_log_file_num = 2;
    options.rocksdb_options = std::move(rocksdb_options);
    return options;
  }

  // The instant of the crash or the power loss: nothing after it reaches either layer.
  void Freeze() {
    journal_env_.CutPower();
    fs_->CutPower();
  }
  // Every file of the dead process is closed (the engine destroyed).
  std::string ProcessCrash() {
    journal_env_.SimulateCrash(Mode::kProcessCrash, 0);
    return fs_->SimulateProcessCrash();
  }
  std::string PowerLoss(Mode mode, uint64_t seed) {
    journal_env_.SimulateCrash(mode, seed);
    std::string report = fs_->SimulatePowerLoss(mode, seed + 1);
    NewFileSystem();
    return report;
  }
  FaultInjectionEnv* journal_env() { return &journal_env_; }

 private:
  void NewFileSystem() {
    rocksdb_env_.reset();
    fs_.reset();  // Before its successor: it removes the side directory they share.
    fs_ = std::make_shared<PowerLossFileSystem>(rocksdb::FileSystem::Default(), side_dir_);
    rocksdb_env_ = std::make_unique<NoPauseAfterCutEnv>(rocksdb::NewCompositeEnv(fs_), fs_.get());
  }

  const std::string side_dir_;
  const Case& test_case_;
  FaultInjectionEnv journal_env_;
  std::shared_ptr<PowerLossFileSystem> fs_;
  std::unique_ptr<rocksdb::Env> rocksdb_env_;
};

// One run of the producers. The machine freezes at the fault: a crash point's action, the first
// failed token (a failed sync), or the freeze_after-th acknowledgement.
struct ProducerRun {
  Engine* engine = nullptr;
  Machine* machine = nullptr;
  uint64_t round = 0;
  uint64_t freeze_after = 0;       // Acknowledgements; 0: not counted.
  bool freeze_on_failure = false;  // A failed token is the fault, not a violation.
  std::atomic<uint64_t> acknowledged{0};
  std::atomic<bool> frozen{false};

  void Freeze() {
    if (!frozen.exchange(true)) {  // Before the layers: a failure seen unfrozen is unexpected.
      machine->Freeze();
    }
  }
};

struct ProducerLog {
  std::vector<uint64_t> submitted;
  std::vector<uint64_t> ok;
  std::vector<uint64_t> conflicted;
  uint64_t unexpected = 0;
};

void Settle(ProducerRun* run, uint64_t id, const Status& status, ProducerLog* log) {
  if (status.ok() || status.IsConflict()) {
    (status.ok() ? log->ok : log->conflicted).push_back(id);
    log->unexpected += workload::OutcomeFits(id, status.ok()) ? 0 : 1;
    if (status.ok() && run->acknowledged.fetch_add(1) + 1 == run->freeze_after) {
      run->Freeze();
    }
    return;
  }
  if (status.IsUnknown()) {
    return;  // A later failure in the ring took its entry: in flight.
  }
  if (!run->frozen.load() && run->freeze_on_failure) {
    run->Freeze();
  } else if (!run->frozen.load()) {
    ADD_FAILURE() << "transaction " << id << " failed before the fault: " << status.ToString();
    ++log->unexpected;
  }
}

void Produce(ProducerRun* run, uint64_t producer, ProducerLog* log) {
  std::deque<std::pair<uint64_t, Token>> tokens;
  bool failed = false;
  for (uint64_t index = 0; index < kPerProducerMax && !run->frozen.load() && !failed; ++index) {
    const uint64_t id = workload::IdOf(run->round, producer, index);
    log->submitted.push_back(id);
    tokens.emplace_back(id, run->engine->Submit(workload::BatchOf(id)));
    if (tokens.size() == kTokensInFlightMax) {
      const Status status = tokens.front().second.Wait();
      failed = !status.ok() && !status.IsConflict();
      Settle(run, tokens.front().first, status, log);
      tokens.pop_front();
    }
  }
  for (auto& [id, token] : tokens) {
    Settle(run, id, token.Wait(), log);
  }
}

// What one cycle saw, printed so that a failing run can be read.
struct CycleFigures {
  uint64_t hit = 0;
  uint64_t acknowledged_before_fault = 0;
  uint64_t acknowledged_after_crash = 0;
  uint64_t journal_unsynced_bytes = 0;  // Left by the dead process, for the power loss to take.
  uint64_t journal_lost_bytes = 0;      // Readable, never to be written (a failed sync).
  uint64_t replayed_after_crash = 0;
  uint64_t replayed_after_power_loss = 0;
  VerifyResult after_crash;
  VerifyResult after_power_loss;
  bool replay_compared = false;
  std::string crash_report;
  std::string loss_report;
};

class CompoundFaultTest : public ::testing::TestWithParam<size_t> {
 protected:
  const Case& test_case() const { return kCases[GetParam()]; }
  std::string Where() const {
    return std::string(test_case().name) + ", cycle " + std::to_string(cycle_) + ", seed " +
           std::to_string(seed_) + " (RINGDB_TEST_SEED=" + std::to_string(seed_) + ")";
  }
  Status Open(std::unique_ptr<Engine>* engine) {
    return Engine::Open(machine_.OptionsFor(logger_), dir_.path(), engine);
  }
  void ProduceUntilFrozen(ProducerRun* run);
  void InjectFault(std::unique_ptr<Engine>* engine, CycleFigures* figures);
  void FaultMidReplay(std::unique_ptr<Engine>* engine, CycleFigures* figures);
  void CrashAndReopen(std::unique_ptr<Engine>* engine, CycleFigures* figures);
  void WriteThenLosePower(std::unique_ptr<Engine>* engine, Mode mode, CycleFigures* figures);
  void CheckAgainstReplay(Engine* engine, CycleFigures* figures);
  void CheckSecondRecovery(std::unique_ptr<Engine>* engine);
  void RunCycle(std::unique_ptr<Engine>* engine, Mode mode);
  void Print(Mode mode, const CycleFigures& figures) const;

  uint64_t seed_ = TestSeed();
  std::mt19937_64 random_{seed_};
  int cycle_ = 0;
  TempDir dir_;
  Machine machine_{dir_.path() + "-side", kCases[GetParam()]};
  std::shared_ptr<spdlog::logger> logger_ = QuietLogger();
  Ledger ledger_;
};

// Runs the producers on run->engine until the machine is frozen (or the workload ends) and adds
// what they saw to the ledger.
void CompoundFaultTest::ProduceUntilFrozen(ProducerRun* run) {
  std::vector<ProducerLog> logs(kProducers);
  std::vector<std::thread> producers;
  for (uint64_t producer = 0; producer < kProducers; ++producer) {
    producers.emplace_back(Produce, run, producer, &logs[producer]);
  }
  for (std::thread& producer : producers) {
    producer.join();
  }
  for (const ProducerLog& log : logs) {
    EXPECT_EQ(log.unexpected, 0u) << Where();
    ledger_.submitted.insert(log.submitted.begin(), log.submitted.end());
    ledger_.present.insert(log.ok.begin(), log.ok.end());
    ledger_.absent.insert(log.conflicted.begin(), log.conflicted.end());
  }
}

// Step 1: the workload until the fault; then the engine is destroyed on the frozen machine.
void CompoundFaultTest::InjectFault(std::unique_ptr<Engine>* engine, CycleFigures* figures) {
  if (test_case().fault == Fault::kMidReplay) {
    FaultMidReplay(engine, figures);
    return;
  }
  const Case& c = test_case();
  figures->hit = c.hit_min + random_() % (c.hit_max - c.hit_min + 1);
  ProducerRun run{.engine = engine->get(), .machine = &machine_, .round = uint64_t(cycle_) * 2};
  if (c.fault == Fault::kCrashPoint) {
    internal::SetCrashPointActionForTest(c.point, figures->hit, [&run] { run.Freeze(); });
  } else {
    machine_.journal_env()->SetFaultScope(".journal");  // Segments, not pool files.
    machine_.journal_env()->FailSync(figures->hit, false /*sticky*/, c.sync_failure);
    run.freeze_on_failure = true;
  }
  ProduceUntilFrozen(&run);
  engine->reset();
  const uint64_t hits =
      c.fault == Fault::kCrashPoint ? internal::ClearCrashPointActionForTest() : figures->hit;
  machine_.journal_env()->ClearFaults();
  figures->acknowledged_before_fault = run.acknowledged.load();
  ASSERT_TRUE(run.frozen.load()) << "the fault never came (" << hits << " hits of the point, "
                                 << figures->hit << " wanted): " << Where();
}

// Step 1 for recovery.replay: a workload frozen after some acknowledgements, a process crash,
// then an open frozen at the n-th replayed transaction.
void CompoundFaultTest::FaultMidReplay(std::unique_ptr<Engine>* engine, CycleFigures* figures) {
  const Case& c = test_case();
  ProducerRun run{.engine = engine->get(),
                  .machine = &machine_,
                  .round = uint64_t(cycle_) * 2,
                  .freeze_after = c.hit_max + random_() % 500};
  ProduceUntilFrozen(&run);
  engine->reset();
  figures->acknowledged_before_fault = run.acknowledged.load();
  ASSERT_TRUE(run.frozen.load()) << Where();
  machine_.ProcessCrash();
  figures->hit = c.hit_min + random_() % (c.hit_max - c.hit_min + 1);
  ProducerRun replay{.machine = &machine_};
  internal::SetCrashPointActionForTest(c.point, figures->hit, [&replay] { replay.Freeze(); });
  Open(engine).PermitUnchecked();  // Frozen mid-replay, it may fail or open; either way it dies.
  engine->reset();
  const uint64_t hits = internal::ClearCrashPointActionForTest();
  ASSERT_TRUE(replay.frozen.load()) << "recovery replayed " << hits << " transactions, fewer than "
                                    << figures->hit << ": " << Where();
}

// Step 2: the process crash, and a reopen on the page cache it left.
void CompoundFaultTest::CrashAndReopen(std::unique_ptr<Engine>* engine, CycleFigures* figures) {
  figures->crash_report = machine_.ProcessCrash();
  figures->journal_unsynced_bytes = machine_.journal_env()->unsynced_bytes();
  figures->journal_lost_bytes = machine_.journal_env()->lost_bytes();
  const Status status = Open(engine);
  ASSERT_TRUE(status.ok()) << "reopening after the process crash: " << status.ToString() << "; "
                           << Where() << "; RocksDB pending:" << figures->crash_report;
  figures->replayed_after_crash = (*engine)->recovery().transactions_replayed;
  figures->after_crash = workload::Verify(engine->get(), &ledger_);
  ASSERT_EQ(figures->after_crash.violations, 0u) << "after the process crash: " << Where();
}

// Step 3: acknowledged writes on the recovered engine, then the power loss.
void CompoundFaultTest::WriteThenLosePower(std::unique_ptr<Engine>* engine, Mode mode,
                                           CycleFigures* figures) {
  ProducerRun run{.engine = engine->get(),
                  .machine = &machine_,
                  .round = uint64_t(cycle_) * 2 + 1,
                  .freeze_after = 50 + random_() % 1500};
  ProduceUntilFrozen(&run);
  engine->reset();
  figures->acknowledged_after_crash = run.acknowledged.load();
  ASSERT_TRUE(run.frozen.load()) << "every producer stopped before the power cut: " << Where();
  figures->loss_report = std::string(ModeName(mode)) + ":" + machine_.PowerLoss(mode, random_());
}

// The recovered state must be what the journal alone gives: a copy of it, replayed into an
// empty database.
void CompoundFaultTest::CheckAgainstReplay(Engine* engine, CycleFigures* figures) {
  const EngineInfo info = engine->Info();
  if (info.segments.empty() || info.segments.front().first_sequence != 1) {
    return;  // Segments were retired: the journal alone no longer holds the whole state.
  }
  TempDir copy;
  FaultInjectionEnv copy_env;
  const std::string journal_dir = dir_.path() + "/journal";
  ASSERT_TRUE(copy_env.CreateDir(copy.path() + "/journal").ok());
  auto names = machine_.journal_env()->ListDir(journal_dir);
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  for (const std::string& name : *names) {
    auto bytes = machine_.journal_env()->ReadAll(journal_dir + "/" + name);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    copy_env.WriteAll(copy.path() + "/journal/" + name, std::move(*bytes));
  }
  Options options = SmallOptions();
  options.env = &copy_env;
  options.logger = logger_;
  options.journal_retention_transactions = uint64_t{1} << 40;
  std::unique_ptr<Engine> replayed;
  const Status status = Engine::Open(options, copy.path(), &replayed);
  ASSERT_TRUE(status.ok()) << "replaying a copy of the journal: " << status.ToString() << "; "
                           << Where();
  EXPECT_EQ(DigestOf(replayed.get()), DigestOf(engine))
      << "the recovered state differs from a replay of its journal: " << Where();
  figures->replay_compared = true;
}

// A second power loss before anything new is written: the next recovery starts over from the
// same durable files and must reach the same state.
void CompoundFaultTest::CheckSecondRecovery(std::unique_ptr<Engine>* engine) {
  const StateDigest recovered = DigestOf(engine->get());
  machine_.Freeze();
  engine->reset();
  const Mode mode = kPowerLosses[random_() % 3];
  const std::string report = machine_.PowerLoss(mode, random_());
  const Status status = Open(engine);
  ASSERT_TRUE(status.ok()) << "reopening after a second power loss: " << status.ToString() << "; "
                           << Where();
  ASSERT_EQ(DigestOf(engine->get()), recovered)
      << "a second recovery reached another state: " << Where() << "; lost " << ModeName(mode)
      << ":" << report;
}

void CompoundFaultTest::RunCycle(std::unique_ptr<Engine>* engine, Mode mode) {
  CycleFigures figures;
  ASSERT_NO_FATAL_FAILURE(InjectFault(engine, &figures));
  ASSERT_NO_FATAL_FAILURE(CrashAndReopen(engine, &figures));
  ASSERT_NO_FATAL_FAILURE(WriteThenLosePower(engine, mode, &figures));
  // Step 4: the database must open after the power loss and keep every promise.
  const Status status = Open(engine);
  ASSERT_TRUE(status.ok()) << "reopening after the power loss: " << status.ToString() << "; "
                           << Where() << "; lost " << figures.loss_report;
  figures.replayed_after_power_loss = (*engine)->recovery().transactions_replayed;
  figures.after_power_loss = workload::Verify(engine->get(), &ledger_);
  ASSERT_EQ(figures.after_power_loss.violations, 0u)
      << "after the power loss: " << Where() << "; lost " << figures.loss_report;
  ASSERT_NO_FATAL_FAILURE(CheckAgainstReplay(engine->get(), &figures));
  ASSERT_NO_FATAL_FAILURE(CheckSecondRecovery(engine));
  Print(mode, figures);
}

void CompoundFaultTest::Print(Mode mode, const CycleFigures& figures) const {
  const auto u = [](uint64_t value) { return static_cast<unsigned long long>(value); };
  std::printf(
      "%s cycle %d: fault at %llu, %llu acknowledged before it; process crash left %llu unsynced "
      "and %llu lost journal bytes, %llu replayed on reopen, in flight %llu whole / %llu absent; "
      "%llu acknowledged after; power loss %s: %llu replayed, %llu present and %llu absent "
      "verified, in flight %llu whole / %llu absent, 0 violations; replay of the journal %s; "
      "seed %llu\n",
      test_case().name, cycle_, u(figures.hit), u(figures.acknowledged_before_fault),
      u(figures.journal_unsynced_bytes), u(figures.journal_lost_bytes),
      u(figures.replayed_after_crash), u(figures.after_crash.in_flight_whole),
      u(figures.after_crash.in_flight_absent), u(figures.acknowledged_after_crash), ModeName(mode),
      u(figures.replayed_after_power_loss), u(figures.after_power_loss.present_verified),
      u(figures.after_power_loss.absent_verified), u(figures.after_power_loss.in_flight_whole),
      u(figures.after_power_loss.in_flight_absent),
      figures.replay_compared ? "equal" : "not compared (segments retired)", u(seed_));
  std::fflush(stdout);
}

TEST_P(CompoundFaultTest, CrashReopenWritePowerLossKeepsEveryPromise) {
  std::unique_ptr<Engine> engine;
  const Status status = Open(&engine);
  ASSERT_TRUE(status.ok()) << status.ToString();
  // Every kind of power loss in turn, from a seeded start.
  const size_t first_mode = random_() % 3;
  const int cycles = CyclesPerCase();
  for (cycle_ = 0; cycle_ < cycles; ++cycle_) {
    ASSERT_NO_FATAL_FAILURE(RunCycle(&engine, kPowerLosses[(first_mode + cycle_) % 3]));
  }
  EXPECT_TRUE(engine->Close().ok());
}

std::string CaseName(const ::testing::TestParamInfo<size_t>& info) {
  return kCases[info.param].name;
}

INSTANTIATE_TEST_SUITE_P(Cases, CompoundFaultTest, ::testing::Range<size_t>(0, std::size(kCases)),
                         CaseName);

// The RocksDB side of the model on its own: a process crash keeps unsynced bytes pending.
TEST(PowerLossFileSystemTest, AProcessCrashKeepsUnsyncedBytesForALaterPowerLoss) {
  TempDir dir;
  PowerLossFileSystem fs(rocksdb::FileSystem::Default(), dir.path() + "-side");
  const std::string path = dir.path() + "/file";
  const rocksdb::IOOptions io;
  std::unique_ptr<rocksdb::FSWritableFile> file;
  ASSERT_TRUE(fs.NewWritableFile(path, rocksdb::FileOptions(), &file, nullptr).ok());
  std::unique_ptr<rocksdb::FSDirectory> directory;
  ASSERT_TRUE(fs.NewDirectory(dir.path(), io, &directory, nullptr).ok());
  ASSERT_TRUE(directory->Fsync(io, nullptr).ok());  // The file's entry is durable.
  ASSERT_TRUE(file->Append("synced", io, nullptr).ok());
  ASSERT_TRUE(file->Sync(io, nullptr).ok());
  ASSERT_TRUE(file->Append("+dirty", io, nullptr).ok());
  ASSERT_TRUE(file->Close(io, nullptr).ok());
  file.reset();
  const std::string report = fs.SimulateProcessCrash();
  EXPECT_NE(report.find("unsynced"), std::string::npos) << report;
  EXPECT_EQ(std::filesystem::file_size(path), 12u) << "the page cache outlives the process";
  ASSERT_TRUE(fs.ReopenWritableFile(path, rocksdb::FileOptions(), &file, nullptr).ok());
  ASSERT_TRUE(file->Append("+after", io, nullptr).ok());
  ASSERT_TRUE(file->Close(io, nullptr).ok());
  file.reset();
  fs.CutPower();
  fs.SimulatePowerLoss(Mode::kDropUnsynced, 0);
  std::string bytes(64, '\0');
  std::FILE* in = std::fopen(path.c_str(), "rb");
  ASSERT_NE(in, nullptr) << path;
  bytes.resize(std::fread(bytes.data(), 1, bytes.size(), in));
  std::fclose(in);
  EXPECT_EQ(bytes, "synced") << "a process crash made unsynced bytes durable";
}

}  // namespace
}  // namespace ringdb
