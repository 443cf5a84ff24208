// The write path on the producer's side: Submit (builder path), Claim (zero-copy path), faults.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "engine/engine_impl.h"
#include "engine/txn_format.h"
#include "util/assert.h"

namespace ringdb {

namespace {

Status CheckBatchLimits(const WriteBatch& batch, const Options& options) {
  if (batch.empty()) {
    return Status::InvalidArgument("the transaction has no operations");
  }
  if (batch.operation_count() > txn::kOperationCountLimit) {
    return Status::InvalidArgument(
        "the transaction has " + std::to_string(batch.operation_count()) +
        " operations; a transaction holds at most " + std::to_string(txn::kOperationCountLimit));
  }
  if (batch.shortest_key_bytes() == 0) {
    return Status::InvalidArgument("the transaction has an empty key; keys need at least 1 byte");
  }
  if (batch.longest_key_bytes() > options.key_bytes_max) {
    return Status::InvalidArgument(
        "a key of " + std::to_string(batch.longest_key_bytes()) +
        " bytes exceeds key_bytes_max = " + std::to_string(options.key_bytes_max));
  }
  if (batch.longest_value_bytes() > options.value_bytes_max) {
    return Status::InvalidArgument(
        "a value of " + std::to_string(batch.longest_value_bytes()) +
        " bytes exceeds value_bytes_max = " + std::to_string(options.value_bytes_max));
  }
  if (batch.encoded().size() > options.transaction_bytes_max) {
    return Status::InvalidArgument(
        "the transaction encodes to " + std::to_string(batch.encoded().size()) +
        " bytes, over transaction_bytes_max = " + std::to_string(options.transaction_bytes_max));
  }
  return Status::OK();
}

constexpr std::chrono::steady_clock::time_point kNoDeadline =
    std::chrono::steady_clock::time_point::max();

// A claim's status, reworded when the ring had no room in time. Failure path only.
Status ClaimFailure(const Status& status, uint32_t slot_count, uint64_t ring_slot_count) {
  if (!status.IsTimedOut()) {
    return status;
  }
  return Status::TimedOut("no room in the ring for " + std::to_string(slot_count) +
                          " slot(s) before the deadline (" + std::to_string(ring_slot_count) +
                          " slots): transactions ahead are not yet applied, or "
                          "are claimed and not yet published, possibly by this very thread");
}

}  // namespace

Status EngineImpl::CheckWritable() const {
  if (closed_.load(std::memory_order_acquire)) {
    return Status::Aborted("the engine at " + path_ + " is closed");
  }
  if (pipeline_.faulted()) {
    return pipeline_.FaultStatus();
  }
  return Status::OK();
}

uint32_t EngineImpl::SlotsFor(uint32_t operation_count, uint64_t key_and_value_bytes) const {
  const uint64_t bytes =
      txn::kHeaderBytes + uint64_t{operation_count} * txn::kOpHeaderBytes + key_and_value_bytes;
  const uint64_t slot_bytes = uint64_t{options_.ring_chunk_count} * kRingChunkSizeBytes;
  return static_cast<uint32_t>(
      std::min<uint64_t>((bytes + slot_bytes - 1) / slot_bytes, UINT32_MAX));
}

Token EngineImpl::Submit(const WriteBatch& batch) { return SubmitUntil(batch, kNoDeadline); }

Token EngineImpl::Submit(const WriteBatch& batch, std::chrono::milliseconds timeout) {
  return SubmitUntil(batch, std::chrono::steady_clock::now() + timeout);
}

Token EngineImpl::SubmitUntil(const WriteBatch& batch,
                              std::chrono::steady_clock::time_point deadline) {
  Result<ClaimedBatch> claimed = ClaimFilled(batch, deadline);
  if (!claimed.ok()) {
    return Token::Failed(claimed.status());
  }
  return claimed->Publish();
}

Result<ClaimedBatch> EngineImpl::ClaimFilled(const WriteBatch& batch,
                                             std::chrono::steady_clock::time_point deadline) {
  Status status = CheckWritable();
  if (status.ok()) {
    status = CheckBatchLimits(batch, options_);
  }
  if (!status.ok()) {
    return status;
  }
  const std::string_view bytes = batch.encoded();
  const size_t slot_bytes = ring_->slot_size_bytes();
  const auto slot_count = static_cast<uint32_t>((bytes.size() + slot_bytes - 1) / slot_bytes);
  Result<ClaimedBatch> claimed = ring_->Claim(slot_count, deadline);
  if (!claimed.ok()) {
    return ClaimFailure(claimed.status(), slot_count, options_.ring_slot_count);
  }
  ClaimedBatch& claim = *claimed;
  pipeline_.set_outcome(claim.last_sequence(), nullptr);
  size_t offset = 0;
  for (uint32_t index = 0; offset < bytes.size(); ++index) {
    const std::span<std::byte> slot = claim.slot(index);
    const size_t length = std::min(slot.size(), bytes.size() - offset);
    std::memcpy(slot.data(), bytes.data() + offset, length);
    offset += length;
  }
  CountSubmitted();
  return claimed;
}

namespace {

// One batch per thread for the single-operation conveniences; Clear keeps its buffer. A call
// nested in another on the same thread would clear it, which is safe: Write copies the batch into
// the ring before it publishes or waits, and reads it no more.
WriteBatch& ThreadBatch() {
  thread_local WriteBatch batch;
  batch.Clear();
  return batch;
}

}  // namespace

Status Engine::Put(std::string_view key, std::string_view value) {
  WriteBatch& batch = ThreadBatch();
  batch.Put(key, value);
  return Write(batch);
}

Status Engine::Delete(std::string_view key) {
  WriteBatch& batch = ThreadBatch();
  batch.Delete(key);
  return Write(batch);
}

// A synchronous write carries its transaction through the stages on its own thread when it can,
// as RocksDB's write-group leader does: it takes the journal stage if nobody holds it (before
// publishing, so that the stage's thread, woken by the publish, finds it taken), journals every
// transaction published so far as one group with one fdatasync, takes the apply stage before
// handing that group on, and applies it. Each hand-off it saves is a wake-up that, on a host
// whose cores are busy, waits for the scheduler. A writer that finds a stage held waits for its
// token, and the holder (a writer or the stage's thread) takes its transaction in its next pass.
// The claim comes first: a writer holding the journal stage while it waits for room in the ring
// would keep the room from ever being made.
Status EngineImpl::Write(const WriteBatch& batch) {
  Result<ClaimedBatch> claimed = ClaimFilled(batch, kNoDeadline);
  if (!claimed.ok()) {
    return claimed.status();
  }
  Status outcome;
  pipeline_.set_outcome(claimed->last_sequence(), &outcome);
  Stage::Hold journal;
  journal.TryHold(&journaler_->stage());
  const Token token = claimed->Publish();
  Stage::Hold apply;
  if (journal.held()) {
    journal.Run([&](uint64_t next) { return journaler_->Pass(next, false /*gather*/, &apply); });
    journal.Release();
  }
  if (apply.held()) {
    apply.Run([this](uint64_t next) { return apply_stage_->Pass(next); });
    apply.Release();
  }
  // The token's answer is exact but for Unknown (its slot's failure record was reused); the
  // stages wrote the failure, if any, into `outcome` before the token resolved.
  const Status resolved = token.Wait();
  return resolved.IsUnknown() ? outcome : resolved;
}

Result<ClaimedTransaction> EngineImpl::Claim(uint32_t slot_count) {
  return ClaimUntil(slot_count, kNoDeadline);
}

Result<ClaimedTransaction> EngineImpl::Claim(uint32_t slot_count,
                                             std::chrono::milliseconds timeout) {
  return ClaimUntil(slot_count, std::chrono::steady_clock::now() + timeout);
}

Result<ClaimedTransaction> EngineImpl::ClaimUntil(uint32_t slot_count,
                                                  std::chrono::steady_clock::time_point deadline) {
  Status status = CheckWritable();
  if (!status.ok()) {
    return status;
  }
  const uint64_t slot_bytes = ring_->slot_size_bytes();
  if (slot_count == 0 || slot_count * slot_bytes > options_.transaction_bytes_max + slot_bytes) {
    return Status::InvalidArgument(
        "Claim(" + std::to_string(slot_count) + "): a transaction takes 1 to " +
        std::to_string((options_.transaction_bytes_max + slot_bytes - 1) / slot_bytes) +
        " slots (transaction_bytes_max = " + std::to_string(options_.transaction_bytes_max) + ", " +
        std::to_string(slot_bytes) + "-byte slots)");
  }
  Result<ClaimedBatch> claimed = ring_->Claim(slot_count, deadline);
  if (!claimed.ok()) {
    return ClaimFailure(claimed.status(), slot_count, options_.ring_slot_count);
  }
  pipeline_.set_outcome(claimed->last_sequence(), nullptr);
  return ClaimedTransaction(this, std::move(*claimed));
}

}  // namespace ringdb
