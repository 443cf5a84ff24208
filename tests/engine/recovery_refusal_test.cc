// Goal: what an engine user meets when the journal is damaged under a database. A point-in-time
// open that would keep less than RocksDB already holds is refused before it changes a byte (the
// records after the damage are acknowledged and nowhere else), and bit rot in the last group of a
// cleanly closed journal is corruption to `journal verify`, not a torn tail.
// Method: a real database in a temporary directory, damaged through std::filesystem.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/journal_options_for.h"
#include "journal/journal_reader.h"
#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

namespace fs = std::filesystem;
using Files = std::map<std::string, std::string>;

Files ReadFiles(const fs::path& dir) {
  Files files;
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      std::string bytes(entry.file_size(), '\0');
      std::ifstream in(entry.path(), std::ios::binary);
      in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      EXPECT_TRUE(in.good()) << entry.path();
      files[fs::relative(entry.path(), dir).string()] = std::move(bytes);
    }
  }
  return files;
}

void FlipByte(const fs::path& path, uint64_t offset) {
  std::fstream file(path, std::ios::binary | std::ios::in | std::ios::out);
  ASSERT_TRUE(file.good()) << path;
  file.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  file.read(&byte, 1);
  byte = static_cast<char>(byte ^ 0x10);
  file.seekp(static_cast<std::streamoff>(offset));
  file.write(&byte, 1);
}

struct Located {
  std::string segment;
  uint64_t offset = 0;
};

// Where the record of `sequence` is, read with the journal's own reader.
Located Locate(const Options& options, const std::string& dir, uint64_t sequence) {
  journal::JournalOptions journal_options = JournalOptionsFor(options, 0);
  std::unique_ptr<journal::JournalReader> reader;
  EXPECT_TRUE(journal::JournalReader::Open(journal_options, dir + "/journal", &reader).ok());
  Located located;
  EXPECT_TRUE(reader
                  ->Read(
                      0,
                      [&](const journal::Record& record) {
                        if (record.first_sequence == sequence) {
                          located = Located{std::string(record.segment), record.offset};
                        }
                        return Status::OK();
                      },
                      nullptr)
                  .ok());
  EXPECT_FALSE(located.segment.empty()) << "sequence " << sequence << " not found";
  return located;
}

Options KeepEveryRecord() {
  Options options = SmallOptions();
  options.journal_retention_transactions = uint64_t{1} << 30;
  return options;
}

void WriteTransactions(Engine* engine, int count) {
  for (int i = 1; i <= count; ++i) {
    WriteBatch batch;
    batch.Put("key/" + std::to_string(i), std::string(200, static_cast<char>('a' + i % 26)));
    ASSERT_TRUE(engine->Write(batch).ok());
  }
}

TEST(RecoveryRefusalTest, ARefusedPointInTimeOpenChangesNoByteOfTheJournal) {
  TempDir dir;
  Options options = KeepEveryRecord();
  {
    std::unique_ptr<Engine> engine;
    const Status opened = Engine::Open(options, dir.path(), &engine);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    WriteTransactions(engine.get(), 600);
    ASSERT_TRUE(engine->Close().ok());  // RocksDB's marker: 600.
  }
  const Located damaged = Locate(options, dir.path(), 100);
  FlipByte(fs::path(dir.path()) / "journal" / damaged.segment, damaged.offset + 60);
  const Files before = ReadFiles(fs::path(dir.path()) / "journal");
  options.recovery_mode = RecoveryMode::kPointInTime;
  std::unique_ptr<Engine> engine;
  const Status status = Engine::Open(options, dir.path(), &engine);
  ASSERT_TRUE(status.IsCorruption()) << status.ToString();
  const Files after = ReadFiles(fs::path(dir.path()) / "journal");
  std::vector<std::string> changed;
  for (const auto& [name, bytes] : before) {
    if (after.count(name) == 0 || after.at(name) != bytes) {
      changed.push_back(name);
    }
  }
  for (const auto& [name, bytes] : after) {
    if (before.count(name) == 0) {
      changed.push_back(name + " (new)");
    }
  }
  EXPECT_TRUE(changed.empty()) << "a refused recovery changed " << changed.size()
                               << " file(s), first " << changed.front() << ": "
                               << status.ToString();
}

TEST(RecoveryRefusalTest, BitRotInTheLastGroupOfACleanlyClosedJournalIsNotSound) {
  TempDir dir;
  Options options = KeepEveryRecord();
  {
    std::unique_ptr<Engine> engine;
    const Status opened = Engine::Open(options, dir.path(), &engine);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    WriteTransactions(engine.get(), 50);
    ASSERT_TRUE(engine->Close().ok());
  }
  const Located last = Locate(options, dir.path(), 50);
  FlipByte(fs::path(dir.path()) / "journal" / last.segment, last.offset + 60);
  journal::JournalOptions journal_options = JournalOptionsFor(options, 0);
  std::unique_ptr<journal::JournalReader> reader;
  ASSERT_TRUE(journal::JournalReader::Open(journal_options, dir.path() + "/journal", &reader).ok());
  journal::RecoveryReport report;
  const Status verified = reader->Verify(&report);
  EXPECT_TRUE(verified.IsCorruption())
      << "verify: " << verified.ToString() << ", torn tail " << report.torn_tail_truncated;
}

}  // namespace
}  // namespace ringdb
