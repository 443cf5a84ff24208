// Goal: ReadOnlyDatabase shows exactly the state the engine reached (or, after a crash, the state
// its next Open recovers), beside a live engine that keeps writing, checkpointing and retiring
// journal segments, and never changes a byte of the directory it reads.
// Method: an engine in this process writes; views opened beside it are compared with the
// engine's own reads; a crashed image (the directory copied while the engine lives, its last
// record torn) is read, then recovered by Engine::Open on a second copy and compared; a writer
// and a checkpointing engine race a reader that checks an invariant every transaction keeps.
#include "ringdb/read_only_database.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "journal/journal_options.h"
#include "journal/journal_reader.h"
#include "journal/record_format.h"
#include "test_util/digest.h"
#include "test_util/engine_fixture.h"
#include "test_util/seed.h"

namespace ringdb {
namespace {

namespace fs = std::filesystem;

StateDigest DigestOf(Iterator* iterator) {
  StateDigest digest;
  for (iterator->SeekToFirst(); iterator->Valid(); iterator->Next()) {
    AddToDigest(&digest, iterator->key(), iterator->value());
  }
  EXPECT_TRUE(iterator->status().ok()) << iterator->status().ToString();
  return digest;
}

StateDigest DigestOf(ReadOnlyDatabase* database) {
  auto iterator = database->NewIterator();
  return DigestOf(iterator.get());
}

// Every regular file under dir with its bytes, to tell that nothing was written.
// Copies a live engine's directory, as a crash would leave it. The engine retires and recycles
// files while the copy walks the directory, so a copy that met a vanishing file starts over
// (bounded: a few tries always find a quiet moment).
void CopyLiveDirectory(const std::string& from, const std::string& to) {
  std::error_code error;
  for (int attempt = 0; attempt < 50; ++attempt) {
    fs::remove_all(to, error);
    fs::create_directories(to, error);
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing, error);
    if (!error) {
      return;
    }
  }
  FAIL() << "copying " << from << ": " << error.message();
}

std::map<std::string, std::string> FilesOf(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      std::string bytes;
      if (FILE* file = std::fopen(entry.path().c_str(), "rb"); file != nullptr) {
        char buffer[1 << 16];
        size_t got = 0;
        while ((got = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
          bytes.append(buffer, got);
        }
        std::fclose(file);
      }
      files[entry.path().string()] = std::move(bytes);
    } else if (entry.is_directory()) {
      files[entry.path().string() + "/"] = "";
    }
  }
  return files;
}

void ExpectSameFiles(const std::map<std::string, std::string>& before,
                     const std::map<std::string, std::string>& after) {
  EXPECT_EQ(before.size(), after.size()) << "files were added or removed";
  for (const auto& [name, bytes] : before) {
    const auto found = after.find(name);
    if (found == after.end()) {
      ADD_FAILURE() << name << " disappeared";
    } else {
      EXPECT_TRUE(found->second == bytes) << name << " changed";
    }
  }
  for (const auto& [name, bytes] : after) {
    EXPECT_TRUE(before.contains(name)) << name << " appeared";
  }
}

std::unique_ptr<ReadOnlyDatabase> OpenView(const Options& options, const std::string& path) {
  std::unique_ptr<ReadOnlyDatabase> database;
  const Status status = ReadOnlyDatabase::Open(options, path, &database);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return database;
}

class ReadOnlyDatabaseTest : public EngineTest {
 protected:
  Status Put(const std::string& key, const std::string& value) {
    WriteBatch batch;
    batch.Put(key, value);
    return engine_->Write(batch);
  }
  std::string ViewRead(ReadOnlyDatabase* database, std::string_view key) {
    std::string value;
    const Status status = database->Get(key, &value);
    if (status.IsNotFound()) {
      return "<absent>";
    }
    EXPECT_TRUE(status.ok()) << status.ToString();
    return value;
  }
};

