// Goal: one record encodes and decodes back exactly, and every kind of damage is recognised as
// such by the decoder: zeros, truncation, a length over the bound (without reading it), checksum
// mismatches anywhere, impossible fields, and unknown types with and without the ignore bit.
#include "journal/record_codec.h"

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "journal/crc32c.h"
#include "journal/record_format.h"
#include "util/coding.h"

namespace ringdb::journal {
namespace {

constexpr uint32_t kMax = 256;

std::vector<std::byte> Encode(const RecordHeader& header, const std::vector<std::byte>& payload) {
  std::vector<std::byte> bytes(format::kRecordHeaderBytes + payload.size());
  const std::span<const std::byte> pieces[] = {payload};
  EncodeRecord(bytes.data(), header, pieces);
  return bytes;
}

RecordHeader Transaction(uint32_t length) {
  RecordHeader header;
  header.length = length;
  header.type = format::kTransaction;
  header.previous_checksum = 0x1234;
  header.segment_id = 3;
  header.first_sequence = 10;
  header.count = 2;
  header.group_offset = 1;
  return header;
}

TEST(Crc32cTest, MatchesTheStandardCheckValue) {
  const char* text = "123456789";
  const auto bytes = std::as_bytes(std::span(text, 9));
  EXPECT_EQ(crc32c::Value(bytes), 0xe3069283u);
  EXPECT_EQ(crc32c::Extend(crc32c::Value(bytes.first(4)), bytes.subspan(4)), 0xe3069283u);
  EXPECT_EQ(crc32c::Unmask(crc32c::Mask(0xdeadbeefu)), 0xdeadbeefu);
}

TEST(RecordCodecTest, RoundTripKeepsEveryField) {
  const std::vector<std::byte> payload(100, std::byte{0x5a});
  const std::vector<std::byte> bytes = Encode(Transaction(100), payload);
  DecodedRecord decoded;
  ASSERT_EQ(DecodeRecord(bytes, kMax, &decoded), DecodeOutcome::kRecord);
  EXPECT_EQ(decoded.header.length, 100u);
  EXPECT_EQ(decoded.header.previous_checksum, 0x1234u);
  EXPECT_EQ(decoded.header.segment_id, 3u);
  EXPECT_EQ(decoded.header.first_sequence, 10u);
  EXPECT_EQ(decoded.header.count, 2u);
  EXPECT_EQ(decoded.header.group_first_sequence(), 9u);
  EXPECT_EQ(decoded.size_bytes, bytes.size());
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), decoded.payload.begin()));
}

TEST(RecordCodecTest, PayloadInPiecesEqualsPayloadInOne) {
  std::vector<std::byte> payload(64);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = std::byte(i);
  std::vector<std::byte> split(format::kRecordHeaderBytes + 64);
  const std::span<const std::byte> pieces[] = {
      std::span(payload).first(10), {}, std::span(payload).subspan(10)};
  EncodeRecord(split.data(), Transaction(64), pieces);
  EXPECT_EQ(split, Encode(Transaction(64), payload));
}

TEST(RecordCodecTest, LengthsZeroAndMaxDecode) {
  for (uint32_t length : {0u, kMax}) {
    const std::vector<std::byte> bytes =
        Encode(Transaction(length), std::vector<std::byte>(length));
    DecodedRecord decoded;
    EXPECT_EQ(DecodeRecord(bytes, kMax, &decoded), DecodeOutcome::kRecord) << length;
  }
}

TEST(RecordCodecTest, LengthOverMaxIsRejectedWithoutReadingIt) {
  // Method: headers claiming max+1 and 2^32-1 bytes followed by no payload at all. Reading the
  // payload would run past the input (ASan would see it); the length bound must come first.
  for (uint32_t length : {kMax + 1, UINT32_MAX}) {
    std::vector<std::byte> bytes = Encode(Transaction(0), {});
    coding::Put<uint32_t>(bytes.data() + format::kLengthOffset, length);
    DecodedRecord decoded;
    EXPECT_EQ(DecodeRecord(bytes, kMax, &decoded), DecodeOutcome::kBadLength) << length;
  }
}

