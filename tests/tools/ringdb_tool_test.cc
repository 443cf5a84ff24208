// Goal: every subcommand of `ringdb` on a real directory written by the engine, including damage
// (a flipped byte in a middle segment, a torn tail), point-in-time replay, backup and recover, a
// live engine beside read-only commands, and bad arguments. Method: run the built binary and
// check its exit code and output.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "engine/rocksdb_open.h"
#include "journal/journal.h"
#include "test_util/engine_fixture.h"
#include "tool_run.h"

namespace ringdb {
namespace {

// A database of `count` transactions (key txn/<i> = value-<i>) across several journal segments,
// closed, with the whole journal kept.
class RingdbToolTest : public EngineTest {
 protected:
  void Populate(int count) {
    Options options = SmallOptions();
    options.journal_retention_transactions = uint64_t{1} << 40;
    OpenEngine(options);
    const std::string padding(2000, 'p');
    for (int i = 1; i <= count; ++i) {
      WriteBatch batch;
      batch.Put("txn/" + std::to_string(i), "value-" + std::to_string(i));
      batch.Put("pad/" + std::to_string(i), padding);
      ASSERT_TRUE(engine_->Write(batch).ok());
    }
    ASSERT_TRUE(engine_->Close().ok());
    engine_.reset();
  }
  std::vector<std::filesystem::path> Segments() {
    std::vector<std::filesystem::path> segments;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path() + "/journal")) {
      if (entry.path().extension() == ".journal") {
        segments.push_back(entry.path());
      }
    }
    std::sort(segments.begin(), segments.end());
    return segments;
  }
};

TEST_F(RingdbToolTest, InspectsAHealthyDatabase) {
  Populate(1200);  // About 2.5 MiB of journal: three 1 MiB segments.
  ToolRun info = Ringdb("info " + dir_.path());
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("journal: sequences 1..1200"), std::string::npos) << info.output;
  EXPECT_NE(info.output.find("ring_slot_count = 1024"), std::string::npos) << info.output;
  ToolRun verify = Ringdb("journal verify " + dir_.path());
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("1200 records"), std::string::npos) << verify.output;
  ToolRun dump = Ringdb("journal dump " + dir_.path() + " --from-seq 7 --to-seq 8 --values");
  EXPECT_EQ(dump.exit_code, 0) << dump.output;
  EXPECT_NE(dump.output.find("#7 "), std::string::npos) << dump.output;
  EXPECT_NE(dump.output.find("put txn/8 (7 bytes) = value-8"), std::string::npos) << dump.output;
  EXPECT_EQ(dump.output.find("#9 "), std::string::npos) << dump.output;
  ToolRun get = Ringdb("get " + dir_.path() + " txn/42");
  EXPECT_EQ(get.exit_code, 0) << get.output;
  EXPECT_NE(get.output.find("value-42"), std::string::npos);
  EXPECT_EQ(Ringdb("get " + dir_.path() + " txn/missing").exit_code, 3);
  ToolRun scan = Ringdb("scan " + dir_.path() + " --prefix txn/ --limit 2 --json");
  EXPECT_EQ(scan.exit_code, 0) << scan.output;
  EXPECT_NE(scan.output.find("{\"key\": \"txn/1\", \"value\": \"value-1\"}"), std::string::npos)
      << scan.output;
  EXPECT_EQ(Ringdb("put " + dir_.path() + " added yes").exit_code, 0);
  EXPECT_NE(Ringdb("get " + dir_.path() + " added").output.find("yes"), std::string::npos);
  EXPECT_EQ(Ringdb("delete " + dir_.path() + " added").exit_code, 0);
  EXPECT_EQ(Ringdb("get " + dir_.path() + " added").exit_code, 3);
  EXPECT_EQ(Ringdb("stats " + dir_.path() + " --json").exit_code, 0);
}