TEST_F(ReadOnlyDatabaseTest, SeesWritesNotYetFlushedThroughTheJournal) {
  OpenEngine(SmallOptions());  // Checkpoints only past 1 GiB: nothing is flushed while it lives.
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(Put("key/" + std::to_string(i % 100), "value-" + std::to_string(i)).ok());
    if (i == 149) {
      Reopen();  // Close flushes: RocksDB's state holds the first 150, the journal the rest.
    }
  }
  WriteBatch deletes;
  deletes.Delete("key/7");
  deletes.Delete("key/8");
  ASSERT_TRUE(engine_->Write(deletes).ok());
  ASSERT_TRUE(Put("other/1", "x").ok());

  auto view = OpenView(options_, dir_.path());
  ASSERT_NE(view, nullptr);
  const ReadOnlyInfo info = view->Info();
  EXPECT_TRUE(info.live) << "the engine in this process holds the lock";
  EXPECT_EQ(info.sequence, 302u);
  EXPECT_EQ(view->sequence(), 302u);
  EXPECT_EQ(info.marker_sequence, 150u) << "RocksDB's flushed state alone would not show the rest";
  EXPECT_EQ(info.transactions_replayed, 152u);
  EXPECT_EQ(info.transactions_conflicted, 0u);
  EXPECT_EQ(ViewRead(view.get(), "key/5"), "value-205");
  EXPECT_EQ(ViewRead(view.get(), "key/7"), "<absent>");
  EXPECT_EQ(DigestOf(view.get()), DigestOf(engine_.get()));

  std::vector<std::string> values;
  const std::string_view keys[] = {"key/99", "key/8", "other/1"};
  const std::vector<Status> statuses = view->MultiGet(keys, &values);
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_EQ(values[0], "value-299");
  EXPECT_TRUE(statuses[1].IsNotFound());
  EXPECT_TRUE(statuses[2].ok());
  EXPECT_EQ(values[2], "x");

  // Bounds, prefix and both directions, against the engine's own iterator.
  for (const IteratorOptions& options :
       {IteratorOptions{.prefix = "key/"},
        IteratorOptions{.lower_bound = "key/5", .upper_bound = "key/9"},
        IteratorOptions{.lower_bound = "key/95"}, IteratorOptions{.upper_bound = "key/1"}}) {
    auto mine = view->NewIterator(options);
    auto theirs = engine_->NewIterator(options);
    for (mine->SeekToLast(), theirs->SeekToLast(); theirs->Valid(); mine->Prev(), theirs->Prev()) {
      ASSERT_TRUE(mine->Valid()) << "ended early at " << theirs->key() << " (bounds ["
                                 << options.lower_bound << ", " << options.upper_bound
                                 << "), prefix " << options.prefix << ")";
      EXPECT_EQ(mine->key(), theirs->key());
      EXPECT_EQ(mine->value(), theirs->value());
    }
    EXPECT_FALSE(mine->Valid()) << "went past the engine's first key: " << mine->key();
    mine->Seek("key/50");
    theirs->Seek("key/50");
    ASSERT_EQ(mine->Valid(), theirs->Valid());
    if (theirs->Valid()) {
      EXPECT_EQ(mine->key(), theirs->key());
    }
  }
  const Snapshot* snapshot = engine_->GetSnapshot();
  EXPECT_TRUE(view->NewIterator({.snapshot = snapshot})->status().IsInvalidArgument());
  engine_->ReleaseSnapshot(snapshot);
}

