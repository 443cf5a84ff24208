// Goal: `ringdb recover --mode skip-corrupted` saves what can be saved and never crashes: a
// damaged segment header loses only the header, sequences that go backwards are dropped and
// counted instead of aborting the applier, and every journal directory of the fuzz corpus is
// salvaged without a crash or a sanitizer report into a database that reopens under absolute
// consistency with strictly increasing sequences. Method: run the built binary on real
// directories: an engine's empty database whose journal is replaced by crafted segments
// (backwards_journal.h) or by the files a fuzz input decodes to (tests/fuzz/journal_dir.h).
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backwards_journal.h"
#include "fuzz/journal_dir.h"
#include "journal/journal_reader.h"
#include "journal/segment_name.h"
#include "test_util/engine_fixture.h"
#include "tool_run.h"

namespace ringdb {
namespace {

namespace fs = std::filesystem;

// An empty database: the engine's RocksDB and OPTIONS, its marker at 0, and no journal yet.
void MakeEmptyDatabase(const std::string& path) {
  std::unique_ptr<Engine> engine;
  ASSERT_TRUE(Engine::Open(SmallOptions(), path, &engine).ok());
  ASSERT_TRUE(engine->Close().ok());
  engine.reset();
  fs::remove_all(path + "/journal");
}

// Reopens a salvaged database under absolute consistency; its journal must read back whole, with
// sequences 1..last.
void ExpectSoundAfterSalvage(const std::string& path, uint64_t last) {
  Options options = SmallOptions();
  options.recovery_mode = RecoveryMode::kAbsoluteConsistency;
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(options, path, &engine);
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  ASSERT_TRUE(engine->Close().ok());
  journal::JournalOptions journal_options;
  journal_options.recovery_mode = RecoveryMode::kAbsoluteConsistency;
  journal_options.record_bytes_max = options.transaction_bytes_max;
  std::unique_ptr<journal::JournalReader> reader;
  ASSERT_TRUE(journal::JournalReader::Open(journal_options, path + "/journal", &reader).ok());
  uint64_t next = 1;
  const Status read = reader->Read(
      0,
      [&](const journal::Record& record) {
        EXPECT_EQ(record.first_sequence, next);
        next = record.first_sequence + record.count;
        return Status::OK();
      },
      nullptr);
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(next - 1, last);
}

std::string Get(const std::string& path, const std::string& key) {
  const ToolRun get = Ringdb("get " + path + " " + key);
  return get.exit_code == 0 ? get.output : "<exit " + std::to_string(get.exit_code) + ">";
}

// The value after "name": in the tool's JSON line, or "" when absent.
std::string JsonField(const std::string& json, const std::string& name) {
  const std::string tag = "\"" + name + "\": ";
  const size_t at = json.find(tag);
  if (at == std::string::npos) {
    return "";
  }
  const size_t begin = at + tag.size();
  return json.substr(begin, json.find_first_of(",}", begin) - begin);
}

bool HasSanitizerReport(const std::string& output) {
  return output.find("Sanitizer") != std::string::npos ||
         output.find("runtime error:") != std::string::npos;
}

class SalvageToolTest : public ::testing::Test {
 protected:
  std::string journal_dir() const { return dir_.path() + "/journal"; }
  TempDir dir_;
};

TEST_F(SalvageToolTest, SequencesGoingBackwardsAreDroppedAndCounted) {
  ASSERT_NO_FATAL_FAILURE(MakeEmptyDatabase(dir_.path()));
  ASSERT_NO_FATAL_FAILURE(testing::WriteBackwardsJournal(Env::Default(), journal_dir()));
  const ToolRun salvage = Ringdb("recover " + dir_.path() + " --mode skip-corrupted --json");
  ASSERT_EQ(salvage.exit_code, 0) << salvage.output;
  EXPECT_EQ(JsonField(salvage.output, "applied"), std::to_string(testing::kBackwardsKept));
  EXPECT_EQ(JsonField(salvage.output, "dropped_out_of_order"),
            std::to_string(testing::kBackwardsDropped))
      << salvage.output;
  EXPECT_EQ(JsonField(salvage.output, "skipped"), std::to_string(testing::kBackwardsSkipped));
  EXPECT_EQ(JsonField(salvage.output, "new_last_sequence"),
            std::to_string(testing::kBackwardsKept));
  EXPECT_NE(salvage.output.find("not above"), std::string::npos) << "the drop is logged";
  ASSERT_NO_FATAL_FAILURE(ExpectSoundAfterSalvage(dir_.path(), testing::kBackwardsKept));
  std::string expected;
  for (const std::string& key : testing::BackwardsKeptKeys()) {
    expected += key + " = value of " + key + "\n";
  }
  const ToolRun scan = Ringdb("scan " + dir_.path());
  EXPECT_EQ(scan.output, expected) << "no dropped duplicate (new/...) may be applied";
}

// Three segments of twelve records, properly chained, the second one's header record damaged.
TEST_F(SalvageToolTest, ADamagedSegmentHeaderLosesOnlyTheHeader) {
  ASSERT_NO_FATAL_FAILURE(MakeEmptyDatabase(dir_.path()));
  testing::SegmentFiles files;
  uint32_t chain = 0;
  testing::AddBackwardsSegment(1, 1, 12, false, &chain, &files);
  testing::AddBackwardsSegment(2, 13, 24, false, &chain, &files);
  testing::AddBackwardsSegment(3, 25, 36, false, &chain, &files);
  std::next(files.begin())->second[journal::format::kRecordHeaderBytes + 20] ^= std::byte{0x08};
  fs::create_directories(journal_dir());
  for (const auto& [name, bytes] : files) {
    std::ofstream out(journal_dir() + "/" + name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  const ToolRun salvage = Ringdb("recover " + dir_.path() + " --mode skip-corrupted");
  ASSERT_EQ(salvage.exit_code, 0) << salvage.output;
  EXPECT_NE(salvage.output.find("applied 36 record(s) past marker 0, skipped 1 damaged record(s), "
                                "dropped 0 record(s)"),
            std::string::npos)
      << salvage.output;
  ASSERT_NO_FATAL_FAILURE(ExpectSoundAfterSalvage(dir_.path(), 36));
  EXPECT_NE(Get(dir_.path(), "old/013").find("value of old/013"), std::string::npos);
  EXPECT_NE(Get(dir_.path(), "old/024").find("value of old/024"), std::string::npos);
}

// Salvages the directory one fuzz input decodes to; the verdict is a clear exit, never a crash.
void SalvageFuzzInput(const fs::path& input, const std::string& path) {
  std::ifstream in(input, std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  if (bytes.empty()) {
    return;
  }
  ASSERT_NO_FATAL_FAILURE(MakeEmptyDatabase(path));
  fs::create_directories(path + "/journal");
  for (const journal::fuzz::DirFile& file :
       journal::fuzz::DecodeFiles(std::span(bytes).subspan(1))) {
    std::ofstream out(path + "/journal/" + file.name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(file.bytes.data()),
              static_cast<std::streamsize>(file.bytes.size()));
  }
  const ToolRun salvage = Ringdb("recover " + path + " --mode skip-corrupted --json");
  ASSERT_TRUE(salvage.exit_code == 0 || salvage.exit_code == 1 || salvage.exit_code == 4)
      << "exit " << salvage.exit_code << ": " << salvage.output;
  ASSERT_FALSE(HasSanitizerReport(salvage.output)) << salvage.output;
  if (salvage.exit_code == 0) {
    const std::string last = JsonField(salvage.output, "new_last_sequence");
    ASSERT_FALSE(last.empty()) << salvage.output;
    ASSERT_NO_FATAL_FAILURE(ExpectSoundAfterSalvage(path, std::stoull(last)));
  }
}

TEST_F(SalvageToolTest, EveryJournalDirFuzzSeedIsSalvagedWithoutACrash) {
  int salvaged = 0;
  for (const fs::directory_entry& entry : fs::directory_iterator(RINGDB_JOURNAL_DIR_CORPUS)) {
    SCOPED_TRACE(entry.path().filename().string());
    TempDir dir;
    ASSERT_NO_FATAL_FAILURE(SalvageFuzzInput(entry.path(), dir.path()));
    ++salvaged;
  }
  EXPECT_GE(salvaged, 10);
}

}  // namespace
}  // namespace ringdb
