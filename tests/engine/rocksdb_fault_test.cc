// Goal: when RocksDB's file system starts failing (a dying disk, a full one, a yanked device), the
// transactions whose RocksDB write fails get an IOError, no acknowledged transaction is lost, the
// engine refuses writes soon after (Info().writable false, Submit fails without waiting), reads
// and Close still work, nothing hangs, and a reopen on a healthy file system finds every
// acknowledged transaction and every other one whole or absent (the journal holds them; replay
// decides).
//
// Method: the journal runs on the in-memory fault-injecting Env, never failing; RocksDB runs on a
// real temporary directory through PowerLossFileSystem, whose cut makes every later write, sync,
// creation, rename and deletion fail. The checkpoint threshold is the smallest allowed and the
// memtables small (RocksDB flushes and compacts on its own) or large (only checkpoints flush),
// so that flushes run throughout and meet the failure. Three loops, SQLite-style:
//   - the n-th RocksDB file-system operation fails, and every one after it, for n spread over the
//     operations a fault-free run of the workload makes (measured first, by that run);
//   - the file system fails from the moment a chosen number of transactions is acknowledged;
//   - the workload runs without a fault and the n-th operation of Close fails, and every one
//     after it, for n spread over the operations a fault-free Close makes.
// All three run with small memtables, with large ones, and with small ones on a disk that fills
// up instead of dying (appends fail with ENOSPC, the rest goes on; the error must say so).
// Two producers pipeline the self-verifying transactions of test_util/verified_workload.h until a
// token fails, then the faulted engine is checked (refuses writes at once, reads, whole live
// state) and closed. A Close that returns OK is followed by a power loss that keeps only what
// RocksDB synced, after which RocksDB alone must hold every transaction (its journal is retired).
// The process is taken to die there: a first reopen runs on a disk failing again during recovery
// (it may fail, must return), then one on the same directory with RocksDB's default file system,
// whose files keep every byte written before the failure. Every wait is bounded: tokens by WaitFor,
// Close and the rest by a watchdog that aborts the run naming the step that hung. RINGDB_TEST_SEED
// replays a run's choices (thread timing varies).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "ringdb/read_only_database.h"
#include "test_util/engine_fixture.h"
#include "test_util/fault_injection_env.h"
#include "test_util/power_loss_fs.h"
#include "test_util/seed.h"
#include "test_util/verified_workload.h"