TEST_F(ReadOnlyDatabaseTest, AFailedPreconditionIsNotVisibleAndLaterOnesJudgeTheStateSoFar) {
  OpenEngine(SmallOptions());
  ASSERT_TRUE(Put("a", "1").ok());
  WriteBatch holds;  // Reads a key the journal wrote, not RocksDB's flushed state.
  holds.ExpectEqual("a", "1");
  holds.Put("b", "written");
  ASSERT_TRUE(engine_->Write(holds).ok());
  WriteBatch fails;
  fails.ExpectAbsent("b");
  fails.Put("c", "never");
  fails.Delete("a");
  ASSERT_TRUE(engine_->Write(fails).IsConflict());
  WriteBatch after_delete;
  after_delete.Delete("b");
  ASSERT_TRUE(engine_->Write(after_delete).ok());
  WriteBatch absent_now;
  absent_now.ExpectAbsent("b");
  absent_now.Put("d", "after");
  ASSERT_TRUE(engine_->Write(absent_now).ok());

  auto view = OpenView(options_, dir_.path());
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->sequence(), 5u);
  EXPECT_EQ(view->Info().transactions_conflicted, 1u);
  EXPECT_EQ(ViewRead(view.get(), "a"), "1") << "the failed transaction's delete is not applied";
  EXPECT_EQ(ViewRead(view.get(), "b"), "<absent>");
  EXPECT_EQ(ViewRead(view.get(), "c"), "<absent>");
  EXPECT_EQ(ViewRead(view.get(), "d"), "after");
  EXPECT_EQ(DigestOf(view.get()), DigestOf(engine_.get()));
}

TEST_F(ReadOnlyDatabaseTest, RefreshMovesToTheEnginesNewestStateAndIteratorsKeepTheirs) {
  OpenEngine(SmallOptions());
  ASSERT_TRUE(Put("k", "old").ok());
  auto view = OpenView(options_, dir_.path());
  ASSERT_NE(view, nullptr);
  auto iterator = view->NewIterator();
  ASSERT_TRUE(Put("k", "new").ok());
  ASSERT_TRUE(Put("k2", "added").ok());
  EXPECT_EQ(ViewRead(view.get(), "k"), "old") << "a view does not move on its own";
  ASSERT_TRUE(view->Refresh().ok());
  EXPECT_EQ(view->sequence(), 3u);
  EXPECT_EQ(ViewRead(view.get(), "k"), "new");
  iterator->SeekToFirst();
  ASSERT_TRUE(iterator->Valid());
  EXPECT_EQ(iterator->value(), "old") << "an iterator reads the state it was made on";
  iterator->Next();
  EXPECT_FALSE(iterator->Valid());
  EXPECT_TRUE(view->Close().IsBusy()) << "an iterator is still live";
  iterator.reset();
  EXPECT_TRUE(view->Close().ok());
  std::string value;
  EXPECT_TRUE(view->Get("k", &value).IsAborted());
}

TEST_F(ReadOnlyDatabaseTest, AClosedDatabaseIsReadAndBackedUpWithoutChangingAByte) {
  Options options = SmallOptions();
  OpenEngine(options);
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(Put("key/" + std::to_string(i), std::string(500, 'a' + i % 26)).ok());
  }
  const StateDigest expected = DigestOf(engine_.get());
  ASSERT_TRUE(engine_->Close().ok());
  engine_.reset();
  const auto before = FilesOf(dir_.path());
  TempDir backups;
  {
    auto view = OpenView(options, dir_.path());
    ASSERT_NE(view, nullptr);
    EXPECT_FALSE(view->Info().live);
    EXPECT_EQ(view->sequence(), 200u);
    EXPECT_EQ(DigestOf(view.get()), expected);
    ASSERT_TRUE(view->Backup(backups.path() + "/copy").ok());
    EXPECT_TRUE(view->Backup(backups.path() + "/copy").IsInvalidArgument()) << "not empty";
    ASSERT_TRUE(view->Close().ok());
  }
  ExpectSameFiles(before, FilesOf(dir_.path()));
  std::unique_ptr<Engine> copy;
  ASSERT_TRUE(Engine::Open(options, backups.path() + "/copy", &copy).ok());
  EXPECT_EQ(copy->recovery().marker_sequence, 200u);
  EXPECT_EQ(DigestOf(copy.get()), expected);
  WriteBatch next;
  next.Put("after/backup", "1");
  ASSERT_TRUE(copy->Write(next).ok());
  EXPECT_EQ(copy->Info().journal_head_sequence, 201u) << "the copy continues the sequences";
  ASSERT_TRUE(copy->Close().ok());
}

