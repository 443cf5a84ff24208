// Goal: reading a segment through a small sliding window (FileWindowSource) reaches exactly the
// verdicts of reading it whole from memory: the same records with the same payloads and offsets,
// the same stop and reason, the same later records found past a stop, the same salvage resyncs;
// and a read error is reported as one, never taken for the end of the segment.
// Method: random segments (payload sizes up to the record limit, zero-filled or stale space, holes
// followed by later records, flipped bytes) walked both ways, with a window a few records wide so
// records straddle every refill boundary. Seeded; the seed is printed.
#include "journal/segment_source.h"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "journal/journal.h"
#include "journal/record_format.h"
#include "journal/segment_reader.h"
#include "journal_test_util.h"
#include "segment_builder.h"
#include "test_util/fault_injection_env.h"
#include "test_util/seed.h"

namespace ringdb::journal {
namespace {

using testing::SegmentBuilder;

constexpr uint32_t kRecordBytesMax = 700;
constexpr uint64_t kWindowBytesMin = format::kRecordHeaderBytes + kRecordBytesMax;
constexpr uint64_t kSegmentId = 3;

// Everything a walk observes, in order, as text: two walks agree when their transcripts do.
std::vector<std::string> Walk(SegmentReader* reader) {
  std::vector<std::string> transcript;
  DecodedRecord record;
  uint64_t offset = 0;
  // Bounded: each resync moves strictly forward, and there are at most as many as records.
  for (int pass = 0; pass < 1000; ++pass) {
    while (reader->Next(&record, &offset)) {
      uint32_t sum = 0;
      for (std::byte b : record.payload) {
        sum = sum * 31 + std::to_integer<uint32_t>(b);
      }
      transcript.push_back("record " + std::to_string(record.header.first_sequence) + " at " +
                           std::to_string(offset) + " payload " +
                           std::to_string(record.payload.size()) + "/" + std::to_string(sum));
    }
    transcript.push_back(std::string("stop ") + SegmentEndName(reader->end()) + " at " +
                         std::to_string(reader->end_offset()) + ": " + reader->end_reason());
    const LaterRecords later = reader->FindLaterRecords();
    transcript.push_back(
        "later " + std::to_string(later.found) + " " + std::to_string(later.first_offset) + " " +
        std::to_string(later.first_sequence) + " " + std::to_string(later.all_in_stopped_group) +
        " " + std::to_string(later.last_end_offset));
    if (!reader->Resync()) {
      break;
    }
    transcript.push_back("resync at " + std::to_string(reader->end_offset()));
  }
  return transcript;
}

std::vector<std::byte> RandomPayload(std::mt19937_64* random) {
  std::vector<std::byte> payload((*random)() % kRecordBytesMax + 1);
  for (std::byte& b : payload) {
    b = static_cast<std::byte>((*random)());
  }
  return payload;
}

// A random segment: records, then maybe zeros, a hole and later records, stale bytes of another
// segment, flipped bytes.
std::vector<std::byte> RandomSegment(std::mt19937_64* random) {
  SegmentBuilder segment(kSegmentId, 100, 5);
  const int records = static_cast<int>((*random)() % 60);
  for (int index = 0; index < records; ++index) {
    segment.AddTransaction(RandomPayload(random));
  }
  std::vector<std::byte> bytes = segment.bytes;
  switch ((*random)() % 4) {
    case 0:
      break;  // Ends exactly at the end of the file.
    case 1:
      bytes.resize(bytes.size() + (*random)() % (8 * kWindowBytesMin));  // Pre-written zeros.
      break;
    case 2: {
      // A zeroed hole, then records of this segment that continue the chain.
      const size_t hole_at = bytes.size();
      for (int index = 0; index < 5; ++index) {
        segment.AddTransaction(RandomPayload(random));
      }
      bytes = segment.bytes;
      const size_t hole = std::min<size_t>(bytes.size() - hole_at, (*random)() % 500 + 1);
      std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(hole_at),
                bytes.begin() + static_cast<std::ptrdiff_t>(hole_at + hole), std::byte{0});
      bytes.resize(bytes.size() + (*random)() % (4 * kWindowBytesMin));
      break;
    }
    case 3: {
      SegmentBuilder stale(kSegmentId + 7, 50, 9);  // Left from an earlier use of the file.
      for (int index = 0; index < 10; ++index) {
        stale.AddTransaction(RandomPayload(random));
      }
      bytes.insert(bytes.end(), stale.bytes.begin() + 100, stale.bytes.end());
      break;
    }
  }
  if (!bytes.empty() && (*random)() % 3 == 0) {
    bytes[(*random)() % bytes.size()] ^= static_cast<std::byte>(1u << ((*random)() % 8));
  }
  return bytes;
}

TEST(SegmentSourceTest, WindowedWalkMatchesTheWholeSegmentInMemory) {
  const uint64_t seed = TestSeed();
  std::mt19937_64 random(seed);
  FaultInjectionEnv env;
  ASSERT_TRUE(env.CreateDir("/j").ok());
  // Four windows: a record straddles a refill every few records.
  FileWindowSource window(kWindowBytesMin, 0);
  SegmentReader windowed(kRecordBytesMax);
  SegmentReader whole(kRecordBytesMax);
  int straddled = 0;
  for (int round = 0; round < 300; ++round) {
    const std::vector<std::byte> bytes = RandomSegment(&random);
    const std::string path = "/j/segment" + std::to_string(round);
    env.WriteAll(path, bytes);
    ASSERT_TRUE(window.Open(&env, path).ok());
    windowed.Reset(&window, kSegmentId, 100);
    whole.Reset(bytes, kSegmentId, 100);
    const std::vector<std::string> expected = Walk(&whole);
    ASSERT_EQ(Walk(&windowed), expected) << "round " << round << ", seed " << seed;
    ASSERT_TRUE(window.status().ok());
    straddled += bytes.size() > 4 * kWindowBytesMin ? 1 : 0;
  }
  // The rounds must include segments several windows long, or the test proves little.
  EXPECT_GT(straddled, 30);
}

// Fails every read from the nth on.
class FailingReadsEnv : public EnvWrapper {
 public:
  FailingReadsEnv(Env* target, int failing_from)
      : EnvWrapper(target), failing_from_(failing_from) {}
  Status OpenReadable(const std::string& path, std::unique_ptr<ReadableFile>* out) override {
    std::unique_ptr<ReadableFile> file;
    if (Status status = target()->OpenReadable(path, &file); !status.ok()) {
      out->reset();
      return status;
    }
    *out = std::unique_ptr<ReadableFile>(new Failing(std::move(file), this));
    return Status::OK();
  }