namespace ringdb {
namespace {

using workload::Ledger;
using workload::VerifyResult;

constexpr uint64_t kProducers = 2;
constexpr size_t kTokensInFlightMax = 16;  // Per producer: keeps groups of several transactions.
// Transactions a case submits when no fault comes (the calibration run, a late n).
constexpr uint64_t kWorkloadTransactions = 3000;
// Acknowledgements allowed once the file system has failed. Without its WAL RocksDB takes writes
// into memtables until a flush fails: with small memtables RocksDB's own flush comes within about
// 150 of these transactions, with large ones the checkpoint's within 1 MiB of journal (about
// 2000, twice that if a request comes while a checkpoint is running). Past three times that the
// engine is taken to accept writes forever.
constexpr uint64_t kAcknowledgedAfterFaultMax = 6000;
constexpr int kOperationCases = 10;  // Per memtable size.
constexpr uint64_t kAcknowledgedCuts[] = {1, 40, 150, 400, 900, 1400, 1900};
// Cases whose workload runs without a fault and whose file system fails during Close, from an
// operation spread over those a fault-free Close makes (measured by the fault-free run).
constexpr int kCloseCases = 4;  // Per memtable size.
// RocksDB file operations a recovery on a failing disk may make before it fails: opening RocksDB
// takes about 20 (MANIFEST, OPTIONS, CURRENT, directory syncs), replay's flushes the rest.
constexpr uint64_t kRecoveryOperationsMax = 60;
// Bounds of every wait: far above what a loaded machine under a sanitizer needs.
constexpr auto kTokenDeadline = std::chrono::seconds(60);
constexpr auto kStepDeadline = std::chrono::seconds(120);

// Aborts the process when a step does not finish in time, naming it: a hang fails the test
// instead of stalling it.
class Watchdog {
 public:
  explicit Watchdog(uint64_t seed) : seed_(seed), thread_([this] { Run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  void Step(std::string step) {
    std::lock_guard<std::mutex> lock(mutex_);
    step_ = std::move(step);
    deadline_ = std::chrono::steady_clock::now() + kStepDeadline;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!done_) {
      wake_.wait_until(lock, deadline_);
      if (!done_ && std::chrono::steady_clock::now() >= deadline_) {
        std::fprintf(stderr, "hung: '%s' did not finish within %lld s (seed %llu)\n", step_.c_str(),
                     static_cast<long long>(kStepDeadline.count()),
                     static_cast<unsigned long long>(seed_));
        std::abort();
      }
    }
  }

  const uint64_t seed_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::string step_ = "start";
  std::chrono::steady_clock::time_point deadline_ =
      std::chrono::steady_clock::now() + kStepDeadline;
  std::thread thread_;  // Last: starts once the rest is initialized.
};

// RocksDB's informational log, discarded: written through the file system, it would take a share
// of the operations the loop counts, at moments no run repeats.
class DiscardingLogger final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char* /*format*/, va_list /*arguments*/) override {}
};

// small_memtables: RocksDB flushes about every 150 transactions on its own, and compacts;
// otherwise only the engine's checkpoints flush (about every 2000), so that they meet the fault.
Options EngineOptions(FaultInjectionEnv* journal_env, rocksdb::Env* rocksdb_env,
                      bool small_memtables) {
  Options options = SmallOptions();
  options.sync_mode = SyncMode::kFdatasync;
  options.checkpoint_journal_bytes = 1 << 20;  // The smallest allowed.
  options.journal_segment_bytes_max = 1 << 20;
  options.env = journal_env;
  // Critical only: every case makes the engine log its fault and the failed flushes.
  auto logger = std::make_shared<spdlog::logger>("ringdb-rocksdb-fault",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::level::critical);
  options.logger = std::move(logger);
  auto rocksdb_options = std::make_shared<rocksdb::Options>();
  rocksdb_options->env = rocksdb_env;
  rocksdb_options->info_log = std::make_shared<DiscardingLogger>();
  if (small_memtables) {
    rocksdb_options->write_buffer_size = 64 << 10;
    rocksdb_options->level0_file_num_compaction_trigger = 2;
    rocksdb_options->target_file_size_base = 64 << 10;
    rocksdb_options->max_bytes_for_level_base = 256 << 10;
  } else {
    rocksdb_options->write_buffer_size = 16 << 20;
  }
  options.rocksdb_options = std::move(rocksdb_options);
  return options;
}

// How a case injects its fault.
struct Fault {
  enum class Kind : uint8_t { kNone, kAtOperation, kAfterAcknowledged, kInClose };
  Kind kind = Kind::kNone;
  uint64_t n = 0;
  std::string Describe() const {
    switch (kind) {
      case Kind::kNone:
        return "no fault";
      case Kind::kAtOperation:
        return "fail from RocksDB file operation " + std::to_string(n + 1);
      case Kind::kAfterAcknowledged:
        return "fail after " + std::to_string(n) + " acknowledged";
      case Kind::kInClose:
        return "fail from RocksDB file operation " + std::to_string(n + 1) + " of Close";
    }
    return "?";
  }
};

// What one producer saw.
struct ProducerLog {
  std::vector<uint64_t> submitted;
  std::vector<uint64_t> ok;
  std::vector<uint64_t> conflicted;
  uint64_t failed = 0;
  uint64_t unknown = 0;
  uint64_t unexpected = 0;
};

struct RunState {
  Engine* engine;
  PowerLossFileSystem* fs;
  Fault fault;
  std::atomic<uint64_t> submitted{0};
  std::atomic<uint64_t> acknowledged{0};
  std::atomic<uint64_t> acknowledged_after_fault{0};
  std::atomic<bool> failure_seen{false};
  std::atomic<bool> hung{false};
  bool full_disk = false;
};

std::string Joined(const std::vector<std::string>& parts) {
  std::string joined;
  for (const std::string& part : parts) {
    joined += (joined.empty() ? "" : ", ") + part;
  }
  return joined;
}

bool Stopped(const RunState& run) {
  return run.failure_seen.load() || run.hung.load() ||
         run.acknowledged_after_fault.load() > kAcknowledgedAfterFaultMax;
}

void Settle(RunState* run, uint64_t id, const Status& status, ProducerLog* log) {
  if (status.IsTimedOut()) {
    ADD_FAILURE() << "hung: transaction " << id << " unresolved after " << kTokenDeadline.count()
                  << " s";
    run->hung.store(true);
    ++log->unexpected;
    return;
  }
  if (status.ok()) {
    log->ok.push_back(id);
    log->unexpected += workload::OutcomeFits(id, true) ? 0 : 1;
    if (run->fs->power_cut()) {
      run->acknowledged_after_fault.fetch_add(1);
    }
    const uint64_t acknowledged = run->acknowledged.fetch_add(1) + 1;
    if (run->fault.kind == Fault::Kind::kAfterAcknowledged && acknowledged == run->fault.n) {
      run->fs->CutPower();
    }
    return;
  }
  if (status.IsConflict()) {
    log->conflicted.push_back(id);
    log->unexpected += workload::OutcomeFits(id, false) ? 0 : 1;
    return;
  }
  if (status.IsUnknown()) {
    ++log->unknown;  // A later failure in the ring took its entry: as in flight.
    return;
  }
  ++log->failed;
  run->failure_seen.store(true);
  if (!status.IsIOError()) {
    ADD_FAILURE() << "transaction " << id << " failed with " << status.ToString()
                  << ", not an I/O error";
    ++log->unexpected;
  } else if (!run->fs->power_cut()) {
    ADD_FAILURE() << "transaction " << id << " failed before the fault: " << status.ToString();
    ++log->unexpected;
  } else if (run->full_disk && status.ToString().find("No space") == std::string::npos) {
    ADD_FAILURE() << "transaction " << id
                  << " failed on a full disk without saying so: " << status.ToString();
    ++log->unexpected;
  }
}

// Submits until a token fails, the workload is done without a fault, or the engine took too many
// transactions after the fault; then settles every token it holds.
void Produce(RunState* run, uint64_t round, uint64_t producer, ProducerLog* log) {
  std::deque<std::pair<uint64_t, Token>> tokens;
  for (uint64_t index = 0; !Stopped(*run); ++index) {
    if (run->submitted.fetch_add(1) >= kWorkloadTransactions && !run->fs->power_cut()) {
      break;
    }
    const uint64_t id = workload::IdOf(round, producer, index);
    log->submitted.push_back(id);
    tokens.emplace_back(id, run->engine->Submit(workload::BatchOf(id)));
    if (tokens.size() == kTokensInFlightMax) {
      Settle(run, tokens.front().first, tokens.front().second.WaitFor(kTokenDeadline), log);
      tokens.pop_front();
    }
  }
  for (auto& [id, token] : tokens) {
    Settle(run, id, token.WaitFor(kTokenDeadline), log);
  }
}

struct Totals {
  int cases = 0;
  int faults_injected = 0;
  int faults_at_operation = 0;
  int faults_after_acknowledged = 0;
  int faults_in_close = 0;
  int faults_in_close_reported = 0;
  uint64_t acknowledged_verified = 0;
  uint64_t acknowledged_after_fault_max = 0;
  uint64_t failed_tokens = 0;
  uint64_t refused_at_submit = 0;
  uint64_t in_flight_whole = 0;
  uint64_t in_flight_absent = 0;
  uint64_t violations = 0;
  uint64_t checkpoints = 0;
  uint64_t refused_by_fs = 0;
  uint64_t replayed = 0;
  uint64_t recoveries_opened = 0;
  uint64_t recoveries_failed = 0;
  std::vector<uint64_t> operations_measured;  // By each fault-free run.
  std::vector<uint64_t> close_operations_measured;
};

class RocksDbFaultTest : public ::testing::Test {
 protected:
  // Runs the workload against a fresh database with this fault; returns the RocksDB file
  // operations that went through before the fault (all of them without one).
  // recovery_fault_at: when set, a first reopen runs on a disk failing from that operation on.
  uint64_t RunCase(uint64_t round, Fault fault,
                   std::optional<uint64_t> recovery_fault_at = std::nullopt);

