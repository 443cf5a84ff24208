// Goal: a crash at each named crash point (util/crash_point.h) keeps the promises a kill -9 at a
// random moment keeps (every acknowledged transaction whole, none partly present, no key that was
// never submitted, in-flight ones whole or absent) and leaves a state equal to a replay of the
// whole journal into an empty database.
//
// Method: for each point the test runs itself again as a child process (test_util/child_process.h)
// with RINGDB_CRASH_POINT=<point>:<n>, n drawn from the seed. The child runs four writers of
// self-verifying transactions (test_util/verified_workload.h) that report to the parent through a
// pipe. The child must die of SIGKILL with the point's line on its stderr, so a point that is
// never hit fails the test: the child's workload is bounded, after which it closes the engine and
// exits 0. The parent reopens the directory, checks it against the reports, then copies the
// journal into an empty directory and compares a replay of it with the recovered state. Each
// point runs two cycles on one directory, so the second crash follows a recovery from the first.
// For recovery.replay a child writes with checkpoints off and dies at apply.after_write, two
// children in a row die mid-replay while opening the directory, then the parent opens it.
// RINGDB_TEST_SEED replays a run.
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "test_util/child_process.h"
#include "test_util/digest.h"
#include "test_util/engine_fixture.h"
#include "test_util/seed.h"
#include "test_util/verified_workload.h"

