// Goal: a transaction written by a newer ringdb (a format version above this one's, or an
// operation type this one does not know) stops recovery, the read-only view, `ringdb replay` and
// `ringdb journal dump` with a NotSupported naming the record, instead of being judged failed and
// skipped: skipping would move the applied marker past acknowledged work, which a later upgrade
// could then never replay.
// Method: a real database; the newer transaction is appended with the journal's own writer (a
// valid, checksummed record), the way a newer binary would have written it.
#include <cstring>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include "engine/applier.h"
#include "engine/database_lock.h"
#include "engine/journal_options_for.h"
#include "engine/rocksdb_open.h"
#include "engine/txn_format.h"
#include "journal/journal.h"
#include "test_util/engine_fixture.h"
#include "tool_run.h"

namespace ringdb {
namespace {

// The transaction "put key=value" as this ringdb encodes it, then changed by `edit`.
template <typename Edit>
std::string EditedTransaction(std::string_view key, Edit edit) {
  WriteBatch batch;
  batch.Put(key, "value");
  std::string bytes(batch.encoded());
  edit(&bytes);
  return bytes;
}

// Appends `payload` as the next journaled transaction of the closed database at `dir`.
void AppendTransaction(const Options& options, const std::string& dir, const std::string& payload) {
  journal::JournalOptions journal_options = JournalOptionsFor(options, 0);
  std::unique_ptr<journal::Journal> journal;
  ASSERT_TRUE(journal::Journal::Open(journal_options, dir + "/journal", nullptr, &journal).ok());
  uint64_t sequence = 0;
  const auto bytes = std::as_bytes(std::span(payload.data(), payload.size()));
  ASSERT_TRUE(journal->Add(1, bytes, &sequence).ok());
  ASSERT_TRUE(journal->Commit().ok());
  ASSERT_TRUE(journal->Close().ok());
}

// RocksDB's applied marker, read directly.
uint64_t AppliedMarker(const std::string& dir) {
  std::unique_ptr<RingdbRocksDb> opened;
  const Status status =
      OpenRingdbRocksDb(dir + "/db", RocksDbMode::ReadOnly(), rocksdb::Options(), &opened);
  EXPECT_TRUE(status.ok()) << status.ToString();
  if (!status.ok()) {
    return UINT64_MAX;
  }
  const RingdbRocksDb& rocks = *opened;
  std::string value;
  uint64_t marker = 0;
  if (rocks.db()->Get(rocksdb::ReadOptions(), rocks.meta(), Applier::kMarkerKey, &value).ok()) {
    EXPECT_EQ(value.size(), sizeof(marker));
    std::memcpy(&marker, value.data(), std::min(value.size(), sizeof(marker)));
  }
  return marker;
}

class FormatVersionTest : public EngineTest {
 protected:
  // A database holding "before" (sequence 1, applied and flushed by Close), then `newer`
  // (sequence 2) and a plain "after" (sequence 3) in its journal only.
  void Prepare(const std::string& newer) {
    OpenEngine(SmallOptions());
    WriteBatch before;
    before.Put("before", "1");
    ASSERT_TRUE(engine_->Write(before).ok());
    ASSERT_TRUE(engine_->Close().ok());
    engine_.reset();
    ASSERT_EQ(AppliedMarker(dir_.path()), 1u);
    AppendTransaction(options_, dir_.path(), newer);
    AppendTransaction(options_, dir_.path(), EditedTransaction("after", [](std::string*) {}));
  }

