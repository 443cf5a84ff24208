#include "engine/pipeline.h"

#include <string>

#include <spdlog/spdlog.h>

#include "engine/txn_codec.h"

namespace ringdb {

Pipeline::Pipeline(uint64_t slot_count, std::shared_ptr<spdlog::logger> logger)
    : mask_(slot_count - 1),
      logger_(std::move(logger)),
      journal_sequence_by_slot_(slot_count, 0),
      outcome_by_slot_(slot_count, nullptr) {
  RINGDB_ASSERT(slot_count > 0 && (slot_count & mask_) == 0);
}

size_t Pipeline::Gather(const Consumer* consumer, uint64_t first, uint64_t last,
                        std::span<const std::byte> pieces[2]) {
  const std::span<const std::byte> head = consumer->slot(first);
  const size_t slot_bytes = head.size();
  const size_t length = txn::EncodedBytesOf(head.data());
  RINGDB_ASSERT(length >= txn::kHeaderBytes);
  RINGDB_ASSERT(length <= (last - first + 1) * slot_bytes);
  const uint64_t last_used = first + (length - 1) / slot_bytes;
  for (uint64_t sequence = first; sequence < last_used; ++sequence) {
    if (consumer->slot(sequence + 1).data() != consumer->slot(sequence).data() + slot_bytes) {
      const size_t head_bytes = static_cast<size_t>(sequence - first + 1) * slot_bytes;
      pieces[0] = std::span<const std::byte>(head.data(), head_bytes);
      pieces[1] =
          std::span<const std::byte>(consumer->slot(sequence + 1).data(), length - head_bytes);
      return 2;
    }
  }
  pieces[0] = std::span<const std::byte>(head.data(), length);
  return 1;
}

void Pipeline::FailRun(Consumer* consumer, uint64_t first, uint64_t last, const Status& status) {
  for (uint64_t sequence = first; sequence <= last;) {
    const SlotMeta meta = consumer->meta(sequence);
    RINGDB_ASSERT(meta.batch_begin());
    const uint64_t batch_last = sequence + meta.batch_slot_count - 1;
    if (!meta.aborted && journal_sequence(batch_last) != 0) {
      FailBatch(consumer, batch_last, status);
      set_journal_sequence(batch_last, 0);
    }
    sequence = batch_last + 1;
  }
}

void Pipeline::FailBatch(Consumer* consumer, uint64_t batch_last, const Status& status) {
  // The writer's copy first, so that it is complete before anything can resolve the token.
  Status* outcome = outcome_by_slot_[batch_last & mask_];
  if (outcome != nullptr && outcome->ok()) {
    *outcome = status;  // The first failure wins, as in the ring.
  }
  consumer->Fail(batch_last, status);
}

void Pipeline::SetFault(const Status& status) {
  RINGDB_ASSERT(!status.ok());
  MutexLock lock(&fault_mutex_);
  if (fault_.ok()) {
    fault_ =
        Status::FromCode(status.code(), "the engine refuses writes until it is reopened, after: " +
                                            std::string(status.message()));
    faulted_.store(true, std::memory_order_release);
    logger_->error("ringdb: {}", fault_.ToString());
  }
}

Status Pipeline::FaultStatus() const {
  MutexLock lock(&fault_mutex_);
  return fault_;
}

}  // namespace ringdb
