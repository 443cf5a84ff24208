// Goal: the applier judges preconditions against the serial state, including transactions staged
// earlier in the same group; a conflict writes nothing; the marker lands with the data. Method: a
// real RocksDB in a temporary directory, transactions built with WriteBatch.
#include "engine/applier.h"

#include <filesystem>
#include <memory>

#include <gtest/gtest.h>

#include "engine/rocksdb_open.h"
#include "engine/staged_keys.h"
#include "engine/txn_format.h"
#include "ringdb/write_batch.h"
#include "test_util/temp_dir.h"

namespace ringdb {
namespace {

std::span<const std::byte> Bytes(const WriteBatch& batch) {
  return std::as_bytes(std::span(batch.encoded().data(), batch.encoded().size()));
}

class ApplierTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override { CloseDb(); }

  void Open() {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.create_missing_column_families = true;
    options.atomic_flush = true;
    const Status opened =
        OpenRingdbRocksDb(dir_.path(), RocksDbMode::ReadWrite(), options, &rocks_);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    applier_ = std::make_unique<Applier>(rocks_->db(), rocks_->data(), rocks_->meta());
  }
  void CloseDb() {
    applier_.reset();
    if (rocks_ != nullptr) {
      ASSERT_TRUE(rocks_->Close().ok());
    }
    rocks_.reset();
  }
  rocksdb::DB* db() const { return rocks_->db(); }
  rocksdb::ColumnFamilyHandle* meta() const { return rocks_->meta(); }
  std::string Read(const std::string& key) {
    std::string value;
    const rocksdb::Status status = db()->Get(rocksdb::ReadOptions(), rocks_->data(), key, &value);
    return status.ok() ? value : "<absent>";
  }

