#include "ringdb/write_batch.h"

#include <algorithm>

#include "engine/txn_codec.h"

namespace ringdb {

namespace {

// Sizes are clamped to UINT32_MAX in the encoding; Submit rejects anything over the engine's
// limits (all far below 4 GiB) before the bytes are used, so a clamped size is never decoded.
uint32_t ClampToU32(size_t size) {
  return static_cast<uint32_t>(std::min<size_t>(size, UINT32_MAX));
}

void PutU32(std::string* out, uint32_t value) {
  std::byte bytes[4];
  txn::EncodeU32(bytes, value);
  out->append(reinterpret_cast<const char*>(bytes), sizeof(bytes));
}

}  // namespace

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  rep_.assign(txn::kHeaderBytes, '\0');
  operation_count_ = 0;
  key_bytes_min_ = UINT32_MAX;
  key_bytes_max_ = 0;
  value_bytes_max_ = 0;
  std::byte header[txn::kHeaderBytes];
  txn::EncodeU32(header, static_cast<uint32_t>(txn::kHeaderBytes));
  txn::EncodeU32(header + 4, 0);
  rep_.replace(0, txn::kHeaderBytes, reinterpret_cast<const char*>(header), txn::kHeaderBytes);
}

void WriteBatch::Append(uint8_t type, std::string_view key, std::string_view value) {
  const char op_header[4] = {static_cast<char>(type), 0, 0, 0};
  rep_.append(op_header, sizeof(op_header));
  PutU32(&rep_, ClampToU32(key.size()));
  PutU32(&rep_, ClampToU32(value.size()));
  rep_.append(key);
  rep_.append(value);
  ++operation_count_;
  key_bytes_min_ = std::min<uint32_t>(key_bytes_min_, ClampToU32(key.size()));
  key_bytes_max_ = std::max<uint64_t>(key_bytes_max_, key.size());
  value_bytes_max_ = std::max<uint64_t>(value_bytes_max_, value.size());
  std::byte header[txn::kHeaderBytes];
  txn::EncodeU32(header, ClampToU32(rep_.size()));
  txn::EncodeU32(header + 4, operation_count_);
  rep_.replace(0, txn::kHeaderBytes, reinterpret_cast<const char*>(header), txn::kHeaderBytes);
}

void WriteBatch::Put(std::string_view key, std::string_view value) {
  Append(static_cast<uint8_t>(txn::OpType::kPut), key, value);
}

void WriteBatch::Delete(std::string_view key) {
  Append(static_cast<uint8_t>(txn::OpType::kDelete), key, {});
}

void WriteBatch::ExpectEqual(std::string_view key, std::string_view value) {
  Append(static_cast<uint8_t>(txn::OpType::kExpectEqual), key, value);
}

void WriteBatch::ExpectAbsent(std::string_view key) {
  Append(static_cast<uint8_t>(txn::OpType::kExpectAbsent), key, {});
}

void WriteBatch::ExpectPresent(std::string_view key) {
  Append(static_cast<uint8_t>(txn::OpType::kExpectPresent), key, {});
}

}  // namespace ringdb
