// Sequencer: hands out ring sequences to producers and tells root consumers what is published.
//
// Two variants, two classes (single_producer_sequencer.h, multi_producer_sequencer.h), chosen by
// RingOptions::producer_type. One virtual call per claim or publish is noise next to the cache
// traffic of the claim itself; in exchange the ring's code has no producer-type branches.
#pragma once

#include <cstdint>

#include "ringbuffer/parking_lot.h"
#include "ringdb/status.h"

namespace ringdb::internal {

class RingCore;

enum class ClaimMode : uint8_t {
  kWait,  // Wait for room until the deadline (kNoDeadline: until room or Close).
  kTry,   // Busy at once when there is no room.
};

class Sequencer {
 public:
  virtual ~Sequencer() = default;
  // Claims `count` consecutive sequences once the slowest terminal consumer leaves room; sets
  // *first. Busy / TimedOut / Aborted (closed) claim nothing. RingCore fences after the claim and
  // then checks the closing flag (see ring_core.h).
  virtual Status Claim(uint32_t count, ClaimMode mode, Deadline deadline, uint64_t* first) = 0;
  // Makes [first, last] visible to root consumers. The slots and metadata are already written.
  virtual void Publish(uint64_t first, uint64_t last) = 0;
  // Publishes a claim that lost the race to Close (already written as an abort). It may lie after
  // batches the producer still holds, so a sequencer that needs claim order may defer it.
  virtual void PublishClosedClaim(uint64_t first, uint64_t last) { Publish(first, last); }
  // The highest sequence claimed so far (read by Close after setting the flag and fencing).
  virtual uint64_t claimed() const noexcept = 0;
  // The highest sequence s >= known such that everything up to s is published. REQUIRES: known is
  // published (0 at the start).
  virtual uint64_t HighestPublished(uint64_t known) const noexcept = 0;
};

}  // namespace ringdb::internal