TEST_F(RingdbToolTest, AFlippedByteInAMiddleSegmentIsNamed) {
  Populate(1200);
  const auto segments = Segments();
  ASSERT_GE(segments.size(), 3u);
  const std::filesystem::path middle = segments[1];
  {
    std::fstream file(middle, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(5000);
    char byte = 0;
    file.seekg(5000);
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x40);
    file.seekp(5000);
    file.write(&byte, 1);
  }
  ToolRun verify = Ringdb("journal verify " + dir_.path());
  EXPECT_EQ(verify.exit_code, 4) << verify.output;
  EXPECT_NE(verify.output.find(middle.filename().string()), std::string::npos) << verify.output;
  EXPECT_NE(verify.output.find("Corruption"), std::string::npos) << verify.output;
  // Opening refuses too, in the default mode; salvage skips the bad record.
  EXPECT_EQ(Ringdb("recover " + dir_.path()).exit_code, 4);
  ToolRun salvage = Ringdb("recover " + dir_.path() + " --mode skip-corrupted --json");
  EXPECT_EQ(salvage.exit_code, 0) << salvage.output;
  EXPECT_NE(salvage.output.find("\"skipped\": "), std::string::npos) << salvage.output;
  EXPECT_EQ(salvage.output.find("\"skipped\": 0,"), std::string::npos) << salvage.output;
  // The salvaged database opens normally and takes writes again.
  EXPECT_EQ(Ringdb("journal verify " + dir_.path()).exit_code, 0);
  EXPECT_EQ(Ringdb("put " + dir_.path() + " after-salvage yes").exit_code, 0);
  EXPECT_EQ(Ringdb("get " + dir_.path() + " txn/1200").exit_code, 0);
}

TEST_F(RingdbToolTest, ATornTailIsTruncatedAndReported) {
  Populate(299);
  // Transaction 300 reaches the journal but not RocksDB, as when a crash follows the fdatasync;
  // then its record is damaged, as an interrupted write would leave it.
  {
    journal::JournalOptions journal_options;
    journal::RecoveryReport report;
    std::unique_ptr<journal::Journal> journal;
    ASSERT_TRUE(
        journal::Journal::Open(journal_options, dir_.path() + "/journal", &report, &journal).ok());
    WriteBatch batch;
    batch.Put("txn/300", "value-300");
    uint64_t sequence = 0;
    ASSERT_TRUE(journal->Add(1, std::as_bytes(std::span(batch.encoded())), &sequence).ok());
    ASSERT_EQ(sequence, 300u);
    ASSERT_TRUE(journal->Commit().ok());
  }
  ToolRun dump = Ringdb("journal dump " + dir_.path() + " --from-seq 300 --json");
  // The JSON line names the record's segment and offset: "segment": "<name>", "offset": <n>.
  const size_t segment_at = dump.output.find("\"segment\": \"");
  const size_t offset_at = dump.output.find("\"offset\": ");
  ASSERT_NE(segment_at, std::string::npos) << dump.output;
  ASSERT_NE(offset_at, std::string::npos) << dump.output;
  const size_t name_begin = segment_at + 12;
  const std::string segment =
      dir_.path() + "/journal/" +
      dump.output.substr(name_begin, dump.output.find('"', name_begin) - name_begin);
  const auto offset = std::stoull(dump.output.substr(offset_at + 10));
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(offset + 40));
    file.write("garbage!", 8);
  }
  EXPECT_EQ(Ringdb("recover " + dir_.path() + " --mode absolute").exit_code, 4);
  ToolRun recover = Ringdb("recover " + dir_.path() + " --json");
  EXPECT_EQ(recover.exit_code, 0) << recover.output;
  EXPECT_NE(recover.output.find("\"torn_tail_truncated\": true"), std::string::npos)
      << recover.output;
  EXPECT_EQ(Ringdb("get " + dir_.path() + " txn/299").exit_code, 0);
  EXPECT_EQ(Ringdb("get " + dir_.path() + " txn/300").exit_code, 3) << "the torn record is gone";
}