TEST(RecordCodecTest, ZeroBytesAreNotARecord) {
  const std::vector<std::byte> zeros(100);
  DecodedRecord decoded;
  EXPECT_EQ(DecodeRecord(zeros, kMax, &decoded), DecodeOutcome::kZeroHeader);
  EXPECT_EQ(DecodeRecord(std::span(zeros).first(5), kMax, &decoded), DecodeOutcome::kZeroHeader);
  EXPECT_EQ(DecodeRecord({}, kMax, &decoded), DecodeOutcome::kEndOfInput);
}

TEST(RecordCodecTest, EveryTruncationIsTruncated) {
  const std::vector<std::byte> bytes =
      Encode(Transaction(50), std::vector<std::byte>(50, std::byte{1}));
  for (size_t size = 1; size < bytes.size(); ++size) {
    DecodedRecord decoded;
    const DecodeOutcome outcome = DecodeRecord(std::span(bytes).first(size), kMax, &decoded);
    EXPECT_TRUE(outcome == DecodeOutcome::kTruncated || outcome == DecodeOutcome::kZeroHeader)
        << size;
  }
}

TEST(RecordCodecTest, EveryBitFlipIsDetected) {
  const std::vector<std::byte> pristine =
      Encode(Transaction(24), std::vector<std::byte>(24, std::byte{0x33}));
  for (size_t bit = 0; bit < pristine.size() * 8; ++bit) {
    std::vector<std::byte> bytes = pristine;
    bytes[bit / 8] ^= std::byte(1u << (bit % 8));
    DecodedRecord decoded;
    EXPECT_NE(DecodeRecord(bytes, kMax, &decoded), DecodeOutcome::kRecord) << "bit " << bit;
  }
}

TEST(RecordCodecTest, ImpossibleFieldsAreMalformedEvenWithAGoodChecksum) {
  RecordHeader zero_count = Transaction(0);
  zero_count.count = 0;
  RecordHeader group_before_one = Transaction(0);
  group_before_one.group_offset = 10;  // Group would start at sequence 0.
  RecordHeader unknown_type = Transaction(0);
  unknown_type.type = 0x11;
  RecordHeader flags = Transaction(0);
  flags.flags = 0x40;
  for (const RecordHeader& header : {zero_count, group_before_one, unknown_type, flags}) {
    const std::vector<std::byte> bytes = Encode(header, {});
    DecodedRecord decoded;
    EXPECT_EQ(DecodeRecord(bytes, kMax, &decoded), DecodeOutcome::kMalformed);
  }
}

TEST(RecordCodecTest, UnknownTypeWithSafeToIgnoreBitDecodes) {
  RecordHeader header = Transaction(4);
  header.type = format::kTypeSafeToIgnoreMask | 0x11;
  const std::vector<std::byte> bytes = Encode(header, std::vector<std::byte>(4));
  DecodedRecord decoded;
  EXPECT_EQ(DecodeRecord(bytes, kMax, &decoded), DecodeOutcome::kRecord);
}

TEST(RecordCodecTest, SegmentHeaderPayloadRoundTripAndMagicCheck) {
  std::byte payload[format::kSegmentHeaderPayloadBytes];
  EncodeSegmentHeaderPayload(payload, SegmentHeaderPayload{4, 99});
  SegmentHeaderPayload decoded;
  ASSERT_TRUE(DecodeSegmentHeaderPayload(payload, &decoded));
  EXPECT_EQ(decoded.previous_segment_id, 4u);
  EXPECT_EQ(decoded.previous_last_sequence, 99u);
  payload[0] ^= std::byte{1};
  EXPECT_FALSE(DecodeSegmentHeaderPayload(payload, &decoded));
}

}  // namespace
}  // namespace ringdb::journal
