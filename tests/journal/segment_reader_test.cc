// Goal: the segment reader accepts only records of its own segment that link to their predecessor,
// and in particular never accepts a record left from an earlier use of a recycled file, even one
// whose sequence would fit. Method: segments built by hand with the codec.
#include "journal/segment_reader.h"

#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "journal/record_format.h"
#include "segment_builder.h"

namespace ringdb::journal {
namespace {

using testing::SegmentBuilder;

std::vector<uint64_t> ReadAll(SegmentReader* reader) {
  std::vector<uint64_t> sequences;
  DecodedRecord record;
  uint64_t offset = 0;
  while (reader->Next(&record, &offset)) {
    sequences.push_back(record.header.first_sequence);
  }
  return sequences;
}

TEST(SegmentReaderTest, ReadsAChainedSegmentToItsEnd) {
  SegmentBuilder segment(2, 10, 77);
  for (int i = 0; i < 3; ++i) segment.AddTransaction(std::byte(i));
  SegmentReader reader(1024);
  reader.Reset(segment.bytes, 2, 10);
  EXPECT_EQ(ReadAll(&reader), (std::vector<uint64_t>{10, 11, 12}));
  EXPECT_EQ(reader.end(), SegmentEnd::kEndOfFile);
  EXPECT_EQ(reader.last_checksum(), segment.last_checksum());
  EXPECT_EQ(reader.header_record().previous_checksum, 77u);
}

TEST(SegmentReaderTest, StaleRecordInARecycledSegmentIsRejected) {
  // Method: segment 3 (sequences 1..6) is the earlier use of a file now reused as segment 9,
  // whose own records (sequences 1..2 after a header naming first sequence 1, so the stale
  // sequences even fit) are shorter. Every stale record after the new ones must be refused.
  SegmentBuilder old_use(3, 1, 0);
  for (int i = 0; i < 6; ++i) old_use.AddTransaction(std::byte{0xee});
  SegmentBuilder new_use(9, 1, 0);
  for (int i = 0; i < 2; ++i) new_use.AddTransaction(std::byte{0x11});
  std::vector<std::byte> file = old_use.bytes;
  std::copy(new_use.bytes.begin(), new_use.bytes.end(), file.begin());
  SegmentReader reader(1024);
  reader.Reset(file, 9, 1);
  EXPECT_EQ(ReadAll(&reader), (std::vector<uint64_t>{1, 2}));
  EXPECT_NE(reader.end(), SegmentEnd::kEndOfFile);
  EXPECT_FALSE(reader.FindLaterRecords().found);
}

TEST(SegmentReaderTest, StaleRecordAlignedAfterTheEndIsStale) {
  // The new use ends exactly where an old record of segment 3 begins.
  SegmentBuilder new_use(9, 1, 0);
  new_use.AddTransaction(std::byte{1});
  SegmentBuilder old_use(3, 1, 0);
  old_use.AddTransaction(std::byte{2});
  std::vector<std::byte> file = new_use.bytes;
  file.insert(file.end(), old_use.bytes.begin() + format::kSegmentHeaderRecordBytes,
              old_use.bytes.end());
  SegmentReader reader(1024);
  reader.Reset(file, 9, 1);
  EXPECT_EQ(ReadAll(&reader), (std::vector<uint64_t>{1}));
  EXPECT_EQ(reader.end(), SegmentEnd::kStale);
}

TEST(SegmentReaderTest, HeaderOfAnotherSegmentIsNoHeader) {
  SegmentBuilder segment(4, 1, 0);
  SegmentReader reader(1024);
  reader.Reset(segment.bytes, 5, 1);
  EXPECT_TRUE(ReadAll(&reader).empty());
  EXPECT_EQ(reader.end(), SegmentEnd::kNoHeader);
}

TEST(SegmentReaderTest, ReorderedRecordsBreakTheChain) {
  SegmentBuilder segment(1, 1, 0);
  segment.AddTransaction(std::byte{1});
  const size_t first_end = segment.bytes.size();
  segment.AddTransaction(std::byte{2});
  const size_t record_bytes = segment.bytes.size() - first_end;
  // Swap the two transaction records.
  std::vector<std::byte> swapped(segment.bytes.begin(),
                                 segment.bytes.begin() + format::kSegmentHeaderRecordBytes);
  swapped.insert(swapped.end(), segment.bytes.begin() + first_end, segment.bytes.end());
  swapped.insert(swapped.end(), segment.bytes.begin() + format::kSegmentHeaderRecordBytes,
                 segment.bytes.begin() + first_end);
  ASSERT_EQ(swapped.size(), segment.bytes.size());
  (void)record_bytes;
  SegmentReader reader(1024);
  reader.Reset(swapped, 1, 1);
  EXPECT_TRUE(ReadAll(&reader).empty());
  EXPECT_EQ(reader.end(), SegmentEnd::kBad);
}

}  // namespace
}  // namespace ringdb::journal

