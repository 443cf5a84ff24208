// Goal: a transaction acknowledged OK survives a power loss, whatever the loss keeps of the bytes
// and directory entries not yet synced; no transaction is partly present; no key exists that was
// never published; in-flight transactions are whole or absent; the state is what a replay of the
// journal onto RocksDB's durable files gives.
//
// Method: the journal runs on the fault-injecting in-memory Env and RocksDB on a real temporary
// directory through PowerLossFileSystem. Four producers pipeline the self-verifying transactions
// of test_util/verified_workload.h (some conflict on purpose, some depend on the one before),
// with a small checkpoint threshold and small RocksDB memtables so that flushes, compactions and
// journal retirement happen during the run. After a seeded number of acknowledgements one
// producer cuts the power of both file layers (journal first: every journal sync that completed
// before it is one the applier may already have acted on), the producers drain their tokens, the
// engine is destroyed (its Close meets I/O errors everywhere), and the loss is applied to both in
// the same mode: unsynced bytes dropped, a random prefix of them kept, or every byte kept but the
// directory entries not covered by a directory sync lost. The engine reopens on fresh file layers
// and the whole state is checked against the ledger. Then power is cut again at once, before
// anything new is written, and a second recovery from the same durable files must reach the same
// state (same digest): the recovered state is a replay of the journal, not of luck.
// RINGDB_POWER_LOSS_CYCLES sets the number of cycles; RINGDB_TEST_SEED replays a run's choices
// (thread timing still varies).
#include <atomic>
#include <cstdlib>
#include <deque>
#include <memory>
#include <random>
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

namespace ringdb {
namespace {

using Mode = FaultInjectionEnv::CrashMode;
using workload::Ledger;
using workload::VerifyResult;

constexpr int kProducers = 4;
constexpr size_t kTokensInFlightMax = 16;  // Per producer: keeps groups of several transactions.
constexpr Mode kModes[] = {Mode::kDropUnsynced, Mode::kKeepRandomPrefix,
                           Mode::kLoseUnsyncedEntries};

const char* ModeName(Mode mode) {
  switch (mode) {
    case Mode::kDropUnsynced:
      return "drop-unsynced";
    case Mode::kKeepRandomPrefix:
      return "keep-random-prefix";
    case Mode::kLoseUnsyncedEntries:
      return "lose-unsynced-entries";
    case Mode::kProcessCrash:
      return "process-crash";
  }
  return "?";
}

// The file layers of one open: the shared in-memory journal Env, and a fresh PowerLossFileSystem
// over the real directory with the RocksDB Env that carries it.
class Machine {
 public:
  Machine(FaultInjectionEnv* journal_env, const std::string& side_dir)
      : journal_env_(journal_env),
        fs_(std::make_shared<PowerLossFileSystem>(rocksdb::FileSystem::Default(), side_dir)),
        rocksdb_env_(
            std::make_unique<NoPauseAfterCutEnv>(rocksdb::NewCompositeEnv(fs_), fs_.get())) {}

  Options OptionsFor(const std::shared_ptr<spdlog::logger>& logger) const {
    Options options = SmallOptions();
    options.sync_mode = SyncMode::kFdatasync;
    options.checkpoint_journal_bytes = 1 << 20;
    options.journal_segment_bytes_max = 1 << 20;
    options.env = journal_env_;
    options.logger = logger;
    auto rocksdb_options = std::make_shared<rocksdb::Options>();
    rocksdb_options->env = rocksdb_env_.get();
    // Small memtables and levels: RocksDB flushes and compacts on its own too, deleting files.
    rocksdb_options->write_buffer_size = 256 << 10;
    rocksdb_options->level0_file_num_compaction_trigger = 2;
    rocksdb_options->target_file_size_base = 256 << 10;
    rocksdb_options->max_bytes_for_level_base = 1 << 20;
    rocksdb_options->keep_log_file_num = 2;
    options.rocksdb_options = std::move(rocksdb_options);
    return options;
  }

  // Both layers at the same instant, as far as two locks allow: the journal first.
  void CutPower() {
    journal_env_->CutPower();
    fs_->CutPower();
  }
  std::string Lose(Mode mode, uint64_t seed) {
    journal_env_->SimulateCrash(mode, seed);
    return fs_->SimulatePowerLoss(mode, seed + 1);
  }
  PowerLossFileSystem* fs() const { return fs_.get(); }