  void RunLoops(uint64_t* round);

  bool small_memtables_ = true;
  bool full_disk_ = false;  // The fault is a full disk (appends fail, ENOSPC), not a dead one.
  uint64_t seed_ = TestSeed();
  std::mt19937_64 random_{seed_};
  Watchdog watchdog_{seed_};
  Totals totals_;
  uint64_t close_operations_ = 0;  // The RocksDB file operations the last case's Close made.
};

uint64_t RocksDbFaultTest::RunCase(uint64_t round, Fault fault,
                                   std::optional<uint64_t> recovery_fault_at) {
  const std::string what = fault.Describe() + " (case " + std::to_string(round) +
                           (small_memtables_ ? ", small" : ", large") + " memtables" +
                           (full_disk_ ? ", full disk" : "") + ", seed " + std::to_string(seed_) +
                           ")";
  SCOPED_TRACE(what);
  ++totals_.cases;
  TempDir dir;
  FaultInjectionEnv journal_env;
  Ledger ledger;
  uint64_t operations = 0;
  {
    auto fs =
        std::make_shared<PowerLossFileSystem>(rocksdb::FileSystem::Default(), dir.path() + "-side");
    NoPauseAfterCutEnv rocksdb_env(rocksdb::NewCompositeEnv(fs), fs.get());
    std::unique_ptr<Engine> engine;
    watchdog_.Step("open: " + what);
    Status status = Engine::Open(EngineOptions(&journal_env, &rocksdb_env, small_memtables_),
                                 dir.path(), &engine);
    EXPECT_TRUE(status.ok()) << status.ToString();
    if (!status.ok()) {
      return 0;
    }
    fs->SetFullDisk(full_disk_);
    const uint64_t operations_at_open = fs->counters().operations;
    if (fault.kind == Fault::Kind::kAtOperation) {
      fs->CutPowerAt(fault.n);
    }

    watchdog_.Step("workload: " + what);
    RunState run{engine.get(), fs.get(), fault};
    run.full_disk = full_disk_;
    std::vector<ProducerLog> logs(kProducers + 1);
    std::vector<std::thread> producers;
    for (uint64_t producer = 0; producer < kProducers; ++producer) {
      producers.emplace_back(Produce, &run, round, producer, &logs[producer]);
    }
    for (std::thread& producer : producers) {
      producer.join();
    }
    const bool faulted = fs->power_cut();
    operations = fs->counters().operations - operations_at_open;
    // A fault that came as the producers were finishing: one more writer goes on until the engine
    // refuses or the bound is passed.
    ProducerLog& late = logs[kProducers];
    for (uint64_t index = 0; faulted && !Stopped(run); ++index) {
      const uint64_t id = workload::IdOf(round, kProducers, index);
      late.submitted.push_back(id);
      Settle(&run, id, engine->Submit(workload::BatchOf(id)).WaitFor(kTokenDeadline), &late);
    }
    for (const ProducerLog& log : logs) {
      EXPECT_EQ(log.unexpected, 0u);
      ledger.submitted.insert(log.submitted.begin(), log.submitted.end());
      ledger.present.insert(log.ok.begin(), log.ok.end());
      ledger.absent.insert(log.conflicted.begin(), log.conflicted.end());
      totals_.failed_tokens += log.failed;
    }
    totals_.checkpoints += engine->Stats().checkpoints;
    if (run.hung.load()) {
      std::fprintf(stderr, "hung: a token did not resolve (%s)\n", what.c_str());
      std::abort();  // Destroying the engine would wait for it too.
    }

    if (faulted) {
      ++totals_.faults_injected;
      ++(fault.kind == Fault::Kind::kAtOperation ? totals_.faults_at_operation
                                                 : totals_.faults_after_acknowledged);
      totals_.acknowledged_after_fault_max =
          std::max(totals_.acknowledged_after_fault_max, run.acknowledged_after_fault.load());
      EXPECT_TRUE(run.failure_seen.load())
          << "the engine acknowledged " << run.acknowledged_after_fault.load()
          << " transactions after RocksDB's file system failed and never refused one";
      // Refused at once from now on: the token comes back resolved, nothing is published.
      watchdog_.Step("faulted engine: " + what);
      EXPECT_FALSE(engine->Info().writable);
      EXPECT_FALSE(engine->Info().fault.empty());
      const uint64_t refused_id = workload::IdOf(round, kProducers + 1, 0);
      const Token refused = engine->Submit(workload::BatchOf(refused_id));
      EXPECT_TRUE(refused.resolved()) << "Submit waited on a faulted engine";
      EXPECT_TRUE(refused.status().IsIOError()) << refused.status().ToString();
      ledger.submitted.insert(refused_id);
      if (refused.resolved() && !refused.status().ok()) {
        ledger.absent.insert(refused_id);
        ++totals_.refused_at_submit;
      }
      // Reads go on, and what the faulted engine shows already holds every acknowledged
      // transaction, whole (a copy of the ledger: this state is not the one that survives).
      if (!ledger.present.empty()) {
        const uint64_t id = *ledger.present.begin();
        std::string value;
        const Status read = engine->Get(workload::KeyOf(id, 0), &value);
        EXPECT_TRUE(read.ok()) << read.ToString();
        EXPECT_EQ(value, workload::ValueOf(id, 0));
      }
      Ledger live = ledger;
      const VerifyResult result = workload::Verify(engine.get(), &live);
      EXPECT_EQ(result.violations, 0u) << "in the faulted engine";
      totals_.violations += result.violations;
    }

    watchdog_.Step("close: " + what);
    // What Close applies and flushes: every transaction the journal holds (none failed).
    const uint64_t journal_head = engine->Info().journal_head_sequence;
    if (fault.kind == Fault::Kind::kInClose) {
      fs->CutPowerAt(fault.n);
    }
    const uint64_t operations_before_close = fs->counters().operations;
    const Status closed = engine->Close();
    close_operations_ = fs->counters().operations - operations_before_close;
    const PowerLossFileSystem::Counters counters = fs->counters();
    bool closed_cleanly = false;  // Close returned OK on an engine that had not failed.
    if (faulted) {
      EXPECT_TRUE(closed.IsIOError()) << "Close must report the fault: " << closed.ToString();
    } else if (fs->power_cut()) {
      // The fault came with Close's own work, or with RocksDB's work beside it. Close may return
      // OK after refusals: RocksDB at shutdown goes on without a compaction it abandons, without
      // removing obsolete files, and without the status of closing its WAL and MANIFEST, whose
      // bytes it synced before (a refused close loses nothing). Whether Close hid a refusal it
      // needed is told below, by what a power loss leaves of RocksDB.
      ++totals_.faults_injected;
      ++totals_.faults_in_close;
      totals_.faults_in_close_reported += closed.IsIOError() ? 1 : 0;
      EXPECT_TRUE(closed.ok() || closed.IsIOError()) << closed.ToString();
      closed_cleanly = closed.ok();
    } else {
      EXPECT_TRUE(closed.ok()) << closed.ToString();
      closed_cleanly = closed.ok();
    }
    engine.reset();
    totals_.refused_by_fs += counters.refused_after_cut;
    if (closed_cleanly) {
      // Close returned OK: everything applied is in RocksDB's files, durably, and the journal
      // below it is retired. The power fails now and takes whatever RocksDB did not sync: the
      // applied marker RocksDB is left with must still be the journal's head. A refused write,
      // sync, creation or rename that Close did not report leaves it behind (or RocksDB
      // unreadable).
      const std::string refused = " (refused after the cut: " + Joined(counters.refusals) + ")";
      fs->CutPower();
      const std::string lost =
          fs->SimulatePowerLoss(PowerLossFileSystem::Mode::kDropUnsynced, seed_);
      watchdog_.Step("read-only open after a power loss: " + what);
      std::unique_ptr<ReadOnlyDatabase> view;
      const Status opened = ReadOnlyDatabase::Open(
          EngineOptions(&journal_env, rocksdb::Env::Default(), small_memtables_), dir.path(),
          &view);
      EXPECT_TRUE(opened.ok()) << "Close returned OK, then a power loss left RocksDB unreadable: "
                               << opened.ToString() << refused << "; lost:" << lost;
      if (opened.ok()) {
        const ReadOnlyInfo info = view->Info();
        EXPECT_EQ(info.marker_sequence, journal_head)
            << "Close returned OK, then a power loss took RocksDB's applied marker back" << refused
            << "; lost:" << lost;
        EXPECT_EQ(info.transactions_replayed, 0u);
        EXPECT_TRUE(view->Close().ok());
      }
    }
  }

  if (recovery_fault_at.has_value()) {
    // The process died with the failing disk and restarts on a disk that fails again during
    // recovery: Open fails, or opens and holds the journal's state, and returns either way.
    auto fs =
        std::make_shared<PowerLossFileSystem>(rocksdb::FileSystem::Default(), dir.path() + "-side");
    NoPauseAfterCutEnv rocksdb_env(rocksdb::NewCompositeEnv(fs), fs.get());
    fs->SetFullDisk(full_disk_);
    fs->CutPowerAt(*recovery_fault_at);
    watchdog_.Step("open on a failing disk at operation " + std::to_string(*recovery_fault_at + 1) +
                   ": " + what);
    std::unique_ptr<Engine> engine;
    const Status status = Engine::Open(EngineOptions(&journal_env, &rocksdb_env, small_memtables_),
                                       dir.path(), &engine);
    if (status.ok()) {
      ++totals_.recoveries_opened;
      Ledger live = ledger;
      const VerifyResult result = workload::Verify(engine.get(), &live);
      EXPECT_EQ(result.violations, 0u)
          << "opened on a disk failing at operation " << *recovery_fault_at + 1;
      totals_.violations += result.violations;
      watchdog_.Step("close after opening on a failing disk: " + what);
      engine->Close().PermitUnchecked();  // Fails when the disk did during Open or Close.
    } else {
      ++totals_.recoveries_failed;
      EXPECT_TRUE(fs->power_cut())
          << "Open failed on a disk that had not failed: " << status.ToString();
      EXPECT_TRUE(status.IsIOError()) << status.ToString();
    }
  }

  // The process died with the failing disk; the machine comes back with a healthy one.
  watchdog_.Step("reopen: " + what);
  std::unique_ptr<Engine> engine;
  const Options options = EngineOptions(&journal_env, rocksdb::Env::Default(), small_memtables_);
  const Status status = Engine::Open(options, dir.path(), &engine);
  EXPECT_TRUE(status.ok()) << status.ToString();
  if (!status.ok()) {
    return operations;
  }
  totals_.replayed += engine->recovery().transactions_replayed;
  const VerifyResult result = workload::Verify(engine.get(), &ledger);
  EXPECT_EQ(result.violations, 0u) << "after reopening";
  totals_.violations += result.violations;
  totals_.acknowledged_verified += result.present_verified;
  totals_.in_flight_whole += result.in_flight_whole;
  totals_.in_flight_absent += result.in_flight_absent;
  EXPECT_TRUE(engine->Info().writable);
  const uint64_t after_id = workload::IdOf(round, kProducers + 2, 0);
  const Status written = engine->Submit(workload::BatchOf(after_id)).WaitFor(kTokenDeadline);
  EXPECT_TRUE(written.ok()) << "reopening clears the fault: " << written.ToString();
  watchdog_.Step("final close: " + what);
  EXPECT_TRUE(engine->Close().ok());
  return operations;
}

// The fault-free run measures how many RocksDB file operations the workload makes; the cases
// then fail from operations spread over that range, and after numbers of acknowledgements.
void RocksDbFaultTest::RunLoops(uint64_t* round) {
  const uint64_t operations = RunCase((*round)++, Fault{});
  ASSERT_FALSE(HasFailure());
  // With large memtables only the one checkpoint the workload requests writes during it, from its
  // own thread: on a loaded machine the producers may finish before it starts (0 operations, and
  // the cases below fail from the first ones after, in the checkpoint or in Close).
  const uint64_t close_operations = close_operations_;
  ASSERT_GT(operations + close_operations, 0u) << "RocksDB wrote nothing, in the workload or Close";
  totals_.operations_measured.push_back(operations);
  totals_.close_operations_measured.push_back(close_operations);
  const uint64_t stride = std::max<uint64_t>(operations / kOperationCases, 1);
  for (int index = 0; index < kOperationCases; ++index) {
    const uint64_t n = static_cast<uint64_t>(index) * stride + random_() % stride;
    RunCase((*round)++, Fault{Fault::Kind::kAtOperation, n}, random_() % kRecoveryOperationsMax);
    ASSERT_FALSE(HasFailure());
  }
  for (const uint64_t acknowledged : kAcknowledgedCuts) {
    const uint64_t n = acknowledged + random_() % (acknowledged / 4 + 1);
    RunCase((*round)++, Fault{Fault::Kind::kAfterAcknowledged, n},
            random_() % kRecoveryOperationsMax);
    ASSERT_FALSE(HasFailure());
  }
  const uint64_t close_stride = std::max<uint64_t>(close_operations / kCloseCases, 1);
  for (int index = 0; index < kCloseCases; ++index) {
    const uint64_t n = static_cast<uint64_t>(index) * close_stride + random_() % close_stride;
    RunCase((*round)++, Fault{Fault::Kind::kInClose, n}, random_() % kRecoveryOperationsMax);
    ASSERT_FALSE(HasFailure());
  }
}

TEST_F(RocksDbFaultTest, AcknowledgedSurviveFailedAreWholeOrAbsentAndNothingHangs) {
  uint64_t round = 0;
  for (const bool small_memtables : {true, false}) {
    small_memtables_ = small_memtables;
    ASSERT_NO_FATAL_FAILURE(RunLoops(&round));
  }
  small_memtables_ = true;
  full_disk_ = true;
  ASSERT_NO_FATAL_FAILURE(RunLoops(&round));

  EXPECT_GE(totals_.faults_injected, totals_.cases / 2) << "most cases never met their fault";
  EXPECT_GT(totals_.failed_tokens, 0u) << "no token ever failed";
  EXPECT_GT(totals_.checkpoints, 0u) << "no checkpoint ran";
  EXPECT_GT(totals_.refused_by_fs, 0u) << "RocksDB never wrote after a fault";
  EXPECT_GT(totals_.faults_in_close, 0) << "no fault came during Close";
  std::printf(
      "rocksdb fault: %d cases (3 fault-free, measuring %llu RocksDB file operations with small "
      "memtables, %llu with large ones, %llu with small ones again for the full disk), %d faults "
      "injected (%d at an operation, %d after acknowledgements, %d in Close, %d of them reported "
      "by it; a fault-free Close makes %llu, %llu and %llu operations), %llu acknowledged "
      "verified, %llu failed tokens, %llu refused at Submit, at most %llu acknowledged after a "
      "fault, in flight: %llu whole / %llu absent, %llu violations; recoveries on a failing "
      "disk: %llu opened, %llu failed; %llu checkpoints, %llu RocksDB operations refused, %llu "
      "transactions replayed; seed %llu\n",
      totals_.cases, static_cast<unsigned long long>(totals_.operations_measured.at(0)),
      static_cast<unsigned long long>(totals_.operations_measured.at(1)),
      static_cast<unsigned long long>(totals_.operations_measured.at(2)), totals_.faults_injected,
      totals_.faults_at_operation, totals_.faults_after_acknowledged, totals_.faults_in_close,
      totals_.faults_in_close_reported,
      static_cast<unsigned long long>(totals_.close_operations_measured.at(0)),
      static_cast<unsigned long long>(totals_.close_operations_measured.at(1)),
      static_cast<unsigned long long>(totals_.close_operations_measured.at(2)),
      static_cast<unsigned long long>(totals_.acknowledged_verified),
      static_cast<unsigned long long>(totals_.failed_tokens),
      static_cast<unsigned long long>(totals_.refused_at_submit),
      static_cast<unsigned long long>(totals_.acknowledged_after_fault_max),
      static_cast<unsigned long long>(totals_.in_flight_whole),
      static_cast<unsigned long long>(totals_.in_flight_absent),
      static_cast<unsigned long long>(totals_.violations),
      static_cast<unsigned long long>(totals_.recoveries_opened),
      static_cast<unsigned long long>(totals_.recoveries_failed),
      static_cast<unsigned long long>(totals_.checkpoints),
      static_cast<unsigned long long>(totals_.refused_by_fs),
      static_cast<unsigned long long>(totals_.replayed), static_cast<unsigned long long>(seed_));
}

}  // namespace
}  // namespace ringdb