  TempDir dir_;
  std::unique_ptr<RingdbRocksDb> rocks_;
  std::unique_ptr<Applier> applier_;
};

TEST_F(ApplierTest, PutsAndDeletesLandWithTheMarker) {
  WriteBatch first;
  first.Put("a", "1");
  first.Put("b", "2");
  WriteBatch second;
  second.Delete("a");
  ASSERT_TRUE(applier_->Stage(Bytes(first), 1).ok());
  ASSERT_TRUE(applier_->Stage(Bytes(second), 2).ok());
  EXPECT_EQ(Read("b"), "<absent>") << "nothing is visible before Commit";
  ASSERT_TRUE(applier_->Commit().ok());
  EXPECT_EQ(Read("a"), "<absent>");
  EXPECT_EQ(Read("b"), "2");
  uint64_t marker = 0;
  ASSERT_TRUE(Applier::ReadMarker(db(), meta(), &marker).ok());
  EXPECT_EQ(marker, 2u);
}

TEST_F(ApplierTest, PreconditionsSeeEarlierTransactionsOfTheSameGroup) {
  WriteBatch create;
  create.ExpectAbsent("account");
  create.Put("account", "100");
  WriteBatch debit;
  debit.ExpectEqual("account", "100");
  debit.Put("account", "90");
  WriteBatch stale_debit;  // Read the old balance: must conflict.
  stale_debit.ExpectEqual("account", "100");
  stale_debit.Put("account", "50");
  WriteBatch duplicate_create;
  duplicate_create.ExpectAbsent("account");
  duplicate_create.Put("account", "0");
  ASSERT_TRUE(applier_->Stage(Bytes(create), 1).ok());
  ASSERT_TRUE(applier_->Stage(Bytes(debit), 2).ok());
  EXPECT_TRUE(applier_->Stage(Bytes(stale_debit), 3).IsConflict());
  EXPECT_TRUE(applier_->Stage(Bytes(duplicate_create), 4).IsConflict());
  ASSERT_TRUE(applier_->Commit().ok());
  EXPECT_EQ(Read("account"), "90");
  EXPECT_EQ(applier_->committed_sequence(), 4u) << "conflicts advance the marker too";
}

// A group is written in one piece unless a precondition reads a key the group wrote: then what
// was staged before it is committed first, so the read sees it.
TEST_F(ApplierTest, OnlyAReadOfAStagedKeyCommitsTheGroupEarly) {
  WriteBatch first;
  first.Put("a", "1");
  first.Delete("gone");
  WriteBatch unrelated;
  unrelated.ExpectAbsent("b");
  unrelated.Put("c", "3");
  ASSERT_TRUE(applier_->Stage(Bytes(first), 1).ok());
  ASSERT_TRUE(applier_->Stage(Bytes(unrelated), 2).ok());
  EXPECT_EQ(applier_->committed_sequence(), 0u) << "no precondition read a staged key";
  EXPECT_EQ(Read("a"), "<absent>") << "nothing is written before Commit";
  WriteBatch reads_staged;
  reads_staged.ExpectAbsent("gone");
  reads_staged.ExpectEqual("c", "3");
  reads_staged.Put("d", "4");
  ASSERT_TRUE(applier_->Stage(Bytes(reads_staged), 3).ok());
  EXPECT_EQ(applier_->committed_sequence(), 2u) << "the group before it was committed first";
  EXPECT_EQ(Read("c"), "3");
  EXPECT_EQ(Read("d"), "<absent>");
  ASSERT_TRUE(applier_->Commit().ok());
  EXPECT_EQ(Read("d"), "4");
  EXPECT_EQ(applier_->committed_sequence(), 3u);
}

// More writes than the staged-key set holds: every later precondition commits first, and
// preconditions on any of those keys still see them.
TEST_F(ApplierTest, AGroupLargerThanTheStagedKeySetStaysCorrect) {
  WriteBatch many;
  const uint32_t count = StagedKeys::kMaxEntries + 10;
  for (uint32_t index = 0; index < count; ++index) {
    many.Put("many/" + std::to_string(index), "v");
  }
  ASSERT_TRUE(applier_->Stage(Bytes(many), 1).ok());
  WriteBatch last_key;
  last_key.ExpectPresent("many/" + std::to_string(count - 1));
  last_key.Put("seen", "yes");
  ASSERT_TRUE(applier_->Stage(Bytes(last_key), 2).ok());
  EXPECT_EQ(applier_->committed_sequence(), 1u);
  WriteBatch absent;
  absent.ExpectPresent("many/" + std::to_string(count));
  EXPECT_TRUE(applier_->Stage(Bytes(absent), 3).IsConflict());
  ASSERT_TRUE(applier_->Commit().ok());
  EXPECT_EQ(Read("seen"), "yes");
}

TEST(StagedKeysTest, HoldsEveryInsertedKeyUntilCleared) {
  StagedKeys keys;
  std::vector<std::string> inserted;
  for (uint32_t index = 0; index < StagedKeys::kMaxEntries; ++index) {
    inserted.push_back(std::string(index % 20, 'k') + std::to_string(index));
  }
  inserted.push_back("");
  EXPECT_FALSE(keys.MayContain(""));
  for (const std::string& key : inserted) {
    keys.Insert(key);
  }
  for (const std::string& key : inserted) {
    EXPECT_TRUE(keys.MayContain(key)) << key;
  }
  keys.Clear();
  uint32_t false_positives = 0;
  for (const std::string& key : inserted) {
    false_positives += keys.MayContain(key) ? 1 : 0;
  }
  EXPECT_EQ(false_positives, 0u);
  EXPECT_NE(StagedKeys::Hash("ab"), StagedKeys::Hash(std::string_view("ab\0", 3)))
      << "the length is part of the hash";
}

TEST_F(ApplierTest, AConflictWritesNothingOfItsTransaction) {
  WriteBatch mixed;
  mixed.Put("x", "1");
  mixed.ExpectPresent("missing");
  mixed.Put("y", "2");
  EXPECT_TRUE(applier_->Stage(Bytes(mixed), 1).IsConflict());
  ASSERT_TRUE(applier_->Commit().ok());
  EXPECT_EQ(Read("x"), "<absent>");
  EXPECT_EQ(Read("y"), "<absent>");
}

TEST_F(ApplierTest, CorruptBytesAreRejectedBeforeAnyWrite) {
  WriteBatch batch;
  batch.Put("k", "v");
  std::string bytes(batch.encoded());
  bytes[txn::kHeaderBytes + txn::kOpTypeAt] = 0;  // No operation has type 0.
  EXPECT_TRUE(
      applier_->Stage(std::as_bytes(std::span(bytes.data(), bytes.size())), 1).IsCorruption());
  ASSERT_TRUE(applier_->Commit().ok());
  EXPECT_EQ(Read("k"), "<absent>");
  uint64_t marker = 0;
  ASSERT_TRUE(Applier::ReadMarker(db(), meta(), &marker).ok());
  EXPECT_EQ(marker, 1u) << "judged failed: the marker covers it";
}

// A newer ringdb's transaction is not judged: nothing written, and no marker covers it.
TEST_F(ApplierTest, ANewerFormatIsNotJudged) {
  WriteBatch batch;
  batch.Put("k", "v");
  std::string bytes(batch.encoded());
  bytes[txn::kHeaderBytes + txn::kOpTypeAt] = 42;
  const Status staged = applier_->Stage(std::as_bytes(std::span(bytes.data(), bytes.size())), 1);
  EXPECT_TRUE(staged.IsNotSupported()) << staged.ToString();
  EXPECT_NE(staged.message().find("transaction 1"), std::string_view::npos) << staged.ToString();
  ASSERT_TRUE(applier_->Commit().ok());
  EXPECT_EQ(Read("k"), "<absent>");
  uint64_t marker = 0;
  EXPECT_TRUE(Applier::ReadMarker(db(), meta(), &marker).ok());
  EXPECT_EQ(marker, 0u);
}

TEST_F(ApplierTest, MarkerSurvivesReopenAfterFlush) {
  WriteBatch batch;
  batch.Put("k", "v");
  ASSERT_TRUE(applier_->Stage(Bytes(batch), 7).ok());
  ASSERT_TRUE(applier_->Commit().ok());
  ASSERT_TRUE(db()->Flush(rocksdb::FlushOptions(), rocks_->families()).ok());
  CloseDb();
  Open();
  uint64_t marker = 0;
  ASSERT_TRUE(Applier::ReadMarker(db(), meta(), &marker).ok());
  EXPECT_EQ(marker, 7u);
  EXPECT_EQ(Read("k"), "v");
}

}  // namespace
}  // namespace ringdb
