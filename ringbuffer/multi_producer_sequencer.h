// MultiProducerSequencer: any number of producer threads claiming concurrently (the fan-in).
//
// Claims move the claim sequence with compare-and-swap after checking room, rather than the
// Disruptor's unconditional fetch_add: a fetch_add claimer that then finds the ring full owns
// sequences it can neither use nor give back, so it could not honour TryClaim's Busy or a
// deadline. Publication is per slot: each slot's flag holds the sequence last published in it,
// set from the batch's last slot down to its first with release stores, so a consumer that scans
// forward and sees the first slot's flag (acquire) sees the whole batch.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "ringbuffer/sequence.h"
#include "ringbuffer/sequencer.h"

namespace ringdb::internal {

class MultiProducerSequencer final : public Sequencer {
 public:
  MultiProducerSequencer(RingCore& ring, uint64_t slot_count);
  Status Claim(uint32_t count, ClaimMode mode, Deadline deadline, uint64_t* first) override;
  void Publish(uint64_t first, uint64_t last) override;
  uint64_t claimed() const noexcept override { return claimed_.load(std::memory_order_seq_cst); }
  uint64_t HighestPublished(uint64_t known) const noexcept override;
  uint64_t bytes_reserved() const noexcept { return slot_count_ * sizeof(std::atomic<uint64_t>); }

 private:
  RingCore& ring_;
  const uint64_t slot_count_;
  const uint64_t mask_;
  // The claim sequence: CAS by producers (seq_cst), read by Close and Info; consumers never
  // read it (they scan the flags).
  alignas(kCacheLineSizeBytes) std::atomic<uint64_t> claimed_{0};
  // A shared cache of the gating sequence, so producers rarely read every consumer's sequence.
  // A stale (smaller) value only costs a re-read: gating sequences only grow. Release/acquire,
  // not relaxed: a producer that trusts a value another producer read must also inherit that
  // producer's happens-before with the consumers' last reads of the slots it will overwrite
  // (ThreadSanitizer caught the relaxed version).
  alignas(kCacheLineSizeBytes) std::atomic<uint64_t> cached_gate_{0};
  // published_[s & mask] == s once sequence s is published. Written by producers (release), read
  // by root consumers (acquire).
  std::unique_ptr<std::atomic<uint64_t>[]> published_;
};

}  // namespace ringdb::internal