TEST_F(ReadOnlyDatabaseTest, ACrashedDatabaseWithATornTailIsReadToItsValidPrefix) {
  Options options = SmallOptions();
  OpenEngine(options);
  for (int i = 1; i <= 120; ++i) {
    ASSERT_TRUE(Put("key/" + std::to_string(i % 50), "value-" + std::to_string(i)).ok());
  }
  // The image a kill -9 leaves now: RocksDB as last flushed (nothing since Open), the journal
  // with every transaction. The engine is idle: every write above was acknowledged.
  TempDir crashed;
  CopyLiveDirectory(dir_.path(), crashed.path());
  ASSERT_TRUE(engine_->Close().ok());
  engine_.reset();
  // Tear the last record: one byte of its payload flipped, nothing valid after it.
  std::string last_segment;
  uint64_t last_offset = 0;
  {
    journal::JournalOptions journal_options;
    journal_options.record_bytes_max = options.transaction_bytes_max;
    journal_options.create_if_missing = false;
    std::unique_ptr<journal::JournalReader> reader;
    ASSERT_TRUE(
        journal::JournalReader::Open(journal_options, crashed.path() + "/journal", &reader).ok());
    ASSERT_TRUE(reader
                    ->Read(
                        0,
                        [&](const journal::Record& record) {
                          last_segment = std::string(record.segment);
                          last_offset = record.offset;
                          return Status::OK();
                        },
                        nullptr)
                    .ok());
  }
  ASSERT_FALSE(last_segment.empty());
  {
    std::fstream file(crashed.path() + "/journal/" + last_segment,
                      std::ios::in | std::ios::out | std::ios::binary);
    const auto at =
        static_cast<std::streamoff>(last_offset + journal::format::kRecordHeaderBytes + 2);
    file.seekg(at);
    char byte = 0;
    file.read(&byte, 1);
    byte = static_cast<char>(byte ^ 0x40);
    file.seekp(at);
    file.write(&byte, 1);
  }
  TempDir recovered;
  fs::copy(crashed.path(), recovered.path(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  const auto before = FilesOf(crashed.path());
  StateDigest seen;
  {
    auto view = OpenView(options, crashed.path());
    ASSERT_NE(view, nullptr);
    const ReadOnlyInfo info = view->Info();
    EXPECT_FALSE(info.live);
    EXPECT_EQ(info.sequence, 119u) << "the torn 120th is not part of the log";
    EXPECT_TRUE(info.torn_tail);
    EXPECT_EQ(info.torn_tail_segment, last_segment);
    EXPECT_EQ(info.torn_tail_offset, last_offset);
    EXPECT_EQ(ViewRead(view.get(), "key/19"), "value-119");
    EXPECT_EQ(ViewRead(view.get(), "key/20"), "value-70");
    seen = DigestOf(view.get());
  }
  ExpectSameFiles(before, FilesOf(crashed.path()));
  // What the next Open recovers is exactly what the view showed.
  std::unique_ptr<Engine> engine;
  ASSERT_TRUE(Engine::Open(options, recovered.path(), &engine).ok());
  EXPECT_EQ(engine->recovery().journal_last_sequence, 119u);
  EXPECT_TRUE(engine->recovery().torn_tail_truncated);
  EXPECT_EQ(DigestOf(engine.get()), seen);
  ASSERT_TRUE(engine->Close().ok());
}

TEST_F(ReadOnlyDatabaseTest, NoDatabaseAndBadArgumentsAreRefusedClearly) {
  std::unique_ptr<ReadOnlyDatabase> database;
  Status status = ReadOnlyDatabase::Open(SmallOptions(), dir_.path() + "/nothing", &database);
  EXPECT_TRUE(status.IsNotFound()) << status.ToString();
  EXPECT_NE(status.ToString().find("no ringdb database at"), std::string::npos)
      << status.ToString();
  EXPECT_FALSE(fs::exists(dir_.path() + "/nothing")) << "nothing is created";
  EXPECT_TRUE(ReadOnlyDatabase::Open(SmallOptions(), "", &database).IsInvalidArgument());
  EXPECT_TRUE(ReadOnlyDatabase::Open(SmallOptions(), dir_.path(), nullptr).IsInvalidArgument());
  Options bad = SmallOptions();
  bad.ring_slot_count = 1000;
  OpenEngine(SmallOptions());
  EXPECT_TRUE(ReadOnlyDatabase::Open(bad, dir_.path(), &database).IsInvalidArgument());
  EXPECT_TRUE(Engine::OpenReadOnly(SmallOptions(), dir_.path(), &database).ok());
}

TEST_F(ReadOnlyDatabaseTest, ABackupIntoTheDatabaseAndAMissingTemporaryDirectoryAreRefused) {
  OpenEngine(SmallOptions());
  ASSERT_TRUE(Put("k", "v").ok());
  auto view = OpenView(options_, dir_.path());
  ASSERT_NE(view, nullptr);
  for (const std::string& inside : {dir_.path() + "/snap", dir_.path() + "/journal/copy"}) {
    const Status status = view->Backup(inside);
    EXPECT_TRUE(status.IsInvalidArgument()) << inside << ": " << status.ToString();
    EXPECT_FALSE(fs::exists(inside)) << "nothing is written inside the database";
  }
  const char* saved = std::getenv("TMPDIR");
  const std::string saved_value = saved != nullptr ? saved : "";
  ::setenv("TMPDIR", (dir_.path() + "/no-such-directory").c_str(), 1);
  std::unique_ptr<ReadOnlyDatabase> other;
  const Status opened = ReadOnlyDatabase::Open(options_, dir_.path(), &other);
  if (saved != nullptr) {
    ::setenv("TMPDIR", saved_value.c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
  EXPECT_TRUE(opened.IsIOError()) << opened.ToString();
  EXPECT_NE(opened.ToString().find("TMPDIR"), std::string::npos) << opened.ToString();
}

// Hides the lowest-named journal segment from the listings the predicate picks (by call number),
// as a retirement between two listings would.
class HidingEnv final : public EnvWrapper {
 public:
  explicit HidingEnv(std::function<bool(int)> hide) : EnvWrapper(Env::Default()), hide_(hide) {}
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    Result<std::vector<std::string>> names = target()->ListDir(path);
    if (!names.ok() || !path.ends_with("/journal") || !hide_(++calls_)) {
      return names;
    }
    std::vector<std::string> kept = *names;
    std::sort(kept.begin(), kept.end());
    const auto first = std::find_if(kept.begin(), kept.end(), [](const std::string& name) {
      return name.ends_with(".journal");
    });
    if (first != kept.end()) {
      kept.erase(first);
    }
    return kept;
  }
  int calls() const { return calls_; }

 private:
  std::function<bool(int)> hide_;
  std::atomic<int> calls_{0};
};

class ReadOnlyRetryTest : public ReadOnlyDatabaseTest {
 protected:
  // Several segments, none retired, nothing flushed: the first segment holds the marker's next.
  void Populate() {
    OpenEngine(SmallOptions());
    for (int i = 1; i <= 1200; ++i) {
      ASSERT_TRUE(Put("key/" + std::to_string(i % 10), std::string(2000, 'a' + i % 26)).ok());
    }
    ASSERT_GE(engine_->Info().segments.size(), 2u);
  }
};

TEST_F(ReadOnlyRetryTest, ASegmentThatLostItsNameDuringTheReadIsReadAgain) {
  Populate();
  // Listings go: the scan's (all there), the check after it (the first segment gone), then all
  // there again.
  HidingEnv env([](int call) { return call == 2; });
  Options options = options_;
  options.env = &env;
  auto view = OpenView(options, dir_.path());
  ASSERT_NE(view, nullptr);
  EXPECT_EQ(view->Info().attempts, 2u);
  EXPECT_EQ(view->sequence(), 1200u);
  EXPECT_EQ(DigestOf(view.get()), DigestOf(engine_.get()));
}

TEST_F(ReadOnlyRetryTest, AJournalThatKeepsMissingSegmentsIsBusyBesideALiveEngine) {
  Populate();
  HidingEnv env([](int) { return true; });
  Options options = options_;
  options.env = &env;
  std::unique_ptr<ReadOnlyDatabase> view;
  const Status status = ReadOnlyDatabase::Open(options, dir_.path(), &view);
  EXPECT_TRUE(status.IsBusy()) << status.ToString();
  EXPECT_NE(status.ToString().find("Engine::Backup"), std::string::npos) << status.ToString();
  EXPECT_NE(status.ToString().find("retired or are missing"), std::string::npos)
      << status.ToString();
  EXPECT_EQ(env.calls(), static_cast<int>(ReadOnlyDatabase::kReadAttempts)) << "bounded";
}

TEST_F(ReadOnlyRetryTest, WithoutALiveEngineAMissingSegmentIsCorruptionAfterBoundedReads) {
  Populate();
  TempDir image;  // What a crash leaves: the engine's files, nobody holding the lock.
  CopyLiveDirectory(dir_.path(), image.path());
  HidingEnv env([](int) { return true; });
  Options options = options_;
  options.env = &env;
  std::unique_ptr<ReadOnlyDatabase> view;
  const Status status = ReadOnlyDatabase::Open(options, image.path(), &view);
  EXPECT_TRUE(status.IsCorruption()) << status.ToString();
  // Read again as beside a live engine (whose lock may not be visible from here), then reported
  // as what the disk holds.
  EXPECT_EQ(env.calls(), static_cast<int>(ReadOnlyDatabase::kReadAttempts)) << "bounded";
}

// A Refresh that fails after RocksDB's secondary caught up must not leave the old view's writes
// over the newer state (a state that never existed): reads fail until a Refresh succeeds.
TEST_F(ReadOnlyRetryTest, AFailedRefreshLosesTheViewInsteadOfMixingTwoStates) {
  Populate();
  auto view = OpenView(options_, dir_.path());
  ASSERT_NE(view, nullptr);
  std::string value;
  ASSERT_TRUE(view->Get("key/1", &value).ok());
  ASSERT_TRUE(Put("key/1", "newer").ok());
  ASSERT_TRUE(Put("fresh", "only-after").ok());
  ASSERT_TRUE(engine_->Close().ok());  // Flushes: the secondary's catch-up sees both writes.
  engine_.reset();
  // The journal goes away for one Refresh: every read of it fails after the catch-up.
  const std::string journal = dir_.path() + "/journal";
  fs::rename(journal, journal + ".away");
  const Status refreshed = view->Refresh();
  fs::rename(journal + ".away", journal);
  EXPECT_FALSE(refreshed.ok()) << "the journal was not there";
  const Status read = view->Get("fresh", &value);
  EXPECT_TRUE(read.IsAborted()) << read.ToString();
  EXPECT_NE(read.ToString().find("Refresh"), std::string::npos) << read.ToString();
  std::unique_ptr<Iterator> iterator = view->NewIterator();
  EXPECT_FALSE(iterator->Valid());
  EXPECT_TRUE(iterator->status().IsAborted()) << iterator->status().ToString();
  iterator.reset();
  ASSERT_TRUE(view->Refresh().ok());
  ASSERT_TRUE(view->Get("key/1", &value).ok());
  EXPECT_EQ(value, "newer");
  ASSERT_TRUE(view->Get("fresh", &value).ok());
  EXPECT_EQ(value, "only-after");
}

// A writer keeps a checkpointing engine busy (segments retired into the pool and overwritten)
// while a reader opens and refreshes views. Every transaction i writes slot/<i % 32> = i and
// last = i, so a consistent state after transaction L has slot/j = the largest i <= L with
// i % 32 == j; and a view opened after transaction W was acknowledged has L >= W.
TEST_F(ReadOnlyDatabaseTest, ConcurrentWritesAndRetirementNeverShowAnInconsistentState) {
  const uint64_t seed = TestSeed();
  std::mt19937_64 random(seed);
  Options options = SmallOptions();
  options.checkpoint_journal_bytes = uint64_t{1} << 20;  // The least: a checkpoint every MiB.
  options.journal_prewritten_segments = 2;               // Retired segments are recycled.
  OpenEngine(options);
  constexpr uint64_t kSlots = 32;
  std::atomic<uint64_t> acknowledged{0};
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    std::mt19937_64 writer_random(seed + 1);
    for (uint64_t i = 1; !stop.load(std::memory_order_relaxed) && i <= 200000; ++i) {
      WriteBatch batch;
      batch.Put("slot/" + std::to_string(i % kSlots), std::to_string(i));
      batch.Put("last", std::to_string(i));
      batch.Put("pad", std::string(1000 + writer_random() % 3000, 'p'));
      const Status status = engine_->Write(batch);
      ASSERT_TRUE(status.ok()) << status.ToString();
      acknowledged.store(i, std::memory_order_release);
    }
  });
  // Bounded by work, not time: enough views, and enough checkpoints (each retires segments) for
  // the reads to have raced retirement; the deadline only stops a run that cannot get there.
  constexpr uint64_t kViews = 40;
  constexpr uint64_t kCheckpoints = 4;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  uint64_t views = 0;
  uint64_t busy = 0;
  uint64_t retried = 0;
  uint64_t replayed_max = 0;
  std::unique_ptr<ReadOnlyDatabase> view;
  while ((views < kViews || engine_->Stats().checkpoints < kCheckpoints) &&
         std::chrono::steady_clock::now() < deadline && !HasFatalFailure()) {
    const uint64_t before = acknowledged.load(std::memory_order_acquire);
    Status status;
    if (view == nullptr || random() % 2 == 0) {
      view.reset();
      status = ReadOnlyDatabase::Open(options, dir_.path(), &view);
    } else {
      status = view->Refresh();
    }
    if (status.IsBusy()) {
      ++busy;
      view.reset();
      continue;
    }
    ASSERT_TRUE(status.ok()) << status.ToString();
    ++views;
    const ReadOnlyInfo info = view->Info();
    retried += info.attempts > 1 ? 1 : 0;
    replayed_max = std::max(replayed_max, info.transactions_replayed);
    std::string last_text = "0";
    const Status read = view->Get("last", &last_text);
    ASSERT_TRUE(read.ok() || (read.IsNotFound() && before == 0)) << read.ToString();
    const uint64_t last = std::stoull(last_text);
    ASSERT_GE(last, before) << "a view misses an acknowledged transaction";
    ASSERT_EQ(view->sequence(), last);
    for (uint64_t slot = 0; slot < kSlots; ++slot) {
      const uint64_t expected = last < slot ? 0 : last - (last - slot) % kSlots;
      std::string value;
      const Status got = view->Get("slot/" + std::to_string(slot), &value);
      if (expected == 0) {
        ASSERT_TRUE(got.IsNotFound()) << "slot " << slot << " at " << last;
      } else {
        ASSERT_TRUE(got.ok()) << got.ToString();
        ASSERT_EQ(value, std::to_string(expected)) << "slot " << slot << " at " << last;
      }
    }
  }
  stop.store(true);
  writer.join();
  view.reset();
  const EngineStats stats = engine_->Stats();
  std::printf(
      "%llu views (%llu needed a second read, %llu Busy), up to %llu transactions "
      "re-executed; %llu transactions, %llu checkpoints\n",
      static_cast<unsigned long long>(views), static_cast<unsigned long long>(retried),
      static_cast<unsigned long long>(busy), static_cast<unsigned long long>(replayed_max),
      static_cast<unsigned long long>(acknowledged.load()),
      static_cast<unsigned long long>(stats.checkpoints));
  EXPECT_GE(views, kViews) << "the deadline passed first";
  EXPECT_GE(stats.checkpoints, kCheckpoints)
      << "the test must race retirement, not an idle journal";
}

}  // namespace
}  // namespace ringdb
