// Goal: a full disk never takes the host process down. Writes fail with an IOError that says the
// disk is full and are refused from then on, reads go on, Close returns, an Open on the full disk
// returns (opened for reads, or failed with a Status), and once space is freed a reopen finds
// every acknowledged transaction; every `ringdb` subcommand on the full disk exits with a code
// and a message, never a signal.
//
// Method: each step that may abort runs in a child process (test_util/child_process.h), so that
// an abort is reported with the step's stderr instead of ending the test. Two layouts:
//   - whole: the database on an 8 MiB tmpfs, so that the journal fills it first and RocksDB
//     meets the full disk in its flushes, at Close and at the next Open;
//   - rocksdb: the database on a roomy tmpfs with only db/ (RocksDB's files) on an 8 MiB one and
//     small memtables, so that RocksDB's flushes fail first and the apply path must say why.
// Space is freed by remounting the small tmpfs larger. The mounts need root (CAP_SYS_ADMIN);
// without it those cases are skipped, saying so. The same two layouts also run on the
// fault-injecting layers, whatever the privileges: the journal on FaultInjectionEnv with a space
// limit, RocksDB on PowerLossFileSystem with SetFullDisk, each case in one child process.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "test_util/child_process.h"
#include "test_util/engine_fixture.h"
#include "test_util/fault_injection_env.h"
#include "test_util/power_loss_fs.h"
#include "test_util/temp_dir.h"
#include "tool_run.h"

namespace ringdb {
namespace {

constexpr size_t kValueBytes = 4000;
// Far past what fills 8 MiB: a run that reaches it never met a full disk.
constexpr uint64_t kWritesMax = 20000;
constexpr const char* kSmallTmpfs = "size=8m";
constexpr const char* kFreedTmpfs = "size=128m";
constexpr const char* kRoomyTmpfs = "size=128m";
// Injected layouts: acknowledged writes before the disk fills (the journal retires what
// checkpoints cover, so it never fills a space limit by itself).
constexpr uint64_t kAcknowledgedBeforeFull = 300;

std::string KeyOf(uint64_t id) {
  char key[32];
  std::snprintf(key, sizeof(key), "k/%08llu", static_cast<unsigned long long>(id));
  return key;
}

std::string ValueOf(uint64_t id) {
  std::string value(kValueBytes, static_cast<char>('a' + id % 26));
  const std::string key = KeyOf(id);
  value.replace(0, key.size(), key);
  return value;
}

// What a caller can test: IsNoSpace(), whether the journal or RocksDB met the full disk.
bool SaysDiskFull(const Status& status) { return IsNoSpace(status); }

// What a child step found, sent to the parent a line at a time as it goes, so that what came
// before an abort still arrives.
class Checks {
 public:
  explicit Checks(int report_fd) : report_fd_(report_fd) {}
  void Expect(bool holds, const std::string& what) {
    if (!holds) {
      Send("problem: " + what);
    }
  }
  void Note(const std::string& what) { Send("note: " + what); }
  void Send(const std::string& line) {
    const std::string text = line + "\n";
    for (size_t sent = 0; sent < text.size();) {
      const ssize_t written = write(report_fd_, text.data() + sent, text.size() - sent);
      if (written <= 0) {
        _exit(1);
      }
      sent += static_cast<size_t>(written);
    }
  }