  // Every reader of the journal stops at sequence 2 with NotSupported naming `what` and the
  // record, and the marker stays where it was.
  void ExpectRefused(std::string_view what) {
    std::unique_ptr<Engine> engine;
    const Status opened = Engine::Open(options_, dir_.path(), &engine);
    EXPECT_TRUE(opened.IsNotSupported()) << opened.ToString();
    EXPECT_NE(opened.message().find(what), std::string_view::npos) << opened.ToString();
    EXPECT_NE(opened.message().find("journal record at "), std::string_view::npos)
        << opened.ToString();
    EXPECT_NE(opened.message().find("transaction 2"), std::string_view::npos) << opened.ToString();
    EXPECT_NE(opened.message().find("newer ringdb"), std::string_view::npos) << opened.ToString();
    EXPECT_EQ(engine, nullptr);
    EXPECT_EQ(AppliedMarker(dir_.path()), 1u) << "the refused transaction was judged";

    std::unique_ptr<ReadOnlyDatabase> view;
    const Status viewed = ReadOnlyDatabase::Open(options_, dir_.path(), &view);
    EXPECT_TRUE(viewed.IsNotSupported()) << viewed.ToString();
    EXPECT_NE(viewed.message().find(what), std::string_view::npos) << viewed.ToString();
    {
      // Beside a live engine (its lock held) the refusal is still NotSupported, not the Busy of
      // a journal that changed under every read: rereading cannot change it.
      std::unique_ptr<FileLock> lock;
      const Status locked = LockDatabase(nullptr, dir_.path(), &lock);
      ASSERT_TRUE(locked.ok()) << locked.ToString();
      const Status beside = ReadOnlyDatabase::Open(options_, dir_.path(), &view);
      EXPECT_TRUE(beside.IsNotSupported()) << beside.ToString();
    }

    const ToolRun replay = Ringdb("replay " + dir_.path() + " --into " + dir_.path() + "/replayed");
    EXPECT_NE(replay.exit_code, 0) << replay.output;
    EXPECT_NE(replay.output.find(what), std::string::npos) << replay.output;
    EXPECT_NE(replay.output.find("journal record at "), std::string::npos) << replay.output;
    const ToolRun dump = Ringdb("journal dump " + dir_.path());
    EXPECT_NE(dump.output.find(what), std::string::npos) << dump.output;

    // A second attempt meets the same refusal: the first changed nothing it depends on.
    EXPECT_TRUE(Engine::Open(options_, dir_.path(), &engine).IsNotSupported());
    EXPECT_EQ(AppliedMarker(dir_.path()), 1u);
  }
};

TEST_F(FormatVersionTest, ANewerFormatVersionStopsRecoveryAndTheView) {
  Prepare(EditedTransaction("newer", [](std::string* bytes) {
    (*bytes)[txn::kHeaderFormatVersionAt] = static_cast<char>(txn::kLegacyCountTopMax + 1);
  }));
  ExpectRefused("format version " + std::to_string(txn::kLegacyCountTopMax + 1));
}

TEST_F(FormatVersionTest, AnUnknownOperationTypeStopsRecoveryAndTheView) {
  Prepare(EditedTransaction("newer", [](std::string* bytes) {
    (*bytes)[txn::kHeaderBytes + txn::kOpTypeAt] = static_cast<char>(txn::kOpTypeMax + 1);
  }));
  ExpectRefused("has type " + std::to_string(txn::kOpTypeMax + 1));
}

TEST_F(FormatVersionTest, ReservedBitsStopRecoveryAndTheView) {
  Prepare(EditedTransaction(
      "newer", [](std::string* bytes) { (*bytes)[txn::kHeaderBytes + txn::kOpReservedAt] = 1; }));
  ExpectRefused("sets reserved bits");
}

// Bytes that no ringdb writes (a header whose sizes do not add up) are judged failed, as the live
// applier judged them: recovery goes on past them.
TEST_F(FormatVersionTest, UndecodableBytesOfThisFormatAreJudgedFailedAndSkipped) {
  Prepare(EditedTransaction("newer", [](std::string* bytes) {
    (*bytes)[txn::kHeaderOperationCountAt] = 100;  // More operations than its bytes can hold.
  }));
  OpenEngine(options_);
  EXPECT_EQ(Read("before"), "1");
  EXPECT_EQ(Read("newer"), "<absent>");
  EXPECT_EQ(Read("after"), "value");
}

TEST(TransactionFormatTest, EveryEncodedTransactionCarriesThisFormatVersion) {
  WriteBatch batch;
  batch.Put("k", "v");
  batch.Delete("d");
  const std::string_view bytes = batch.encoded();
  ASSERT_GE(bytes.size(), txn::kHeaderBytes);
  EXPECT_EQ(static_cast<uint8_t>(bytes[txn::kHeaderFormatVersionAt]), txn::kFormatVersion);
  EXPECT_EQ(static_cast<uint8_t>(bytes[txn::kHeaderOperationCountAt]), 2u);
}

}  // namespace
}  // namespace ringdb
