// Goal: an iterator with a prefix seeks to the prefix's last key directly, never stepping over the
// keys after the prefix, and is right at the edges: a prefix no key has, a prefix of 0xff bytes,
// a key equal to the prefix, bounds inside the prefix. Method: RocksDB's statistics count the
// iterator's steps (Next and Prev of RocksDB's iterator) while ringdb's iterator seeks.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>

#include "test_util/engine_fixture.h"

namespace ringdb {
namespace {

constexpr int kKeysAfterPrefix = 2000;

class IteratorPrefixTest : public EngineTest {
 protected:
  void SetUp() override {
    auto rocksdb_options = std::make_shared<rocksdb::Options>();
    statistics_ = rocksdb::CreateDBStatistics();
    rocksdb_options->statistics = statistics_;
    Options options = SmallOptions();
    options.rocksdb_options = rocksdb_options;
    OpenEngine(options);
    WriteBatch batch;
    batch.Put("a", "");
    batch.Put("b", "");
    for (int i = 0; i < 10; ++i) {
      batch.Put("b/" + std::to_string(i), "");
    }
    for (const char* key : {"\xff\xff", "\xff\xff\x01", "\xff\xff\xff"}) {
      batch.Put(key, "");
    }
    ASSERT_TRUE(engine_->Write(batch).ok());
    for (int i = 0; i < kKeysAfterPrefix; ++i) {
      WriteBatch after;  // One each: a transaction has a byte limit.
      after.Put("c/" + std::to_string(10000 + i), "");
      ASSERT_TRUE(engine_->Write(after).ok());
    }
  }

  // The keys from SeekToLast back to the first, and the steps RocksDB's iterator took to seek.
  std::vector<std::string> Backwards(const IteratorOptions& options, uint64_t* seek_steps) {
    std::vector<std::string> keys;
    auto iterator = engine_->NewIterator(options);
    statistics_->getAndResetTickerCount(rocksdb::NUMBER_DB_PREV);
    statistics_->getAndResetTickerCount(rocksdb::NUMBER_DB_NEXT);
    iterator->SeekToLast();
    // RocksDB counts an iterator's steps when the iterator is destroyed: count on a copy.
    auto counted = engine_->NewIterator(options);
    counted->SeekToLast();
    counted.reset();
    *seek_steps = statistics_->getAndResetTickerCount(rocksdb::NUMBER_DB_PREV) +
                  statistics_->getAndResetTickerCount(rocksdb::NUMBER_DB_NEXT);
    for (; iterator->Valid(); iterator->Prev()) {
      keys.emplace_back(iterator->key());
    }
    EXPECT_TRUE(iterator->status().ok()) << iterator->status().ToString();
    return keys;
  }

  std::vector<std::string> Forwards(const IteratorOptions& options) {
    std::vector<std::string> keys;
    auto iterator = engine_->NewIterator(options);
    for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
      keys.emplace_back(iterator->key());
    }
    EXPECT_TRUE(iterator->status().ok()) << iterator->status().ToString();
    return keys;
  }

  std::shared_ptr<rocksdb::Statistics> statistics_;
};

using Keys = std::vector<std::string>;

TEST_F(IteratorPrefixTest, SeekToLastSeeksWithoutWalkingTheKeysAfterThePrefix) {
  uint64_t steps = 0;
  const Keys keys = Backwards({.prefix = "b/"}, &steps);
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys.front(), "b/9");
  EXPECT_EQ(keys.size(), 10u);
  EXPECT_LE(steps, 2u) << "SeekToLast stepped over the " << kKeysAfterPrefix
                       << " keys after the prefix";
}

TEST_F(IteratorPrefixTest, AKeyEqualToThePrefixIsInIt) {
  uint64_t steps = 0;
  Keys expected;
  for (int i = 9; i >= 0; --i) {
    expected.push_back("b/" + std::to_string(i));
  }
  expected.push_back("b");
  EXPECT_EQ(Backwards({.prefix = "b"}, &steps), expected);
  EXPECT_LE(steps, 2u);
  EXPECT_EQ(Forwards({.prefix = "b"}).size(), 11u);
}

TEST_F(IteratorPrefixTest, APrefixNoKeyHasIsEmptyBothWays) {
  uint64_t steps = 0;
  for (const char* prefix : {"bz", "0", "zz", "\xff\xff\xff\xff", "b/9/"}) {
    EXPECT_TRUE(Backwards({.prefix = prefix}, &steps).empty()) << prefix;
    EXPECT_LE(steps, 2u) << prefix;
    EXPECT_TRUE(Forwards({.prefix = prefix}).empty()) << prefix;
  }
}

TEST_F(IteratorPrefixTest, APrefixOfAllOnesHasNoSuccessorAndStillWorks) {
  uint64_t steps = 0;
  const Keys expected = {"\xff\xff\xff", "\xff\xff\x01", "\xff\xff"};
  EXPECT_EQ(Backwards({.prefix = "\xff\xff"}, &steps), expected);
  EXPECT_LE(steps, 2u);
  EXPECT_EQ(Forwards({.prefix = "\xff\xff"}), Keys(expected.rbegin(), expected.rend()));
  EXPECT_EQ(Backwards({.prefix = "\xff"}, &steps).size(), 3u);
}

TEST_F(IteratorPrefixTest, BoundsInsideThePrefixStillApply) {
  uint64_t steps = 0;
  EXPECT_EQ(Backwards({.upper_bound = "b/5", .prefix = "b/"}, &steps).front(), "b/4");
  EXPECT_EQ(Backwards({.lower_bound = "b/7", .prefix = "b/"}, &steps), (Keys{"b/9", "b/8", "b/7"}));
  EXPECT_EQ(Forwards({.lower_bound = "b/7", .upper_bound = "zz", .prefix = "b/"}),
            (Keys{"b/7", "b/8", "b/9"}));
  EXPECT_EQ(Backwards({}, &steps).front(), "\xff\xff\xff") << "no prefix: the last key";
}

}  // namespace
}  // namespace ringdb