TEST_F(RingdbToolTest, ReplayToASequenceHoldsExactlyThePrefix) {
  Populate(500);
  const std::string into = dir_.path() + "/replayed";
  ToolRun replay = Ringdb("replay " + dir_.path() + " --into " + into + " --to-seq 123");
  ASSERT_EQ(replay.exit_code, 0) << replay.output;
  std::unique_ptr<RingdbRocksDb> rocks;
  const Status opened =
      OpenRingdbRocksDb(into + "/db", RocksDbMode::ReadOnly(), rocksdb::Options(), &rocks);
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  rocksdb::DB* const db = rocks->db();
  int keys = 0;
  std::unique_ptr<rocksdb::Iterator> iterator(
      db->NewIterator(rocksdb::ReadOptions(), rocks->data()));
  for (iterator->Seek("txn/"); iterator->Valid() && iterator->key().starts_with("txn/");
       iterator->Next()) {
    ++keys;
  }
  iterator.reset();
  EXPECT_EQ(keys, 123);
  std::string value;
  EXPECT_TRUE(db->Get(rocksdb::ReadOptions(), rocks->data(), "txn/123", &value).ok());
  EXPECT_TRUE(db->Get(rocksdb::ReadOptions(), rocks->data(), "txn/124", &value).IsNotFound());
  EXPECT_TRUE(rocks->Close().ok());
  EXPECT_EQ(Ringdb("replay " + dir_.path() + " --into " + into).exit_code, 2)
      << "a non-empty target is refused";

  // The output is a ringdb database: its journal holds sequences 1..123 and every subcommand
  // opens it.
  ToolRun verify = Ringdb("journal verify " + into + " --json");
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_NE(verify.output.find("123"), std::string::npos) << verify.output;
  ToolRun get = Ringdb("get " + into + " txn/123");
  EXPECT_EQ(get.exit_code, 0) << get.output;
  EXPECT_NE(get.output.find("value-123"), std::string::npos) << get.output;
  EXPECT_EQ(Ringdb("get " + into + " txn/124").exit_code, 3);
  ToolRun put = Ringdb("put " + into + " txn/124 later");
  EXPECT_EQ(put.exit_code, 0) << put.output;
  ToolRun later = Ringdb("get " + into + " txn/124");
  EXPECT_EQ(later.exit_code, 0) << later.output;
  EXPECT_NE(later.output.find("later"), std::string::npos) << later.output;
}

TEST_F(RingdbToolTest, ReplayOfARetiredHistorySaysWhichRetentionItNeeds) {
  Options options = SmallOptions();
  options.checkpoint_journal_bytes = 1 << 20;  // Checkpoints retire segments as the journal grows.
  OpenEngine(options);
  const std::string padding(2000, 'p');
  for (int i = 1; i <= 1500; ++i) {
    WriteBatch batch;
    batch.Put("txn/" + std::to_string(i), padding);
    ASSERT_TRUE(engine_->Write(batch).ok());
  }
  ASSERT_TRUE(engine_->Close().ok());
  engine_.reset();
  const std::string into = dir_.path() + "/replayed";
  ToolRun replay = Ringdb("replay " + dir_.path() + " --into " + into);
  EXPECT_EQ(replay.exit_code, 3) << replay.output;
  EXPECT_NE(replay.output.find("journal_retention_transactions of at least 1500"),
            std::string::npos)
      << replay.output;
  EXPECT_NE(replay.output.find("ringdb backup"), std::string::npos) << replay.output;
  EXPECT_FALSE(std::filesystem::exists(into)) << "nothing is written when replay cannot run";
}

TEST_F(RingdbToolTest, BackupThenRecoverOpensTheCopy) {
  Populate(200);
  const std::string target = dir_.path() + "-backup";
  ToolRun backup = Ringdb("backup " + dir_.path() + " " + target);
  ASSERT_EQ(backup.exit_code, 0) << backup.output;
  EXPECT_EQ(Ringdb("recover " + target).exit_code, 0);
  ToolRun get = Ringdb("get " + target + " txn/200");
  EXPECT_EQ(get.exit_code, 0) << get.output;
  EXPECT_NE(get.output.find("value-200"), std::string::npos);
  std::filesystem::remove_all(target);
}

