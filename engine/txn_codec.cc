#include "engine/txn_codec.h"

#include <string>

#include "util/assert.h"

namespace ringdb::txn {

Status Decoder::Open(std::span<const std::byte> bytes, Decoder* decoder) {
  RINGDB_ASSERT(decoder != nullptr);
  if (bytes.size() < kHeaderBytes) {
    return Status::Corruption("transaction of " + std::to_string(bytes.size()) +
                              " bytes is shorter than its 8-byte header");
  }
  const uint32_t encoded_bytes = EncodedBytesOf(bytes.data());
  // The count as a u32 with the version byte on top: exactly the count for format 0, and for a
  // header written before the version was named (see txn_format.h).
  const uint32_t operation_count = coding::Get<uint32_t>(bytes.data() + kHeaderOperationCountAt);
  const auto format_version = static_cast<uint8_t>(bytes[kHeaderFormatVersionAt]);
  if (format_version > kLegacyCountTopMax) {
    return Status::NotSupported("transaction format version " + std::to_string(format_version) +
                                " is newer than this ringdb reads (" +
                                std::to_string(kFormatVersion) +
                                "): it was written by a newer ringdb");
  }
  if (encoded_bytes < kHeaderBytes || encoded_bytes > bytes.size()) {
    return Status::Corruption("transaction header says " + std::to_string(encoded_bytes) +
                              " bytes but " + std::to_string(bytes.size()) + " are present");
  }
  if (operation_count > (encoded_bytes - kHeaderBytes) / kOpHeaderBytes) {
    return Status::Corruption("transaction header says " + std::to_string(operation_count) +
                              " operations, more than " + std::to_string(encoded_bytes) +
                              " bytes can hold");
  }
  *decoder = Decoder();
  decoder->bytes_ = bytes.first(encoded_bytes);
  decoder->offset_ = kHeaderBytes;
  decoder->operation_count_ = operation_count;
  decoder->encoded_bytes_ = encoded_bytes;
  return Status::OK();
}

bool Decoder::Next(Op* op) {
  RINGDB_ASSERT(op != nullptr);
  if (!status_.ok() || operations_read_ == operation_count_) {
    if (status_.ok() && offset_ != bytes_.size()) {
      status_ = Status::Corruption("transaction has " + std::to_string(bytes_.size() - offset_) +
                                   " trailing bytes after its last operation");
    }
    return false;
  }
  const size_t remaining = bytes_.size() - offset_;
  if (remaining < kOpHeaderBytes) {
    status_ =
        Status::Corruption("operation " + std::to_string(operations_read_) +
                           " header is cut off at transaction byte " + std::to_string(offset_));
    return false;
  }
  const std::byte* header = bytes_.data() + offset_;
  const auto type = static_cast<uint8_t>(header[kOpTypeAt]);
  bool reserved_zero = true;
  for (size_t index = 0; index < kOpReservedBytes; ++index) {
    reserved_zero = reserved_zero && header[kOpReservedAt + index] == std::byte{0};
  }
  const uint64_t key_bytes = coding::Get<uint32_t>(header + kOpKeyBytesAt);
  const uint64_t value_bytes = coding::Get<uint32_t>(header + kOpValueBytesAt);
  if (type < kOpTypeMin) {
    status_ = Status::Corruption("operation " + std::to_string(operations_read_) + " has type " +
                                 std::to_string(type));
    return false;
  }
  if (type > kOpTypeMax || !reserved_zero) {
    status_ = Status::NotSupported(
        "operation " + std::to_string(operations_read_) +
        (reserved_zero ? " has type " + std::to_string(type) : std::string(" sets reserved bits")) +
        ", unknown to this ringdb: it was written by a newer ringdb");
    return false;
  }
  if (key_bytes + value_bytes > remaining - kOpHeaderBytes) {
    status_ = Status::Corruption("operation " + std::to_string(operations_read_) + " claims " +
                                 std::to_string(key_bytes + value_bytes) + " bytes, only " +
                                 std::to_string(remaining - kOpHeaderBytes) + " remain");
    return false;
  }
  const char* key = reinterpret_cast<const char*>(header + kOpHeaderBytes);
  op->type = static_cast<OpType>(type);
  op->key = std::string_view(key, key_bytes);
  op->value = std::string_view(key + key_bytes, value_bytes);
  offset_ += kOpHeaderBytes + key_bytes + value_bytes;
  ++operations_read_;
  return true;
}

Status Validate(std::span<const std::byte> bytes, uint32_t key_bytes_max, uint32_t value_bytes_max,
                ValidTransaction* valid) {
  Decoder decoder;
  Status status = Decoder::Open(bytes, &decoder);
  if (!status.ok()) {
    return status;
  }
  Op op{};
  uint32_t index = 0;
  uint32_t preconditions = 0;
  while (decoder.Next(&op)) {
    if (op.key.empty() || op.key.size() > key_bytes_max) {
      return Status::Corruption("operation " + std::to_string(index) + " has a key of " +
                                std::to_string(op.key.size()) + " bytes");
    }
    const bool carries_value = op.type == OpType::kPut || op.type == OpType::kExpectEqual;
    if (op.value.size() > value_bytes_max || (!carries_value && !op.value.empty())) {
      return Status::Corruption("operation " + std::to_string(index) + " has a value of " +
                                std::to_string(op.value.size()) + " bytes");
    }
    preconditions += IsPrecondition(op.type) ? 1 : 0;
    ++index;
  }
  if (!decoder.status().ok()) {
    return decoder.status();
  }
  if (valid != nullptr) {
    valid->bytes_ = bytes.first(decoder.encoded_bytes());
    valid->operation_count_ = decoder.operation_count();
    valid->precondition_count_ = preconditions;
  }
  return Status::OK();
}

}  // namespace ringdb::txn