namespace ringdb::journal {
namespace {

// Each way a record can be valid on its own yet not follow its predecessor stops the reader with
// kBad and a reason naming it; each way a first record can fail to be this segment's header stops
// it with kNoHeader.
TEST(SegmentReaderTest, EachLinkFailureIsABadRecordWithItsReason) {
  const std::byte one[1] = {std::byte{1}};
  const std::byte header_payload[format::kSegmentHeaderPayloadBytes] = {};
  struct Case {
    const char* reason;
    std::function<void(SegmentBuilder*)> add;
  };
  const Case cases[] = {
      {"a second segment header",
       [&](SegmentBuilder* s) { s->AddRecord(format::kSegmentHeader, 11, 0, 0, header_payload); }},
      {"sequence 13, expected 11",
       [&](SegmentBuilder* s) { s->AddRecord(format::kTransaction, 13, 1, 0, one); }},
      {"commit group 9 does not follow group 10",
       [&](SegmentBuilder* s) { s->AddRecord(format::kTransaction, 11, 1, 2, one); }},
  };
  for (const Case& c : cases) {
    SegmentBuilder segment(2, 10, 0);
    segment.AddTransaction(std::byte{0});
    c.add(&segment);
    SegmentReader reader(1024);
    reader.Reset(segment.bytes, 2, 10);
    EXPECT_EQ(ReadAll(&reader), (std::vector<uint64_t>{10})) << c.reason;
    EXPECT_EQ(reader.end(), SegmentEnd::kBad) << c.reason;
    EXPECT_EQ(reader.end_reason(), c.reason);
    EXPECT_STREQ(SegmentEndName(reader.end()), "bad record");
  }
}

TEST(SegmentReaderTest, FirstRecordThatIsNotAWellFormedHeaderIsNoHeader) {
  const std::byte one[1] = {std::byte{1}};
  {
    // Only a transaction record, no header.
    SegmentBuilder segment(2, 10, 0);
    segment.bytes.clear();
    segment.AddRecord(format::kTransaction, 10, 1, 0, one);
    SegmentReader reader(1024);
    reader.Reset(segment.bytes, 2, 10);
    EXPECT_TRUE(ReadAll(&reader).empty());
    EXPECT_EQ(reader.end(), SegmentEnd::kNoHeader);
    EXPECT_EQ(reader.end_reason(), "first record is not a segment header");
    EXPECT_STREQ(SegmentEndName(reader.end()), "no valid segment header");
  }
  {
    // A header whose payload lacks the magic.
    SegmentBuilder segment(2, 10, 0);
    segment.bytes.clear();
    const std::byte zeros[format::kSegmentHeaderPayloadBytes] = {};
    segment.AddRecord(format::kSegmentHeader, 10, 0, 0, zeros);
    SegmentReader reader(1024);
    reader.Reset(segment.bytes, 2, 10);
    EXPECT_TRUE(ReadAll(&reader).empty());
    EXPECT_EQ(reader.end(), SegmentEnd::kNoHeader);
    EXPECT_EQ(reader.end_reason(), "segment header payload is malformed");
    EXPECT_FALSE(reader.Resync()) << "no record of this segment follows";
  }
  for (const SegmentEnd end :
       {SegmentEnd::kNotEnded, SegmentEnd::kEndOfFile, SegmentEnd::kZeroFill, SegmentEnd::kStale}) {
    EXPECT_STRNE(SegmentEndName(end), "invalid");
  }
}

}  // namespace
}  // namespace ringdb::journal