TEST_F(RingdbToolTest, EveryCommandRefusesAnUnfinishedBackup) {
  Populate(20);
  std::ofstream(dir_.path() + "/BACKUP-INCOMPLETE") << "unfinished\n";
  const std::string into = dir_.path() + "-replayed";
  const std::string& db = dir_.path();
  for (const std::string& line :
       {"info " + db, "get " + db + " txn/1", "scan " + db, "stats " + db, "journal verify " + db,
        "journal dump " + db, "recover " + db, "put " + db + " k v",
        "replay " + db + " --into " + into, "backup " + db + " " + into}) {
    SCOPED_TRACE(line);
    ToolRun run = Ringdb(line);
    EXPECT_NE(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("BACKUP-INCOMPLETE"), std::string::npos) << run.output;
  }
  EXPECT_FALSE(std::filesystem::exists(into + "/db/CURRENT")) << "replay built a database";
  std::filesystem::remove_all(into);
}

TEST_F(RingdbToolTest, ReadOnlyCommandsWorkBesideALiveEngineAndWritesAreRefused) {
  Populate(50);
  OpenEngine(options_);
  ToolRun info = Ringdb("info " + dir_.path());
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_EQ(Ringdb("journal verify " + dir_.path()).exit_code, 0);
  EXPECT_EQ(Ringdb("journal dump " + dir_.path() + " --to-seq 3").exit_code, 0);
  ToolRun put = Ringdb("put " + dir_.path() + " k v");
  EXPECT_EQ(put.exit_code, 5) << put.output;
  EXPECT_NE(put.output.find("in use"), std::string::npos) << put.output;
  WriteBatch batch;
  batch.Put("still", "writable");
  EXPECT_TRUE(engine_->Write(batch).ok()) << "the live engine was not disturbed";
}

TEST_F(RingdbToolTest, BadArgumentsGetAClearMessageAndANonZeroExit) {
  EXPECT_EQ(Ringdb("").exit_code, 2);
  EXPECT_EQ(Ringdb("info").exit_code, 2) << "missing path";
  EXPECT_EQ(Ringdb("frobnicate " + dir_.path()).exit_code, 2);
  ToolRun not_ringdb = Ringdb("info " + dir_.path());
  EXPECT_EQ(not_ringdb.exit_code, 3);
  EXPECT_NE(not_ringdb.output.find("not a ringdb database"), std::string::npos);
  EXPECT_EQ(Ringdb("journal verify /nonexistent/path").exit_code, 3);
  Populate(5);
  ToolRun mode = Ringdb("recover " + dir_.path() + " --mode sideways");
  EXPECT_EQ(mode.exit_code, 2);
  EXPECT_NE(mode.output.find("unknown recovery mode 'sideways'"), std::string::npos);
  ToolRun version = Ringdb("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find(RINGDB_VERSION_STRING), std::string::npos);
  EXPECT_EQ(Ringdb("journal dump --help").exit_code, 0);
}

TEST_F(RingdbToolTest, InfoNamesTheEnumeratedOptions) {
  Populate(3);
  ToolRun info = Ringdb("info " + dir_.path());
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("\n  sync_mode = no-sync-NOT-DURABLE\n"), std::string::npos)
      << info.output;
  EXPECT_NE(info.output.find("\n  recovery_mode = tolerate-torn-tail\n"), std::string::npos)
      << info.output;
  EXPECT_NE(info.output.find("\n  wait_strategy = spin-then-park\n"), std::string::npos)
      << info.output;
  ToolRun json = Ringdb("info " + dir_.path() + " --json");
  EXPECT_EQ(json.exit_code, 0) << json.output;
  EXPECT_NE(json.output.find("sync_mode = no-sync-NOT-DURABLE"), std::string::npos) << json.output;
}