namespace ringdb {
namespace {

using workload::Ledger;
using workload::Report;
using workload::VerifyResult;

struct PointCase {
  const char* point;
  uint64_t hit_min;  // the crash comes at a hit in [hit_min, hit_max]
  uint64_t hit_max;
  bool fdatasync;    // the journal's points crash around a real fdatasync
  bool checkpoints;  // a checkpoint every 1 MiB of journal, which retires segments
  // Bounds the child's workload, so that a point never hit ends in a failure, not a hang.
  uint64_t transactions_per_thread;
};

// Segments are 1 MiB (the smallest allowed) and a transaction's record about 150 bytes, so a
// segment or a checkpoint comes every ~7000 transactions.
constexpr PointCase kCases[] = {
    {"journal.before_sync", 10, 300, true, false, 3000},
    {"journal.after_sync", 10, 300, true, false, 3000},
    {"journal.segment_before_dir_sync", 1, 3, false, false, 20000},
    {"apply.after_write", 10, 2000, false, false, 10000},
    {"checkpoint.before_retire", 2, 4, false, true, 20000},
    // The writer that prepares the journal recovery.replay crashes in.
    {"recovery.replay", 1, 1, false, false, 10000},
};
constexpr size_t kReplayCase = 5;
constexpr uint64_t kCycles = 2;
constexpr uint64_t kWriterThreads = 4;

Options OptionsFor(const PointCase& point_case) {
  Options options = SmallOptions();
  if (point_case.fdatasync) {
    options.sync_mode = SyncMode::kFdatasync;
  }
  if (point_case.checkpoints) {
    options.checkpoint_journal_bytes = uint64_t{1} << 20;
  } else {
    options.journal_retention_transactions = uint64_t{1} << 40;  // The whole journal stays.
  }
  return options;
}

// The child's roles. "write <case> <dir> <round>": run the workload, close, exit 0.
// "open <case> <dir>": open the directory, exit 5. Both exit 3 when the open fails.
[[noreturn]] void ChildMain(int report_fd, const std::vector<std::string>& arguments) {
  if (arguments.size() < 3) {
    _exit(2);
  }
  const Options options = OptionsFor(kCases[std::stoul(arguments[1])]);
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(options, arguments[2], &engine);
  if (!opened.ok()) {
    std::fprintf(stderr, "child: %s\n", opened.ToString().c_str());
    _exit(3);
  }
  if (arguments[0] == "write" && arguments.size() == 4) {
    const PointCase& point_case = kCases[std::stoul(arguments[1])];
    workload::RunWriters(engine.get(), std::stoull(arguments[3]), report_fd, kWriterThreads,
                         point_case.transactions_per_thread);
    const Status closed = engine->Close();
    _exit(closed.ok() ? 0 : 6);
  }
  _exit(5);
}

// Runs a child with RINGDB_CRASH_POINT=<point>:<hit> to its death, adding its reports to the
// ledger, and requires that it died of SIGKILL at that point.
void RunChildToCrash(const std::vector<std::string>& arguments, const std::string& point,
                     uint64_t hit, const std::string& stderr_path, Ledger* ledger) {
  const std::string spec = point + ":" + std::to_string(hit);
  ChildProcess child = SpawnChild(arguments, {"RINGDB_CRASH_POINT=" + spec}, stderr_path);
  ASSERT_GT(child.pid, 0) << "cannot start the child for " << spec;
  Report report{};
  while (read(child.report_fd, &report, sizeof(report)) == sizeof(report)) {
    workload::RecordReport(report, ledger);
  }
  const int wait_status = WaitForChild(&child);
  const std::string child_stderr = ReadWholeFile(stderr_path);
  ASSERT_TRUE(KilledBySigkill(wait_status))
      << "the child with RINGDB_CRASH_POINT=" << spec << " " << DescribeWaitStatus(wait_status)
      << " instead of being killed at the point; its stderr:\n"
      << child_stderr;
  const std::string line = "ringdb: crash point " + point + " hit " + std::to_string(hit) + ":";
  ASSERT_NE(child_stderr.find(line), std::string::npos)
      << "the child died of SIGKILL but not at " << spec << "; its stderr:\n"
      << child_stderr;
}

struct Checked {
  VerifyResult verified;
  uint64_t keys = 0;
  uint64_t replayed = 0;  // by the reopen after the crash
  bool replay_compared = false;
};

// Reopens the crashed directory and checks it against the ledger, which settles what was in
// flight for later cycles. With replay_check, the state must equal a replay of a copy of the
// journal into an empty directory.
void CheckRecovered(const std::string& dir, const Options& options, bool replay_check,
                    Ledger* ledger, Checked* checked) {
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(options, dir, &engine);
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  checked->replayed = engine->recovery().transactions_replayed;
  checked->verified = workload::Verify(engine.get(), ledger);
  ASSERT_EQ(checked->verified.violations, 0u);
  const StateDigest recovered = DigestOf(engine.get());
  checked->keys = recovered.keys;
  ASSERT_TRUE(engine->Close().ok());
  engine.reset();
  if (!replay_check) {
    return;
  }
  TempDir copy;
  std::filesystem::copy(dir + "/journal", copy.path() + "/journal",
                        std::filesystem::copy_options::recursive);
  std::unique_ptr<Engine> replayed;
  const Status replay_opened = Engine::Open(options, copy.path(), &replayed);
  ASSERT_TRUE(replay_opened.ok()) << replay_opened.ToString();
  EXPECT_EQ(replayed->recovery().marker_sequence, 0u);
  EXPECT_EQ(DigestOf(replayed.get()), recovered)
      << "the recovered state differs from a replay of its journal";
  checked->replay_compared = true;
}

void PrintFigures(const std::string& spec, uint64_t cycle, const Checked& checked, uint64_t seed) {
  std::printf(
      "crash point %s, cycle %llu: %llu present verified (acknowledged or settled), %llu absent "
      "verified, in flight %llu whole / %llu absent, 0 violations, %llu replayed on reopen, %llu "
      "keys, replay of the journal %s, "
      "seed %llu\n",
      spec.c_str(), static_cast<unsigned long long>(cycle),
      static_cast<unsigned long long>(checked.verified.present_verified),
      static_cast<unsigned long long>(checked.verified.absent_verified),
      static_cast<unsigned long long>(checked.verified.in_flight_whole),
      static_cast<unsigned long long>(checked.verified.in_flight_absent),
      static_cast<unsigned long long>(checked.replayed),
      static_cast<unsigned long long>(checked.keys),
      checked.replay_compared ? "equal" : "not compared (segments retired)",
      static_cast<unsigned long long>(seed));
  std::fflush(stdout);
}

class CrashPointTest : public ::testing::TestWithParam<size_t> {};

TEST_P(CrashPointTest, CrashAtThePointKeepsEveryPromise) {
  const PointCase& point_case = kCases[GetParam()];
  const uint64_t seed = TestSeed();
  std::mt19937_64 random(seed);
  const Options options = OptionsFor(point_case);
  TempDir dir;
  Ledger ledger;
  for (uint64_t cycle = 1; cycle <= kCycles; ++cycle) {
    const uint64_t hit =
        point_case.hit_min + random() % (point_case.hit_max - point_case.hit_min + 1);
    RunChildToCrash({"write", std::to_string(GetParam()), dir.path(), std::to_string(cycle)},
                    point_case.point, hit, dir.path() + "/child.stderr", &ledger);
    ASSERT_FALSE(HasFatalFailure()) << "seed " << seed << ", cycle " << cycle;
    Checked checked;
    CheckRecovered(dir.path(), options, !point_case.checkpoints, &ledger, &checked);
    ASSERT_FALSE(HasFatalFailure()) << "seed " << seed << ", cycle " << cycle;
    EXPECT_FALSE(HasFailure()) << "seed " << seed << ", cycle " << cycle;
    PrintFigures(std::string(point_case.point) + ":" + std::to_string(hit), cycle, checked, seed);
  }
}

std::string CaseName(const ::testing::TestParamInfo<size_t>& info) {
  std::string name = kCases[info.param].point;
  for (char& c : name) {
    c = c == '.' ? '_' : c;
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Points, CrashPointTest, ::testing::Range<size_t>(0, kReplayCase),
                         CaseName);

TEST(CrashPointReplayTest, RecoveryCrashesTwiceMidReplay) {
  const uint64_t seed = TestSeed();
  std::mt19937_64 random(seed);
  const Options options = OptionsFor(kCases[kReplayCase]);
  TempDir dir;
  Ledger ledger;
  const std::string stderr_path = dir.path() + "/child.stderr";
  // Checkpoints are off and RocksDB's WAL is off, so nothing written reaches RocksDB's files:
  // every journaled transaction, and so every acknowledged one, is replayed on the next open.
  const uint64_t apply_hit = 300 + random() % 700;
  RunChildToCrash({"write", std::to_string(kReplayCase), dir.path(), "0"}, "apply.after_write",
                  apply_hit, stderr_path, &ledger);
  ASSERT_FALSE(HasFatalFailure()) << "seed " << seed;
  const uint64_t replayable = ledger.present.size();
  ASSERT_GT(replayable, 0u);
  std::string crashes;
  for (int crash = 0; crash < 2; ++crash) {
    const uint64_t hit = 1 + random() % replayable;
    RunChildToCrash({"open", std::to_string(kReplayCase), dir.path()}, "recovery.replay", hit,
                    stderr_path, &ledger);
    ASSERT_FALSE(HasFatalFailure()) << "seed " << seed << ", crash " << crash;
    crashes += (crash == 0 ? "" : ", ") + std::to_string(hit);
  }
  Checked checked;
  CheckRecovered(dir.path(), options, true /*replay_check*/, &ledger, &checked);
  ASSERT_FALSE(HasFatalFailure()) << "seed " << seed;
  EXPECT_GE(checked.replayed, replayable) << "seed " << seed;
  PrintFigures("recovery.replay (prepared by apply.after_write:" + std::to_string(apply_hit) +
                   ", crashed after " + crashes + " replayed)",
               1, checked, seed);
}

}  // namespace
}  // namespace ringdb

int main(int argc, char** argv) {
  if (ringdb::IsChild(argc, argv)) {
    ringdb::ChildMain(ringdb::ChildReportFd(argv), ringdb::ChildArguments(argc, argv));
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