 private:
  class Failing : public ReadableFile {
   public:
    Failing(std::unique_ptr<ReadableFile> file, FailingReadsEnv* env)
        : file_(std::move(file)), env_(env) {}
    Result<uint64_t> ReadAt(uint64_t offset, std::span<std::byte> out) const override {
      if (++env_->reads_ >= env_->failing_from_) {
        return Status::IOError("injected read error");
      }
      return file_->ReadAt(offset, out);
    }
    Result<uint64_t> Size() const override { return file_->Size(); }

   private:
    std::unique_ptr<ReadableFile> file_;
    FailingReadsEnv* env_;
  };
  const int failing_from_;
  int reads_ = 0;
};

TEST(SegmentSourceTest, AReadErrorIsReportedWithItsOffsetNotTakenForTheEnd) {
  FaultInjectionEnv memory;
  ASSERT_TRUE(memory.CreateDir("/j").ok());
  SegmentBuilder segment(kSegmentId, 100, 5);
  std::mt19937_64 random(1);
  for (int index = 0; index < 40; ++index) {
    segment.AddTransaction(RandomPayload(&random));
  }
  memory.WriteAll("/j/segment", segment.bytes);
  FailingReadsEnv env(&memory, 2);  // The first window reads; the first refill fails.
  FileWindowSource window(kWindowBytesMin, 0);
  ASSERT_TRUE(window.Open(&env, "/j/segment").ok());
  SegmentReader reader(kRecordBytesMax);
  reader.Reset(&window, kSegmentId, 100);
  DecodedRecord record;
  uint64_t offset = 0;
  int records = 0;
  while (reader.Next(&record, &offset)) {
    ++records;
  }
  EXPECT_GT(records, 0);
  EXPECT_LT(records, 40);
  ASSERT_FALSE(window.status().ok());
  EXPECT_TRUE(window.status().IsIOError());
  EXPECT_NE(window.status().message().find("/j/segment at byte offset"), std::string::npos)
      << window.status().ToString();
  EXPECT_TRUE(window.From(0).empty());  // Stays failed until the next Open.
}

// Without the scanner's check, a read failing at the very first byte would look like a segment
// whose header was torn, and Open would delete it with everything acknowledged in it.
TEST(SegmentSourceTest, AReadErrorDuringOpenFailsOpenAndChangesNothing) {
  FaultInjectionEnv memory;
  {
    std::unique_ptr<Journal> journal;
    ASSERT_TRUE(Journal::Open(testing::SmallOptions(&memory), "/j", nullptr, &journal).ok());
    for (uint64_t index = 1; index <= 20; ++index) {
      uint64_t sequence = 0;
      ASSERT_TRUE(journal->Add(1, testing::Payload(index, 40), &sequence).ok());
      ASSERT_TRUE(journal->Commit().ok());
    }
  }
  // Every read Open makes fails in turn, until Open makes fewer reads than that and succeeds.
  int failed_opens = 0;
  for (int failing_from = 1; failing_from < 100; ++failing_from) {
    FailingReadsEnv failing(&memory, failing_from);
    std::unique_ptr<Journal> journal;
    const Status opened = Journal::Open(testing::SmallOptions(&failing), "/j", nullptr, &journal);
    if (opened.ok()) {
      break;
    }
    EXPECT_TRUE(opened.IsIOError())
        << "failing from read " << failing_from << ": " << opened.ToString();
    ++failed_opens;
  }
  EXPECT_GE(failed_opens, 1);
  std::unique_ptr<Journal> journal;
  ASSERT_TRUE(Journal::Open(testing::SmallOptions(&memory), "/j", nullptr, &journal).ok());
  testing::Replayed replayed;
  ASSERT_TRUE(testing::CollectAll(journal.get(), 0, &replayed).ok());
  ASSERT_EQ(replayed.sequences.size(), 20u);
  EXPECT_EQ(replayed.payloads.back(), testing::Payload(20, 40));
}

}  // namespace
}  // namespace ringdb::journal
