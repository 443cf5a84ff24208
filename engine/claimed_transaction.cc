// The zero-copy path: operations encoded straight into claimed ring slots.
#include <algorithm>
#include <cstring>

#include "engine/engine_impl.h"
#include "engine/txn_codec.h"
#include "util/assert.h"

namespace ringdb {

void ValueBuffer::Write(size_t offset, std::span<const std::byte> data) const {
  RINGDB_ASSERT(offset + data.size() <= size());
  while (!data.empty()) {
    const bool in_first = offset < first.size();
    const std::span<std::byte> region =
        in_first ? first.subspan(offset) : second.subspan(offset - first.size());
    const size_t length = std::min(region.size(), data.size());
    std::memcpy(region.data(), data.data(), length);
    data = data.subspan(length);
    offset += length;
  }
}

ClaimedTransaction::ClaimedTransaction(EngineImpl* engine, ClaimedBatch batch)
    : engine_(engine), batch_(std::move(batch)) {
  RINGDB_ASSERT(engine_ != nullptr);
  RINGDB_ASSERT(batch_.active());
  const size_t claimed = size_t{batch_.slot_count()} * batch_.slot_size_bytes();
  capacity_bytes_ = std::min<size_t>(claimed, engine_->options().transaction_bytes_max);
  used_bytes_ = txn::kHeaderBytes;
}

ClaimedTransaction::ClaimedTransaction(ClaimedTransaction&& other) noexcept
    : engine_(other.engine_),
      batch_(std::move(other.batch_)),
      capacity_bytes_(other.capacity_bytes_),
      used_bytes_(other.used_bytes_),
      operation_count_(other.operation_count_) {}

ClaimedTransaction& ClaimedTransaction::operator=(ClaimedTransaction&& other) noexcept {
  if (this != &other) {
    Abort();
    engine_ = other.engine_;
    batch_ = std::move(other.batch_);
    capacity_bytes_ = other.capacity_bytes_;
    used_bytes_ = other.used_bytes_;
    operation_count_ = other.operation_count_;
  }
  return *this;
}

ClaimedTransaction::~ClaimedTransaction() { Abort(); }

bool ClaimedTransaction::active() const { return batch_.active(); }

size_t ClaimedTransaction::bytes_free() const {
  return active() ? capacity_bytes_ - used_bytes_ : 0;
}

// The memory of logical bytes [offset, offset + length) of the claim: slots are consecutive in
// memory except where the claim wraps around the ring's end, so at most two regions.
ValueBuffer ClaimedTransaction::Region(size_t offset, size_t length) {
  RINGDB_ASSERT(offset + length <= size_t{batch_.slot_count()} * batch_.slot_size_bytes());
  ValueBuffer buffer;
  const size_t slot_bytes = batch_.slot_size_bytes();
  if (length == 0) {
    return buffer;
  }
  const auto first_index = static_cast<uint32_t>(offset / slot_bytes);
  const auto last_index = static_cast<uint32_t>((offset + length - 1) / slot_bytes);
  std::byte* start = batch_.slot(first_index).data() + offset % slot_bytes;
  for (uint32_t index = first_index; index < last_index; ++index) {
    if (batch_.slot(index + 1).data() != batch_.slot(index).data() + slot_bytes) {
      const size_t head = static_cast<size_t>(batch_.slot(index).data() + slot_bytes - start);
      buffer.first = std::span<std::byte>(start, head);
      buffer.second = std::span<std::byte>(batch_.slot(index + 1).data(), length - head);
      return buffer;
    }
  }
  buffer.first = std::span<std::byte>(start, length);
  return buffer;
}

Status ClaimedTransaction::AddOperation(uint8_t type, std::string_view key, std::string_view value,
                                        ValueBuffer* in_place, uint32_t in_place_bytes) {
  if (!active()) {
    return Status::InvalidArgument("the claimed transaction was already published or aborted");
  }
  if (operation_count_ == txn::kOperationCountLimit) {
    return Status::InvalidArgument("a transaction holds at most " +
                                   std::to_string(txn::kOperationCountLimit) + " operations");
  }
  const Options& options = engine_->options();
  const size_t value_bytes = in_place != nullptr ? in_place_bytes : value.size();
  if (key.empty() || key.size() > options.key_bytes_max) {
    return Status::InvalidArgument(
        "a key of " + std::to_string(key.size()) +
        " bytes is outside [1, key_bytes_max = " + std::to_string(options.key_bytes_max) + "]");
  }
  if (value_bytes > options.value_bytes_max) {
    return Status::InvalidArgument(
        "a value of " + std::to_string(value_bytes) +
        " bytes exceeds value_bytes_max = " + std::to_string(options.value_bytes_max));
  }
  const size_t needed = txn::OpEncodedBytes(key.size(), value_bytes);
  if (needed > bytes_free()) {
    return Status::InvalidArgument("the operation needs " + std::to_string(needed) +
                                   " bytes, the claim has " + std::to_string(bytes_free()) +
                                   " left (claim more slots; see Engine::SlotsFor)");
  }
  std::byte header[txn::kOpHeaderBytes];
  txn::EncodeOpHeader(header, static_cast<txn::OpType>(type), static_cast<uint32_t>(key.size()),
                      static_cast<uint32_t>(value_bytes));
  size_t offset = used_bytes_;
  Region(offset, sizeof(header)).Write(0, header);
  offset += sizeof(header);
  Region(offset, key.size()).Write(0, std::as_bytes(std::span(key.data(), key.size())));
  offset += key.size();
  if (in_place != nullptr) {
    *in_place = Region(offset, value_bytes);
  } else {
    Region(offset, value.size()).Write(0, std::as_bytes(std::span(value.data(), value.size())));
  }
  used_bytes_ = offset + value_bytes;
  ++operation_count_;
  return Status::OK();
}

Status ClaimedTransaction::Put(std::string_view key, std::string_view value) {
  return AddOperation(static_cast<uint8_t>(txn::OpType::kPut), key, value, nullptr, 0);
}

Status ClaimedTransaction::Delete(std::string_view key) {
  return AddOperation(static_cast<uint8_t>(txn::OpType::kDelete), key, {}, nullptr, 0);
}

Status ClaimedTransaction::ExpectEqual(std::string_view key, std::string_view value) {
  return AddOperation(static_cast<uint8_t>(txn::OpType::kExpectEqual), key, value, nullptr, 0);
}

Status ClaimedTransaction::ExpectAbsent(std::string_view key) {
  return AddOperation(static_cast<uint8_t>(txn::OpType::kExpectAbsent), key, {}, nullptr, 0);
}

Status ClaimedTransaction::ExpectPresent(std::string_view key) {
  return AddOperation(static_cast<uint8_t>(txn::OpType::kExpectPresent), key, {}, nullptr, 0);
}

Result<ValueBuffer> ClaimedTransaction::PutInPlace(std::string_view key, uint32_t value_bytes) {
  ValueBuffer buffer;
  Status status =
      AddOperation(static_cast<uint8_t>(txn::OpType::kPut), key, {}, &buffer, value_bytes);
  if (!status.ok()) {
    return status;
  }
  return buffer;
}

Token ClaimedTransaction::Publish() {
  if (!active()) {
    return Token::Failed(
        Status::InvalidArgument("the claimed transaction was already published or aborted"));
  }
  if (operation_count_ == 0) {
    Abort();
    return Token::Failed(Status::InvalidArgument("the transaction has no operations"));
  }
  std::byte header[txn::kHeaderBytes];
  txn::EncodeHeader(header, static_cast<uint32_t>(used_bytes_), operation_count_);
  Region(0, sizeof(header)).Write(0, header);
  engine_->CountSubmitted();
  return batch_.Publish();
}

void ClaimedTransaction::Abort() {
  if (active()) {
    batch_.Abort();
    engine_->CountAborted();
  }
}

}  // namespace ringdb
