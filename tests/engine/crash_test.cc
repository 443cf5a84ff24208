// Goal: an acknowledged transaction survives kill -9 and an unacknowledged one is whole or
// absent. Method: a child process runs the engine under four writer threads making the
// self-verifying transactions of test_util/verified_workload.h; it reports each transaction id
// when submitting and again when its token resolves (OK or Conflict), through a pipe. The parent
// kills it with SIGKILL at a random moment, reopens the directory and checks every key against
// what was reported. RINGDB_CRASH_CYCLES sets the number of cycles (default 5);
// RINGDB_TEST_SEED replays a run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>
#include <vector>

#include "test_util/engine_fixture.h"
#include "test_util/seed.h"
#include "test_util/verified_workload.h"

namespace ringdb {
namespace {

using workload::BatchOf;
using workload::IdOf;
using workload::Ledger;
using workload::VerifyResult;

enum class Outcome : uint64_t { kSubmitting = 0, kOk = 1, kConflict = 2 };

struct Report {
  uint64_t id;
  Outcome outcome;
};

[[noreturn]] void RunChild(const std::string& path, const Options& options, uint64_t round, int fd) {
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(options, path, &engine);
  if (!opened.ok()) {
    std::fprintf(stderr, "child: %s\n", opened.ToString().c_str());
    _exit(3);
  }
  std::vector<std::thread> writers;
  for (uint64_t thread = 0; thread < 4; ++thread) {
    writers.emplace_back([&, thread] {
      for (uint64_t i = 0;; ++i) {
        const uint64_t id = IdOf(round, thread, i);
        Report report{id, Outcome::kSubmitting};
        if (write(fd, &report, sizeof(report)) != sizeof(report)) {
          _exit(4);
        }
        const Status status = engine->Write(BatchOf(id));
        if (status.ok() || status.IsConflict()) {
          report.outcome = status.ok() ? Outcome::kOk : Outcome::kConflict;
          if (write(fd, &report, sizeof(report)) != sizeof(report)) {
            _exit(4);
          }
        }
      }
    });
  }
  for (std::thread& writer : writers) {
    writer.join();
  }
  _exit(0);
}

TEST(CrashTest, KillNineNeverLosesAnAcknowledgedTransaction) {
  const uint64_t seed = TestSeed();
  std::mt19937_64 random(seed);
  const char* cycles_text = std::getenv("RINGDB_CRASH_CYCLES");
  const int cycles = cycles_text != nullptr ? std::atoi(cycles_text) : 5;
  TempDir dir;
  Options options = SmallOptions();
  options.checkpoint_journal_bytes = 1 << 20;  // Checkpoints happen during the run too.
  VerifyResult total;
  Ledger ledger;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    int pipe_fds[2];
    ASSERT_EQ(pipe(pipe_fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(pipe_fds[0]);
      RunChild(dir.path(), options, static_cast<uint64_t>(cycle), pipe_fds[1]);
    }
    close(pipe_fds[1]);
    const uint64_t kill_after = 20 + random() % 3000;  // Acknowledgements before the kill.
    uint64_t seen = 0;
    Report report{};
    bool killed = false;
    while (read(pipe_fds[0], &report, sizeof(report)) == sizeof(report)) {
      if (report.outcome == Outcome::kSubmitting) {
        ledger.submitted.insert(report.id);
        continue;
      }
      (report.outcome == Outcome::kOk ? ledger.present : ledger.absent).insert(report.id);
      if (report.outcome == Outcome::kOk && ++seen == kill_after && !killed) {
        ASSERT_EQ(kill(child, SIGKILL), 0);
        killed = true;
      }
    }
    close(pipe_fds[0]);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
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
  std::printf("crash: %d cycles, %llu present verified (acknowledged or settled), %llu absent "
              "verified, in flight: %llu whole / %llu absent, 0 violations, seed %llu\n",
              cycles, static_cast<unsigned long long>(total.present_verified),
              static_cast<unsigned long long>(total.absent_verified),
              static_cast<unsigned long long>(total.in_flight_whole),
              static_cast<unsigned long long>(total.in_flight_absent),
              static_cast<unsigned long long>(seed));
}

}  // namespace
}  // namespace ringdb