 private:
  int report_fd_;
};

// Where a layout's journal and RocksDB write: the defaults, or the fault-injecting layers.
struct Storage {
  Env* journal_env = nullptr;
  rocksdb::Env* rocksdb_env = nullptr;
  bool small_memtables = false;
};

Options OptionsFor(const Storage& storage) {
  Options options = SmallOptions();
  options.sync_mode = SyncMode::kFdatasync;
  options.checkpoint_journal_bytes = 1 << 20;  // The smallest allowed: RocksDB flushes often.
  options.journal_retention_transactions = kWritesMax;  // The journal grows; replay has it all.
  if (storage.journal_env != nullptr) {
    options.env = storage.journal_env;
  }
  auto logger = std::make_shared<spdlog::logger>("ringdb-full-disk",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::level::warn);
  options.logger = std::move(logger);
  if (storage.rocksdb_env != nullptr || storage.small_memtables) {
    // No info_log here: RocksDB's own log is part of what a full disk must not break.
    auto rocksdb_options = std::make_shared<rocksdb::Options>();
    if (storage.rocksdb_env != nullptr) {
      rocksdb_options->env = storage.rocksdb_env;
    }
    rocksdb_options->write_buffer_size = storage.small_memtables ? 128 << 10 : 16 << 20;
    options.rocksdb_options = std::move(rocksdb_options);
  }
  return options;
}

WriteBatch BatchOf(uint64_t id) {
  WriteBatch batch;
  batch.Put(KeyOf(id), ValueOf(id));
  return batch;
}

void ExpectAcknowledged(Engine* engine, uint64_t acknowledged, const std::string& when,
                        Checks* checks) {
  uint64_t missing = 0;
  for (uint64_t id = 0; id < acknowledged; ++id) {
    std::string value;
    const Status read = engine->Get(KeyOf(id), &value);
    missing += read.ok() && value == ValueOf(id) ? 0 : 1;
  }
  checks->Expect(missing == 0, std::to_string(missing) + " of " + std::to_string(acknowledged) +
                                   " acknowledged transactions missing or wrong " + when);
}

// Writes until the disk is full; checks the failure, the refusal, reads and Close. Returns the
// acknowledged count (ids 0 .. count-1). on_full runs once the first write failed.
uint64_t FillUntilFull(const Options& options, const std::string& path,
                       const std::function<void(uint64_t)>& after_each,
                       const std::function<void()>& on_full, Checks* checks) {
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(options, path, &engine);
  checks->Expect(opened.ok(), "open on an empty disk: " + opened.ToString());
  if (!opened.ok()) {
    return 0;
  }
  uint64_t acknowledged = 0;
  Status failure;
  for (uint64_t id = 0; id < kWritesMax && failure.ok(); ++id) {
    failure = engine->Write(BatchOf(id));
    acknowledged += failure.ok() ? 1 : 0;
    after_each(acknowledged);
  }
  checks->Note("filled after " + std::to_string(acknowledged) + " writes: " + failure.ToString());
  checks->Expect(!failure.ok(), "the disk never filled");
  checks->Expect(failure.IsIOError() && SaysDiskFull(failure),
                 "the failing write does not say the disk is full: " + failure.ToString());
  on_full();
  const Status refused = engine->Write(BatchOf(kWritesMax));
  checks->Expect(refused.IsIOError(), "a write after the failure: " + refused.ToString());
  ExpectAcknowledged(engine.get(), acknowledged, "while the disk is full", checks);
  checks->Send("acknowledged: " + std::to_string(acknowledged));
  const Status closed = engine->Close();
  checks->Note("close on the full disk: " + closed.ToString());
  checks->Expect(closed.IsIOError(), "Close does not report the fault: " + closed.ToString());
  return acknowledged;
}

// An Open on the still-full disk returns: opened (and then it reads everything), or a Status.
void OpenWhileFull(const Options& options, const std::string& path, uint64_t acknowledged,
                   Checks* checks) {
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(options, path, &engine);
  checks->Note("open on the full disk: " + opened.ToString());
  if (!opened.ok()) {
    checks->Expect(opened.IsIOError(), "open on a full disk: " + opened.ToString());
    return;
  }
  ExpectAcknowledged(engine.get(), acknowledged, "opened on the full disk", checks);
  checks->Note("close after opening on the full disk: " + engine->Close().ToString());
}

// Space is free again: the reopen works, holds every acknowledged write and takes new ones.
void ReopenFreed(const Options& options, const std::string& path, uint64_t acknowledged,
                 Checks* checks) {
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(options, path, &engine);
  checks->Expect(opened.ok(), "reopen once space is free: " + opened.ToString());
  if (!opened.ok()) {
    return;
  }
  ExpectAcknowledged(engine.get(), acknowledged, "after freeing space", checks);
  const Status written = engine->Write(BatchOf(kWritesMax + 1));
  checks->Expect(written.ok(), "a write once space is free: " + written.ToString());
  const Status closed = engine->Close();
  checks->Expect(closed.ok(), "close once space is free: " + closed.ToString());
}

// RocksDB's LOG file through the file system under test: the composite Env over
// PowerLossFileSystem hands the LOG straight to the default file system, where the injected full
// disk would not reach it; Env's own NewLogger writes it through GetFileSystem().
class LogThroughFileSystemEnv final : public rocksdb::EnvWrapper {
 public:
  explicit LogThroughFileSystemEnv(rocksdb::Env* target) : EnvWrapper(target) {}
  const char* Name() const override { return "LogThroughFileSystemEnv"; }
  rocksdb::Status NewLogger(const std::string& name,
                            std::shared_ptr<rocksdb::Logger>* result) override {
    return rocksdb::Env::NewLogger(name, result);
  }
};

// The injected layouts, in one process: the fault-injecting layers live in its memory.
void RunInjected(bool rocksdb_first, Checks* checks) {
  TempDir dir;
  const std::string path = dir.path() + "/database";
  FaultInjectionEnv journal_env;
  uint64_t acknowledged = 0;
  {
    auto fs = std::make_shared<PowerLossFileSystem>(rocksdb::FileSystem::Default(),
                                                    dir.path() + "/side-1");
    NoPauseAfterCutEnv no_pause_env(rocksdb::NewCompositeEnv(fs), fs.get());
    LogThroughFileSystemEnv rocksdb_env(&no_pause_env);
    fs->SetFullDisk(true);
    const Options options = OptionsFor({&journal_env, &rocksdb_env, rocksdb_first});
    // The disk is full for RocksDB, and for the journal too unless RocksDB is to fail first.
    const auto fill_disk = [&](bool journal_too) {
      fs->CutPower();
      if (journal_too) {
        journal_env.SetSpaceLimit(journal_env.total_bytes());
      }
    };
    const auto after_each = [&](uint64_t count) {
      if (count == kAcknowledgedBeforeFull) {
        fill_disk(!rocksdb_first);
      }
    };
    const auto on_full = [&] { fill_disk(true); };
    acknowledged = FillUntilFull(options, path, after_each, on_full, checks);
  }
  {
    auto fs = std::make_shared<PowerLossFileSystem>(rocksdb::FileSystem::Default(),
                                                    dir.path() + "/side-2");
    NoPauseAfterCutEnv no_pause_env(rocksdb::NewCompositeEnv(fs), fs.get());
    LogThroughFileSystemEnv rocksdb_env(&no_pause_env);
    fs->SetFullDisk(true);
    fs->CutPower();
    OpenWhileFull(OptionsFor({&journal_env, &rocksdb_env, rocksdb_first}), path, acknowledged,
                  checks);
  }
  journal_env.SetSpaceLimit(UINT64_MAX);
  ReopenFreed(OptionsFor({&journal_env, rocksdb::Env::Default(), rocksdb_first}), path,
              acknowledged, checks);
}

// Child roles: "fill|open-full|reopen PATH SMALL_MEMTABLES ACKNOWLEDGED" on real directories,
// "injected whole|rocksdb". The report: "acknowledged: N", notes and problems, one per line.
void ChildMain(int report_fd, const std::vector<std::string>& arguments) {
  Checks checks(report_fd);
  const std::string& role = arguments.at(0);
  if (role == "injected") {
    RunInjected(arguments.at(1) == "rocksdb", &checks);
  } else {
    const std::string& path = arguments.at(1);
    const Options options = OptionsFor({nullptr, nullptr, arguments.at(2) == "1"});
    const uint64_t acknowledged = std::stoull(arguments.at(3));
    if (role == "fill") {
      FillUntilFull(
          options, path, [](uint64_t) {}, [] {}, &checks);
    } else if (role == "open-full") {
      OpenWhileFull(options, path, acknowledged, &checks);
    } else {
      ReopenFreed(options, path, acknowledged, &checks);
    }
  }
  _exit(0);
}

// Runs a child step; fails the test when it died or found problems. Returns its report.
std::string RunStep(const std::vector<std::string>& arguments, const std::string& scratch) {
  std::string step;
  for (const std::string& argument : arguments) {
    step += (step.empty() ? "" : " ") + argument;
  }
  ChildProcess child = SpawnChild(arguments, {}, scratch + "/child-stderr");
  if (child.pid < 0) {
    ADD_FAILURE() << "cannot start the child for '" << step << "'";
    return "";
  }
  std::string report;
  char buffer[4096];
  for (ssize_t got; (got = read(child.report_fd, buffer, sizeof(buffer))) > 0;) {
    report.append(buffer, static_cast<size_t>(got));
  }
  const int wait_status = WaitForChild(&child);
  const std::string stderr_text = ReadWholeFile(child.stderr_path);
  std::printf("step '%s' (%s):\n%s", step.c_str(), DescribeWaitStatus(wait_status).c_str(),
              report.c_str());
  EXPECT_TRUE(wait_status != -1 && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0)
      << "step '" << step << "' " << DescribeWaitStatus(wait_status) << "; its stderr ends with:\n"
      << stderr_text.substr(stderr_text.size() > 3000 ? stderr_text.size() - 3000 : 0);
  std::istringstream lines(report);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("problem: ")) {
      ADD_FAILURE() << "step '" << step << "': " << line.substr(9);
    }
  }
  return report;
}