 private:
  FaultInjectionEnv* journal_env_;
  std::shared_ptr<PowerLossFileSystem> fs_;
  std::unique_ptr<rocksdb::Env> rocksdb_env_;
};

// What one producer saw.
struct ProducerLog {
  std::vector<uint64_t> submitted;
  std::vector<uint64_t> ok;
  std::vector<uint64_t> conflicted;
  uint64_t unexpected = 0;  // Failures before the cut, or outcomes the workload rules out.
};

struct RunState {
  Engine* engine;
  Machine* machine;
  uint64_t cut_after_acknowledged;
  std::atomic<uint64_t> acknowledged{0};
  std::atomic<bool> cut{false};
};

void Settle(RunState* run, uint64_t id, const Status& status, ProducerLog* log) {
  if (status.ok()) {
    log->ok.push_back(id);
    log->unexpected += workload::OutcomeFits(id, true) ? 0 : 1;
    if (run->acknowledged.fetch_add(1) + 1 == run->cut_after_acknowledged) {
      run->cut.store(true);  // Before the layers: a failure seen with cut unset is unexpected.
      run->machine->CutPower();
    }
    return;
  }
  if (status.IsConflict()) {
    log->conflicted.push_back(id);
    log->unexpected += workload::OutcomeFits(id, false) ? 0 : 1;
    return;
  }
  if (status.IsUnknown()) {
    return;  // A later failure in the ring took its entry: the outcome is not known, as in flight.
  }
  if (!run->cut.load()) {
    ADD_FAILURE() << "transaction " << id << " failed before the power cut: " << status.ToString();
    ++log->unexpected;
  }
}

// Submits until the power is cut or the engine fails, keeping up to kTokensInFlightMax tokens,
// then waits for every token: none may be used after the engine is destroyed.
void Produce(RunState* run, uint64_t round, uint64_t producer, ProducerLog* log) {
  std::deque<std::pair<uint64_t, Token>> tokens;
  bool failed = false;
  for (uint64_t index = 0; index < workload::kIdsPerWriter && !run->cut.load() && !failed;
       ++index) {
    const uint64_t id = workload::IdOf(round, producer, index);
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

struct Totals {
  VerifyResult last;
  uint64_t in_flight_whole = 0;
  uint64_t in_flight_absent = 0;
  uint64_t checkpoints = 0;
  uint64_t replayed = 0;
  uint64_t torn_tails = 0;
  uint64_t oldest_journal_sequence = 0;
  uint64_t rocksdb_file_syncs = 0;
  uint64_t rocksdb_dir_syncs = 0;
  uint64_t refused_after_cut = 0;
  uint64_t cycles_by_mode[4] = {};
};

std::shared_ptr<spdlog::logger> QuietLogger() {
  // Errors only: each cut makes the dying engine warn of its failed flush, syncs and retirement.
  auto logger = std::make_shared<spdlog::logger>("ringdb-power-loss",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::level::err);
  return logger;
}

class PowerLossTest : public ::testing::Test {
 protected:
  void OpenOn(Machine* machine, std::unique_ptr<Engine>* engine) {
    const Status status = Engine::Open(machine->OptionsFor(logger_), dir_.path(), engine);
    ASSERT_TRUE(status.ok()) << status.ToString() << " (seed " << seed_ << ", cycle " << cycle_
                             << ", after " << loss_report_ << ")";
    const RecoveryInfo& recovery = (*engine)->recovery();
    totals_.replayed += recovery.transactions_replayed;
    totals_.torn_tails += recovery.torn_tail_truncated ? 1 : 0;
    const EngineInfo info = (*engine)->Info();
    if (!info.segments.empty()) {
      totals_.oldest_journal_sequence =
          std::max(totals_.oldest_journal_sequence, info.segments.front().first_sequence);
    }
  }
  // Destroys the engine of a machine whose power is cut, then applies the loss.
  void LoseState(std::unique_ptr<Engine>* engine, Machine* machine, Mode mode) {
    engine->reset();
    const PowerLossFileSystem::Counters counters = machine->fs()->counters();
    totals_.rocksdb_file_syncs += counters.file_syncs;
    totals_.rocksdb_dir_syncs += counters.dir_syncs;
    totals_.refused_after_cut += counters.refused_after_cut;
    loss_report_ = std::string(ModeName(mode)) + ":" + machine->Lose(mode, random_());
  }
  void RunCycle(uint64_t round, Mode mode);

  uint64_t seed_ = TestSeed();
  std::mt19937_64 random_{seed_};
  int cycle_ = 0;
  std::string loss_report_ = "nothing";
  TempDir dir_;
  FaultInjectionEnv journal_env_;
  std::shared_ptr<spdlog::logger> logger_ = QuietLogger();
  Ledger ledger_;
  Totals totals_;
};

void PowerLossTest::RunCycle(uint64_t round, Mode mode) {
  const std::string side_dir = dir_.path() + "-side";
  std::unique_ptr<Engine> engine;
  StateDigest recovered;
  {
    Machine machine(&journal_env_, side_dir);
    ASSERT_NO_FATAL_FAILURE(OpenOn(&machine, &engine));
    const VerifyResult result = workload::Verify(engine.get(), &ledger_);
    ASSERT_EQ(result.violations, 0u)
        << "seed " << seed_ << ", cycle " << cycle_ << ", after " << loss_report_;
    totals_.last = result;
    totals_.in_flight_whole += result.in_flight_whole;
    totals_.in_flight_absent += result.in_flight_absent;
    recovered = DigestOf(engine.get());
    // Power is lost again before anything new is written: the next recovery starts over from the
    // same durable journal and RocksDB files.
    machine.CutPower();
    LoseState(&engine, &machine, kModes[random_() % 3]);
  }
  Machine machine(&journal_env_, side_dir);
  ASSERT_NO_FATAL_FAILURE(OpenOn(&machine, &engine));
  ASSERT_EQ(DigestOf(engine.get()), recovered)
      << "a second recovery reached another state (seed " << seed_ << ", cycle " << cycle_
      << ", after " << loss_report_ << ")";

  RunState run{engine.get(), &machine, 50 + random_() % 6000};
  std::vector<ProducerLog> logs(kProducers);
  std::vector<std::thread> producers;
  for (uint64_t producer = 0; producer < kProducers; ++producer) {
    producers.emplace_back(Produce, &run, round, producer, &logs[producer]);
  }
  for (std::thread& producer : producers) {
    producer.join();
  }
  ASSERT_TRUE(run.cut.load()) << "every producer stopped before the power cut";
  totals_.checkpoints += engine->Stats().checkpoints;
  for (const ProducerLog& log : logs) {
    EXPECT_EQ(log.unexpected, 0u) << "seed " << seed_ << ", cycle " << cycle_;
    ledger_.submitted.insert(log.submitted.begin(), log.submitted.end());
    ledger_.present.insert(log.ok.begin(), log.ok.end());
    ledger_.absent.insert(log.conflicted.begin(), log.conflicted.end());
  }
  LoseState(&engine, &machine, mode);
  ++totals_.cycles_by_mode[static_cast<int>(mode)];
}

TEST_F(PowerLossTest, AcknowledgedTransactionsSurviveAndTheRestIsWholeOrAbsent) {
  const char* cycles_text = std::getenv("RINGDB_POWER_LOSS_CYCLES");
  const int cycles = cycles_text != nullptr ? std::atoi(cycles_text) : 30;
  for (cycle_ = 0; cycle_ < cycles; ++cycle_) {
    ASSERT_NO_FATAL_FAILURE(RunCycle(static_cast<uint64_t>(cycle_), kModes[random_() % 3]));
  }
  // The last loss is checked too.
  Machine machine(&journal_env_, dir_.path() + "-side");
  std::unique_ptr<Engine> engine;
  ASSERT_NO_FATAL_FAILURE(OpenOn(&machine, &engine));
  const VerifyResult result = workload::Verify(engine.get(), &ledger_);
  ASSERT_EQ(result.violations, 0u) << "seed " << seed_ << ", after " << loss_report_;
  totals_.in_flight_whole += result.in_flight_whole;
  totals_.in_flight_absent += result.in_flight_absent;
  EXPECT_TRUE(engine->Close().ok());

  EXPECT_GT(totals_.checkpoints, 0u) << "no checkpoint ran during the cycles";
  EXPECT_GT(totals_.oldest_journal_sequence, 1u) << "no journal segment was ever retired";
  EXPECT_GT(totals_.refused_after_cut, 0u) << "RocksDB never wrote after a cut";
  std::printf(
      "power loss: %d cycles (%llu drop-unsynced, %llu keep-random-prefix, %llu "
      "lose-unsynced-entries), %llu acknowledged or settled present verified, %llu failed or "
      "settled absent verified, in flight: %llu whole / %llu absent, 0 violations; %llu "
      "checkpoints, oldest journal sequence kept %llu, %llu transactions replayed, %llu torn "
      "tails, RocksDB: %llu file syncs, %llu dir syncs, %llu calls refused after a cut; seed "
      "%llu\n",
      cycles, static_cast<unsigned long long>(totals_.cycles_by_mode[0]),
      static_cast<unsigned long long>(totals_.cycles_by_mode[1]),
      static_cast<unsigned long long>(totals_.cycles_by_mode[3]),
      static_cast<unsigned long long>(result.present_verified),
      static_cast<unsigned long long>(result.absent_verified),
      static_cast<unsigned long long>(totals_.in_flight_whole),
      static_cast<unsigned long long>(totals_.in_flight_absent),
      static_cast<unsigned long long>(totals_.checkpoints),
      static_cast<unsigned long long>(totals_.oldest_journal_sequence),
      static_cast<unsigned long long>(totals_.replayed),
      static_cast<unsigned long long>(totals_.torn_tails),
      static_cast<unsigned long long>(totals_.rocksdb_file_syncs),
      static_cast<unsigned long long>(totals_.rocksdb_dir_syncs),
      static_cast<unsigned long long>(totals_.refused_after_cut),
      static_cast<unsigned long long>(seed_));
}

}  // namespace
}  // namespace ringdb