TEST_F(RingdbToolTest, WithJsonErrorsAreJsonOnStderr) {
  const std::string missing = dir_.path() + "/missing";
  // Only stderr reaches the pipe: stdout goes to /dev/null.
  ToolRun get = Ringdb("get " + missing + " k --json 2>&1 >/dev/null");
  EXPECT_EQ(get.exit_code, 3) << get.output;
  EXPECT_TRUE(get.output.starts_with("{\"error\": \"get: opening " + missing)) << get.output;
  EXPECT_TRUE(get.output.ends_with(", \"code\": 3}\n")) << get.output;
  EXPECT_FALSE(std::filesystem::exists(missing)) << "a reading command created the database";
  ToolRun usage = Ringdb("scan --json 2>&1 >/dev/null");
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
  EXPECT_TRUE(usage.output.starts_with("{\"error\": \"")) << usage.output;
  EXPECT_NE(usage.output.find("path"), std::string::npos) << usage.output;
  EXPECT_TRUE(usage.output.ends_with(", \"code\": 2}\n")) << usage.output;
  ToolRun unknown = Ringdb("frobnicate " + dir_.path() + " --json");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_TRUE(unknown.output.starts_with("{\"error\": \"unknown subcommand 'frobnicate'"))
      << unknown.output;
}

TEST_F(RingdbToolTest, AnUnknownSubcommandIsNamedWithTheValidOnes) {
  ToolRun top = Ringdb("frobnicate " + dir_.path());
  EXPECT_EQ(top.exit_code, 2) << top.output;
  EXPECT_NE(top.output.find("unknown subcommand 'frobnicate'; valid: info, get, scan, put, "
                            "delete, stats, journal, recover, replay, backup, bench"),
            std::string::npos)
      << top.output;
  ToolRun nested = Ringdb("journal check " + dir_.path());
  EXPECT_EQ(nested.exit_code, 2) << nested.output;
  EXPECT_NE(nested.output.find("unknown subcommand 'journal check'; valid: dump, verify"),
            std::string::npos)
      << nested.output;
}

TEST_F(RingdbToolTest, WritingCommandsCreateADatabaseOnlyWhereNothingIs) {
  const std::string fresh = dir_.path() + "/fresh";
  ToolRun put = Ringdb("put " + fresh + " user/42 alice");
  EXPECT_EQ(put.exit_code, 0) << put.output;
  ToolRun get = Ringdb("get " + fresh + " user/42");
  EXPECT_EQ(get.exit_code, 0) << get.output;
  EXPECT_EQ(get.output, "alice\n");
  ToolRun del = Ringdb("delete " + dir_.path() + "/other user/42");
  EXPECT_EQ(del.exit_code, 0) << del.output;
  EXPECT_EQ(Ringdb("journal verify " + dir_.path() + "/other").exit_code, 0);
  // An existing directory that is not a database is left alone.
  ToolRun refused = Ringdb("put " + dir_.path() + " k v");
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_NE(refused.output.find("not a ringdb database"), std::string::npos) << refused.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/journal"));
}

#ifdef RINGDB_BENCH_BUILT
// `ringdb bench` runs ringdb_bench from beside the command, with the words after `bench`.
TEST_F(RingdbToolTest, BenchRunsTheBenchmarkProgramBesideTheCommand) {
  ToolRun help = Ringdb("bench --help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_NE(help.output.find("usage: ringdb bench [--quick] [--json] [--dir D] [--load N]"),
            std::string::npos)
      << help.output;
  ToolRun load = Ringdb("bench --quick --json --load 99 2>&1 >/dev/null");
  EXPECT_EQ(load.exit_code, 2) << load.output;
  EXPECT_TRUE(load.output.starts_with("{\"error\": \"bench: --load: '99' is not a number"))
      << load.output;
  EXPECT_TRUE(load.output.ends_with(", \"code\": 2}\n")) << load.output;
}
#endif

// Without ringdb_bench beside it (nor installed), `ringdb bench` fails and says where it looked.
TEST_F(RingdbToolTest, BenchNamesWhereItLookedWhenTheProgramIsMissing) {
  const std::string installed = std::string(RINGDB_INSTALL_BINDIR) + "/ringdb_bench";
  if (std::filesystem::exists(installed)) {
    GTEST_SKIP() << installed << " is installed";
  }
  const std::string alone = dir_.path() + "/alone";
  std::filesystem::create_directories(alone);
  std::filesystem::copy_file(RINGDB_TOOL_PATH, alone + "/ringdb");
  ToolRun run = RunShell(alone + "/ringdb bench --quick");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("looked for " + alone + "/ringdb_bench and " + installed),
            std::string::npos)
      << run.output;
}

}  // namespace
}  // namespace ringdb
