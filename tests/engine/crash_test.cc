// Goal: an acknowledged transaction survives kill -9 and an unacknowledged one is whole or
// absent. Method: a child process (this binary started again, test_util/child_process.h) runs the
// engine under four writer threads making the self-verifying transactions of
// test_util/verified_workload.h; it reports each transaction id when submitting and again when
// its token resolves (OK or Conflict), through a pipe. The parent kills it with SIGKILL at a
// random moment, reopens the directory and checks every key against what was reported.
// RINGDB_CRASH_CYCLES sets the number of cycles (default 5); RINGDB_TEST_SEED replays a run.
#include <signal.h>
#include <unistd.h>

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_util/child_process.h"
#include "test_util/engine_fixture.h"
#include "test_util/seed.h"
#include "test_util/verified_workload.h"

namespace ringdb {
namespace {

using workload::Ledger;
using workload::Report;
using workload::VerifyResult;

Options CrashOptions() {
  Options options = SmallOptions();
  options.checkpoint_journal_bytes = 1 << 20;  // Checkpoints happen during the run too.
  return options;
}

// The holder child: "hold <dir>"; opens the database, writes one transaction, reports 'y' (or
// 'n' when either failed) and waits to be killed.
[[noreturn]] void HolderMain(int report_fd, const std::string& dir) {
  std::unique_ptr<Engine> held;
  WriteBatch batch;
  batch.Put("held", "by-the-child");
  const bool ok = Engine::Open(SmallOptions(), dir, &held).ok() && held->Write(batch).ok();
  const char answer = ok ? 'y' : 'n';
  (void)!write(report_fd, &answer, 1);
  close(report_fd);
  pause();
  _exit(0);
}

// The writer child: "<dir> <round>"; writes until it is killed.
[[noreturn]] void ChildMain(int report_fd, const std::vector<std::string>& arguments) {
  if (arguments.size() == 2 && arguments[0] == "hold") {
    HolderMain(report_fd, arguments[1]);
  }
  if (arguments.size() != 2) {
    _exit(2);
  }
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(CrashOptions(), arguments[0], &engine);
  if (!opened.ok()) {
    std::fprintf(stderr, "child: %s\n", opened.ToString().c_str());
    _exit(3);
  }
  workload::RunWriters(engine.get(), std::stoull(arguments[1]), report_fd, 4 /*writers*/,
                       workload::kIdsPerWriter);
  _exit(0);
}

TEST(CrashTest, KillNineNeverLosesAnAcknowledgedTransaction) {
  const uint64_t seed = TestSeed();
  std::mt19937_64 random(seed);
  const char* cycles_text = std::getenv("RINGDB_CRASH_CYCLES");
  const int cycles = cycles_text != nullptr ? std::atoi(cycles_text) : 5;
  TempDir dir;
  const Options options = CrashOptions();
  VerifyResult total;
  Ledger ledger;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    ChildProcess child =
        SpawnChild({dir.path(), std::to_string(cycle)}, {}, dir.path() + "/child.stderr");
    ASSERT_GT(child.pid, 0);
    const uint64_t kill_after = 20 + random() % 3000;  // Acknowledgements before the kill.
    uint64_t seen = 0;
    Report report{};
    bool killed = false;
    while (read(child.report_fd, &report, sizeof(report)) == sizeof(report)) {
      if (workload::RecordReport(report, &ledger) && ++seen == kill_after && !killed) {
        ASSERT_EQ(kill(child.pid, SIGKILL), 0);
        killed = true;
      }
    }
    const int wait_status = WaitForChild(&child);
    ASSERT_TRUE(killed && KilledBySigkill(wait_status))
        << "child " << DescribeWaitStatus(wait_status) << "; its stderr:\n"
        << ReadWholeFile(child.stderr_path);
    std::unique_ptr<Engine> engine;
    const Status opened = Engine::Open(options, dir.path(), &engine);
    ASSERT_TRUE(opened.ok()) << opened.ToString() << " (seed " << seed << ")";
    // What was in flight is settled as found: whole now, whole forever; absent, absent forever.
    const VerifyResult result = workload::Verify(engine.get(), &ledger);
    ASSERT_EQ(result.violations, 0u) << "seed " << seed << ", cycle " << cycle;
    total.present_verified = result.present_verified;
    total.absent_verified = result.absent_verified;
    total.in_flight_whole += result.in_flight_whole;
    total.in_flight_absent += result.in_flight_absent;
  }
  std::printf(
      "crash: %d cycles, %llu present verified (acknowledged or settled), %llu absent "
      "verified (conflicted or settled), in flight: %llu whole / %llu absent, "
      "0 violations, seed %llu\n",
      cycles, static_cast<unsigned long long>(total.present_verified),
      static_cast<unsigned long long>(total.absent_verified),
      static_cast<unsigned long long>(total.in_flight_whole),
      static_cast<unsigned long long>(total.in_flight_absent),
      static_cast<unsigned long long>(seed));
}

// Another process: refused with Busy while the holder lives; after the holder is killed with
// SIGKILL (no Close, no unlock), the directory opens and holds what the holder acknowledged.
TEST(CrashTest, AnotherProcessIsRefusedUntilTheHolderIsKilled) {
  TempDir dir;
  ChildProcess child = SpawnChild({"hold", dir.path()}, {}, dir.path() + "/holder.stderr");
  ASSERT_GT(child.pid, 0);
  char answer = 0;
  const ssize_t got = read(child.report_fd, &answer, 1);
  if (got != 1 || answer != 'y') {
    kill(child.pid, SIGKILL);
    const int wait_status = WaitForChild(&child);
    FAIL() << "the holder did not open and write: " << DescribeWaitStatus(wait_status)
           << "; its stderr:\n"
           << ReadWholeFile(child.stderr_path);
  }
  std::unique_ptr<Engine> contender;
  const Status refused = Engine::Open(SmallOptions(), dir.path(), &contender);
  EXPECT_TRUE(refused.IsBusy()) << refused.ToString();
  EXPECT_NE(refused.message().find(dir.path()), std::string_view::npos) << refused.ToString();
  ASSERT_EQ(kill(child.pid, SIGKILL), 0);
  ASSERT_TRUE(KilledBySigkill(WaitForChild(&child)));
  const Status opened = Engine::Open(SmallOptions(), dir.path(), &contender);
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  std::string value;
  ASSERT_TRUE(contender->Get("held", &value).ok());
  EXPECT_EQ(value, "by-the-child");
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
