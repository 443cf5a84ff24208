// Goal: the transaction encoding round-trips, and the decoder rejects every malformed input
// without reading past its span. Method: encode with WriteBatch, decode; then cut, flip and
// inflate the bytes and check each case is reported as Corruption.
#include "engine/txn_codec.h"

#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ringdb/write_batch.h"

namespace ringdb {
namespace {

std::span<const std::byte> Bytes(std::string_view text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

TEST(TxnCodecTest, WriteBatchRoundTrips) {
  WriteBatch batch;
  batch.Put("alpha", "one");
  batch.Delete("beta");
  batch.ExpectEqual("gamma", "three");
  batch.ExpectAbsent("delta");
  batch.ExpectPresent("epsilon");
  batch.Put("zeta", "");
  EXPECT_EQ(batch.operation_count(), 6u);
  ASSERT_TRUE(txn::Validate(Bytes(batch.encoded()), 64, 64).ok());

  txn::Decoder decoder;
  ASSERT_TRUE(txn::Decoder::Open(Bytes(batch.encoded()), &decoder).ok());
  EXPECT_EQ(decoder.encoded_bytes(), batch.encoded().size());
  const std::vector<std::tuple<txn::OpType, std::string, std::string>> expected = {
      {txn::OpType::kPut, "alpha", "one"},           {txn::OpType::kDelete, "beta", ""},
      {txn::OpType::kExpectEqual, "gamma", "three"}, {txn::OpType::kExpectAbsent, "delta", ""},
      {txn::OpType::kExpectPresent, "epsilon", ""},  {txn::OpType::kPut, "zeta", ""}};
  txn::Op op{};
  size_t index = 0;
  while (decoder.Next(&op)) {
    ASSERT_LT(index, expected.size());
    EXPECT_EQ(op.type, std::get<0>(expected[index]));
    EXPECT_EQ(op.key, std::get<1>(expected[index]));
    EXPECT_EQ(op.value, std::get<2>(expected[index]));
    ++index;
  }
  EXPECT_TRUE(decoder.status().ok()) << decoder.status().ToString();
  EXPECT_EQ(index, expected.size());
}

// The applier decodes a transaction once: what Validate hands back must walk to exactly what the
// checked decoder reads, stop where the visitor says, and never look past the header's length.
TEST(TxnCodecTest, ValidTransactionWalksWhatTheDecoderReads) {
  WriteBatch batch;
  batch.Put("alpha", "one");
  batch.ExpectEqual("gamma", "three");
  batch.Delete("beta");
  batch.ExpectAbsent("delta");
  batch.Put("zeta", std::string(300, 'z'));
  std::string bytes(batch.encoded());
  bytes += "trailing bytes past the transaction";  // A slot run holds more than the transaction.
  txn::ValidTransaction valid;
  ASSERT_TRUE(txn::Validate(Bytes(bytes), 64, 1024, &valid).ok());
  EXPECT_EQ(valid.bytes().size(), batch.encoded().size());
  EXPECT_EQ(valid.operation_count(), 5u);
  EXPECT_EQ(valid.precondition_count(), 2u);
  EXPECT_EQ(valid.write_count(), 3u);

  std::vector<txn::Op> walked;
  valid.ForEach([&](const txn::Op& op) {
    walked.push_back(op);
    return true;
  });
  txn::Decoder decoder;
  ASSERT_TRUE(txn::Decoder::Open(Bytes(bytes), &decoder).ok());
  txn::Op op{};
  size_t index = 0;
  while (decoder.Next(&op)) {
    ASSERT_LT(index, walked.size());
    EXPECT_EQ(walked[index].type, op.type);
    EXPECT_EQ(walked[index].key, op.key);
    EXPECT_EQ(walked[index].value, op.value);
    ++index;
  }
  EXPECT_EQ(index, walked.size());

  size_t visited = 0;
  valid.ForEach([&](const txn::Op&) { return ++visited < 2; });
  EXPECT_EQ(visited, 2u);
}

// A failed Validate leaves the caller's ValidTransaction as it was: nothing half-described.
TEST(TxnCodecTest, FailedValidationDescribesNothing) {
  WriteBatch batch;
  batch.Put("a-key-too-long", "v");
  txn::ValidTransaction valid;
  EXPECT_TRUE(txn::Validate(Bytes(batch.encoded()), 4, 64, &valid).IsCorruption());
  EXPECT_EQ(valid.operation_count(), 0u);
  EXPECT_TRUE(valid.bytes().empty());
}

TEST(TxnCodecTest, ClearKeepsNothingButTheHeader) {
  WriteBatch batch;
  batch.Put("k", "v");
  batch.Clear();
  EXPECT_TRUE(batch.empty());
  EXPECT_EQ(batch.encoded().size(), txn::kHeaderBytes);
  EXPECT_EQ(batch.longest_key_bytes(), 0u);
}

TEST(TxnCodecTest, EveryTruncationIsCorruption) {
  WriteBatch batch;
  batch.Put("key-1", "value-1");
  batch.Put("key-2", std::string(100, 'x'));
  const std::string full(batch.encoded());
  for (size_t length = 0; length < full.size(); ++length) {
    const Status status = txn::Validate(Bytes(std::string_view(full).substr(0, length)), 64, 1024);
    EXPECT_TRUE(status.IsCorruption()) << "length " << length << ": " << status.ToString();
  }
}

// What a newer ringdb may write (a later format version, a new operation type, a reserved bit) is
// NotSupported, never Corruption: a reader must not judge it failed. Type 0 is no type at all.
TEST(TxnCodecTest, NewerFormatsAreNotSupportedAndTypeZeroIsCorruption) {
  WriteBatch batch;
  batch.Put("key", "value");
  for (const size_t position :
       {txn::kHeaderFormatVersionAt, txn::kHeaderBytes + txn::kOpTypeAt,
        txn::kHeaderBytes + txn::kOpReservedAt, txn::kHeaderBytes + txn::kOpReservedAt + 2}) {
    std::string bytes(batch.encoded());
    bytes[position] = static_cast<char>(0x7f);
    const Status status = txn::Validate(Bytes(bytes), 64, 64);
    EXPECT_TRUE(status.IsNotSupported()) << position << ": " << status.ToString();
  }
  std::string bytes(batch.encoded());
  bytes[txn::kHeaderBytes + txn::kOpTypeAt] = 0;
  EXPECT_TRUE(txn::Validate(Bytes(bytes), 64, 64).IsCorruption());
}

// A version byte of 1..4 is the top of a u32 operation count from before the byte was named: it
// is decoded as that count (here more operations than the bytes hold: Corruption, as it always
// was), never refused as a newer format. 5 is the first version a later format may take.
TEST(TxnCodecTest, VersionBytesOneToFourAreALegacyOperationCount) {
  WriteBatch batch;
  batch.Put("key", "value");
  for (uint8_t top = 1; top <= txn::kLegacyCountTopMax; ++top) {
    std::string bytes(batch.encoded());
    bytes[txn::kHeaderFormatVersionAt] = static_cast<char>(top);
    const Status status = txn::Validate(Bytes(bytes), 64, 64);
    EXPECT_TRUE(status.IsCorruption()) << int{top} << ": " << status.ToString();
    EXPECT_NE(status.message().find(std::to_string((uint32_t{top} << 24) + 1) + " operations"),
              std::string_view::npos)
        << status.ToString();
  }
  std::string bytes(batch.encoded());
  bytes[txn::kHeaderFormatVersionAt] = static_cast<char>(txn::kLegacyCountTopMax + 1);
  EXPECT_TRUE(txn::Validate(Bytes(bytes), 64, 64).IsNotSupported());
}

TEST(TxnCodecTest, InflatedLengthsAreCorruptionNotOverreads) {
  WriteBatch batch;
  batch.Put("key", "value");
  const size_t fields[] = {txn::kHeaderBytes + 4, txn::kHeaderBytes + 8};
  for (const size_t field : fields) {
    for (const uint32_t length : {6u, 1000u, 0xffffffffu}) {
      std::string bytes(batch.encoded());
      coding::Put<uint32_t>(bytes.data() + field, length);
      EXPECT_TRUE(txn::Validate(Bytes(bytes), 64, 64).IsCorruption()) << field << " " << length;
    }
  }
  std::string bytes(batch.encoded());
  // One more operation than the bytes hold.
  coding::Put<uint32_t>(bytes.data() + txn::kHeaderOperationCountAt, 2);
  EXPECT_TRUE(txn::Validate(Bytes(bytes), 64, 64).IsCorruption());
}

TEST(TxnCodecTest, LimitsAreChecked) {
  WriteBatch batch;
  batch.Put("a-long-key", "v");
  EXPECT_TRUE(txn::Validate(Bytes(batch.encoded()), 4, 64).IsCorruption());
  WriteBatch empty_key;
  empty_key.Put("", "v");
  EXPECT_TRUE(txn::Validate(Bytes(empty_key.encoded()), 4, 64).IsCorruption());
  WriteBatch delete_with_value;
  delete_with_value.Put("k", "v");
  std::string bytes(delete_with_value.encoded());
  bytes[txn::kHeaderBytes] = static_cast<char>(txn::OpType::kDelete);
  EXPECT_TRUE(txn::Validate(Bytes(bytes), 4, 64).IsCorruption());
}

}  // namespace
}  // namespace ringdb
