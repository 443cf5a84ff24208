// Goal: options say what a user can act on. Reopening a database with options its journal cannot
// take names the stored value, the option to change and the value to set; Options::LoadFrom gives
// options that reopen it; kSkipCorrupted is refused by Validate with the salvage command; the
// defaults write a value of exactly value_bytes_max. Method: real engines in temporary
// directories.
#include <string>

#include <gtest/gtest.h>

#include "engine/log_capture.h"
#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

// Smaller limits than the defaults (16 KiB transactions in 1 MiB segments), valid on their own:
// a fresh directory opens with them.
Options SmallerOptions() { return SmallOptions(); }

// The number after `prefix` in `text`, or 0.
uint64_t NumberAfter(std::string_view text, std::string_view prefix) {
  const size_t at = text.find(prefix);
  if (at == std::string_view::npos) {
    return 0;
  }
  return std::stoull(std::string(text.substr(at + prefix.size())));
}

class StoredOptionsTest : public EngineTest {
 protected:
  // A database opened once with the default limits (1 MiB transactions), closed.
  void SetUp() override {
    Options defaults;
    defaults.sync_mode = SyncMode::kNoSyncNotDurable;
    OpenEngine(defaults);
    WriteBatch batch;
    batch.Put("kept", "value");
    ASSERT_TRUE(engine_->Write(batch).ok());
    ASSERT_TRUE(engine_->Close().ok());
    engine_.reset();
  }
};

TEST_F(StoredOptionsTest, SmallerOptionsNameTheStoredValueAndWhatToSet) {
  const Options smaller = SmallerOptions();
  ASSERT_TRUE(smaller.Validate().ok());
  TempDir fresh;
  std::unique_ptr<Engine> engine;
  ASSERT_TRUE(Engine::Open(smaller, fresh.path(), &engine).ok()) << "valid on a new database";
  engine.reset();

  const Status refused = Engine::Open(smaller, dir_.path(), &engine);
  ASSERT_TRUE(refused.IsInvalidArgument()) << refused.ToString();
  const std::string_view message = refused.message();
  for (const char* named : {"journal_segment_bytes_max = 1048576", "journal_record_bytes_max",
                            "/OPTIONS", "Options::LoadFrom"}) {
    EXPECT_NE(message.find(named), std::string_view::npos) << named << ": " << message;
  }
  EXPECT_EQ(message.find("group_bytes_max"), std::string_view::npos) << message;

  // The value it says to set is exactly the least that opens.
  const uint64_t least = NumberAfter(message, "set journal_segment_bytes_max to at least ");
  ASSERT_GT(least, smaller.journal_segment_bytes_max) << message;
  Options just_under = smaller;
  just_under.journal_segment_bytes_max = least - 1;
  EXPECT_TRUE(Engine::Open(just_under, dir_.path(), &engine).IsInvalidArgument());
  Options enough = smaller;
  enough.journal_segment_bytes_max = least;
  OpenEngine(enough);
  EXPECT_EQ(Read("kept"), "value");
}

TEST_F(StoredOptionsTest, LoadFromGivesOptionsThatReopen) {
  LogCapture capture;
  Options options = SmallerOptions();
  options.logger = capture.logger();
  ASSERT_TRUE(Options::LoadFrom(dir_.path(), &options).ok());
  EXPECT_EQ(options.transaction_bytes_max, Options().transaction_bytes_max);
  EXPECT_EQ(options.journal_segment_bytes_max, Options().journal_segment_bytes_max);
  EXPECT_EQ(options.logger, capture.logger()) << "fields not in OPTIONS keep their values";
  OpenEngine(options);
  EXPECT_EQ(Read("kept"), "value");

  TempDir empty;
  Options untouched = SmallerOptions();
  EXPECT_TRUE(Options::LoadFrom(empty.path(), &untouched).IsNotFound());
  EXPECT_EQ(untouched.transaction_bytes_max, SmallerOptions().transaction_bytes_max);
}

TEST(OptionsUserFacingTest, SkipCorruptedIsRefusedByValidateWithTheSalvageCommand) {
  Options options;
  options.recovery_mode = RecoveryMode::kSkipCorrupted;
  const Status status = options.Validate();
  ASSERT_TRUE(status.IsInvalidArgument()) << status.ToString();
  EXPECT_NE(status.message().find("recovery_mode"), std::string_view::npos) << status.ToString();
  EXPECT_NE(status.message().find("ringdb recover --mode skip-corrupted"), std::string_view::npos)
      << status.ToString();
  EXPECT_EQ(status.message().find("JournalReader"), std::string_view::npos) << status.ToString();
}

TEST(OptionsUserFacingTest, DefaultsWriteAValueOfExactlyValueBytesMax) {
  TempDir dir;
  const Options options;
  std::unique_ptr<Engine> engine;
  ASSERT_TRUE(Engine::Open(options, dir.path(), &engine).ok());
  const std::string key(options.key_bytes_max, 'k');
  const std::string value(options.value_bytes_max, 'v');
  WriteBatch batch;
  batch.Put(key, value);
  const Status written = engine->Write(batch);
  ASSERT_TRUE(written.ok()) << written.ToString();

  Result<ClaimedTransaction> claim = engine->Claim(engine->SlotsFor(1, key.size() + value.size()));
  ASSERT_TRUE(claim.ok()) << claim.status().ToString();
  const std::string in_place_key(options.key_bytes_max, 'p');
  Result<ValueBuffer> buffer = claim->PutInPlace(in_place_key, options.value_bytes_max);
  ASSERT_TRUE(buffer.ok()) << buffer.status().ToString();
  buffer->Write(0, std::as_bytes(std::span(value.data(), value.size())));
  ASSERT_TRUE(claim->Publish().Wait().ok());

  std::string read;
  ASSERT_TRUE(engine->Get(key, &read).ok());
  EXPECT_EQ(read, value);
  ASSERT_TRUE(engine->Get(in_place_key, &read).ok());
  EXPECT_EQ(read, value);
  EXPECT_TRUE(engine->Close().ok());
}

}  // namespace
}  // namespace ringdb