uint64_t AcknowledgedIn(const std::string& report) {
  std::istringstream lines(report);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("acknowledged: ")) {
      return std::stoull(line.substr(14));
    }
  }
  ADD_FAILURE() << "the step did not report its acknowledged writes";
  return 0;
}

// A tmpfs mounted for the test's lifetime; unmounted however the test ends.
class TmpfsMount {
 public:
  TmpfsMount(std::string dir, const char* options) : dir_(std::move(dir)) {
    mkdir(dir_.c_str(), 0755);
    if (mount("tmpfs", dir_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options) == 0) {
      mounted_ = true;
    } else {
      error_ = std::string("mount -t tmpfs -o ") + options + " tmpfs " + dir_ + ": " +
               std::strerror(errno);
    }
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  ~TmpfsMount() {
    if (mounted_ && umount2(dir_.c_str(), 0) != 0 && umount2(dir_.c_str(), MNT_DETACH) != 0) {
      std::fprintf(stderr, "cannot unmount %s: %s\n", dir_.c_str(), std::strerror(errno));
    }
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  bool Resize(const char* options) {
    return mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV, options) == 0;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

// Every subcommand that touches the database, on the full disk: a documented exit code (0..5),
// and a message when it fails; never a signal (a shell reports 128 + its number).
void ExpectToolsExit(const std::string& path, const std::string& scratch) {
  const std::vector<std::string> commands = {
      "info " + path,
      "get " + path + " " + KeyOf(0),
      "scan " + path + " --limit 3",
      "put " + path + " tool/put value",
      "delete " + path + " tool/absent",
      "stats " + path,
      "journal dump " + path + " --to-seq 3",
      "journal verify " + path,
      "recover " + path,
      "backup " + path + " " + scratch + "/backup",
      "replay " + path + " --into " + scratch + "/replayed",
  };
  for (const std::string& command : commands) {
    const ToolRun run = Ringdb(command);
    std::printf("ringdb %s: exit %d\n", command.c_str(), run.exit_code);
    EXPECT_TRUE(run.exit_code >= 0 && run.exit_code <= 5)
        << "ringdb " << command << " exited " << run.exit_code << ":\n"
        << run.output;
    if (run.exit_code != 0) {
      EXPECT_NE(run.output.find("ringdb: "), std::string::npos)
          << "ringdb " << command << " failed without a message:\n"
          << run.output;
    }
  }
}

class FullDiskTest : public ::testing::Test {
 protected:
  TempDir dir_;
};

TEST_F(FullDiskTest, WholeDatabaseOnFullTmpfs) {
  TmpfsMount small(dir_.path() + "/small", kSmallTmpfs);
  if (!small.mounted()) {
    GTEST_SKIP() << "needs root to mount a tmpfs (" << small.error()
                 << "); InjectedWholeDatabase covers the same path";
  }
  const std::string path = dir_.path() + "/small/database";
  const uint64_t acknowledged = AcknowledgedIn(RunStep({"fill", path, "0", "0"}, dir_.path()));
  EXPECT_GT(acknowledged, 0u);
  ExpectToolsExit(path, dir_.path() + "/small");
  RunStep({"open-full", path, "0", std::to_string(acknowledged)}, dir_.path());
  ASSERT_TRUE(small.Resize(kFreedTmpfs)) << std::strerror(errno);
  RunStep({"reopen", path, "0", std::to_string(acknowledged)}, dir_.path());
  const ToolRun get = Ringdb("get " + path + " " + KeyOf(0));
  EXPECT_EQ(get.exit_code, 0) << get.output;
  EXPECT_EQ(get.output, ValueOf(0) + "\n");
}

TEST_F(FullDiskTest, RocksDbOnFullTmpfs) {
  TmpfsMount roomy(dir_.path() + "/roomy", kRoomyTmpfs);
  if (!roomy.mounted()) {
    GTEST_SKIP() << "needs root to mount a tmpfs (" << roomy.error()
                 << "); InjectedRocksDbFirst covers the same path";
  }
  const std::string path = dir_.path() + "/roomy/database";
  ASSERT_EQ(mkdir(path.c_str(), 0755), 0) << std::strerror(errno);
  TmpfsMount small(path + "/db", kSmallTmpfs);
  ASSERT_TRUE(small.mounted()) << small.error();
  const uint64_t acknowledged = AcknowledgedIn(RunStep({"fill", path, "1", "0"}, dir_.path()));
  EXPECT_GT(acknowledged, 0u);
  ExpectToolsExit(path, dir_.path() + "/roomy");
  RunStep({"open-full", path, "1", std::to_string(acknowledged)}, dir_.path());
  ASSERT_TRUE(small.Resize(kFreedTmpfs)) << std::strerror(errno);
  RunStep({"reopen", path, "1", std::to_string(acknowledged)}, dir_.path());
}

TEST_F(FullDiskTest, InjectedWholeDatabase) { RunStep({"injected", "whole"}, dir_.path()); }

TEST_F(FullDiskTest, InjectedRocksDbFirst) { RunStep({"injected", "rocksdb"}, dir_.path()); }

}  // namespace
}  // namespace ringdb

int main(int argc, char** argv) {
  if (ringdb::IsChild(argc, argv)) {
    ringdb::ChildMain(ringdb::ChildReportFd(argv), ringdb::ChildArguments(argc, argv));
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
