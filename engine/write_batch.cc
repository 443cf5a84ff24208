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

// Writes the header for the operations appended so far.
void WriteHeader(std::string* rep, uint32_t operation_count) {
  std::byte header[txn::kHeaderBytes];
  txn::EncodeHeader(header, ClampToU32(rep->size()), operation_count);
  rep->replace(0, txn::kHeaderBytes, reinterpret_cast<const char*>(header), txn::kHeaderBytes);
}

}  // namespace

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  rep_.assign(txn::kHeaderBytes, '\0');
  operation_count_ = 0;
  key_bytes_min_ = UINT32_MAX;
  key_bytes_max_ = 0;
  value_bytes_max_ = 0;
  WriteHeader(&rep_, 0);
}

void WriteBatch::Append(uint8_t type, std::string_view key, std::string_view value) {
  std::byte op_header[txn::kOpHeaderBytes];
  txn::EncodeOpHeader(op_header, static_cast<txn::OpType>(type), ClampToU32(key.size()),
                      ClampToU32(value.size()));
  rep_.append(reinterpret_cast<const char*>(op_header), sizeof(op_header));
  rep_.append(key);
  rep_.append(value);
  ++operation_count_;
  key_bytes_min_ = std::min<uint32_t>(key_bytes_min_, ClampToU32(key.size()));
  key_bytes_max_ = std::max<uint64_t>(key_bytes_max_, key.size());
  value_bytes_max_ = std::max<uint64_t>(value_bytes_max_, value.size());
  WriteHeader(&rep_, operation_count_);
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
