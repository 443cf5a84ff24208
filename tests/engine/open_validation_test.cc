// Goal: Open refuses options that a later stage (the ring, RocksDB) would refuse before it writes
// anything: the OPTIONS file keeps its bytes and the journal its files, so that later commands,
// which reuse OPTIONS, still see the database as it was. Method: an existing database, Opens with
// refused options, the directory's bytes compared before and after.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <rocksdb/options.h>

#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Every file under dir, by relative path, with its bytes.
std::map<std::string, std::string> FilesUnder(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files[std::filesystem::relative(entry.path(), dir).string()] = ReadBytes(entry.path());
    }
  }
  return files;
}

class OpenValidationTest : public EngineTest {
 protected:
  // An existing database holding one key, closed.
  void SetUp() override {
    OpenEngine(SmallOptions());
    WriteBatch batch;
    batch.Put("kept", "value");
    ASSERT_TRUE(engine_->Write(batch).ok());
    ASSERT_TRUE(engine_->Close().ok());
    engine_.reset();
    options_file_ = ReadBytes(dir_.path() + "/OPTIONS");
    ASSERT_FALSE(options_file_.empty());
    journal_ = FilesUnder(dir_.path() + "/journal");
    ASSERT_FALSE(journal_.empty());
  }

  void ExpectUntouched() {
    EXPECT_EQ(ReadBytes(dir_.path() + "/OPTIONS"), options_file_) << "OPTIONS was rewritten";
    EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/OPTIONS.tmp"));
    EXPECT_EQ(FilesUnder(dir_.path() + "/journal"), journal_) << "the journal was changed";
    OpenEngine(SmallOptions());
    EXPECT_EQ(Read("kept"), "value");
  }

  std::string options_file_;
  std::map<std::string, std::string> journal_;
};

TEST_F(OpenValidationTest, ARingTheRingRefusesIsRefusedBeforeAnythingIsWritten) {
  Options options = SmallOptions();
  options.ring_slot_count = uint64_t{1} << 24;
  options.ring_chunk_count = 1024;  // 512 GiB: over the ring's 16 GiB cap.
  const Status validated = options.Validate();
  EXPECT_TRUE(validated.IsInvalidArgument()) << validated.ToString();
  EXPECT_NE(validated.message().find("ring_slot_count"), std::string_view::npos)
      << validated.ToString();
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(options, dir_.path(), &engine);
  EXPECT_TRUE(opened.IsInvalidArgument()) << opened.ToString();
  EXPECT_EQ(engine, nullptr);
  ExpectUntouched();
}

TEST_F(OpenValidationTest, OptionsRocksDbRefusesLeaveTheJournalAndOptionsFileAlone) {
  Options options = SmallOptions();
  auto rocksdb_options = std::make_shared<rocksdb::Options>();
  rocksdb_options->enable_pipelined_write = true;  // RocksDB refuses it with atomic_flush.
  options.rocksdb_options = rocksdb_options;
  std::unique_ptr<Engine> engine;
  const Status opened = Engine::Open(options, dir_.path(), &engine);
  EXPECT_FALSE(opened.ok());
  EXPECT_NE(opened.message().find("pipelined"), std::string_view::npos) << opened.ToString();
  ExpectUntouched();
}

}  // namespace
}  // namespace ringdb
