// RingBuffer: a Disruptor-style ring of 2^k fixed-size slots, the write-ahead front end of ringdb.
//
// A producer claims a batch of slots, writes into them in place, and publishes the batch as one
// unit (a transaction), getting a Token. Consumers, arranged as a dependency graph (B after A; C
// after A and B), pull everything available at once and release it with one store. A batch's
// token resolves once every terminal consumer (one nobody depends on) has passed it; producers
// gate on the slowest terminal consumer. Nothing allocates after construction.
//
// Thread safety: RingBuffer's methods may be called from any thread (with ProducerType::kSingle,
// Claim* from one thread only). A Consumer is used by exactly one thread at a time. A
// ClaimedBatch belongs to the thread that claimed it. With kMulti it may be moved to another
// thread and published, aborted or destroyed there; with kSingle it must be published, aborted or
// destroyed (which aborts it) on the claiming thread, which owns the single producer's publication
// order.
// Lifetimes: the ring owns its consumers; it must outlive every ClaimedBatch, Consumer pointer and
// Token that refers to it. Add every consumer before the first claim.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringdb/result.h"
#include "ringdb/ring_options.h"
#include "ringdb/status.h"
#include "ringdb/token.h"

namespace ringdb {
namespace internal {
class RingCore;
struct ConsumerCore;
}  // namespace internal
class BatchProcessor;
class RingBuffer;

// Where a slot sits in its batch, so a consumer sees transaction boundaries.
struct SlotMeta {
  uint32_t batch_slot_count = 0;  // Slots in the batch this slot belongs to.
  uint32_t index_in_batch = 0;    // 0 .. batch_slot_count-1.
  bool aborted = false;           // The batch was aborted: skip it (its bytes are meaningless).
  bool batch_begin() const noexcept { return index_in_batch == 0; }
  bool batch_end() const noexcept { return index_in_batch + 1 == batch_slot_count; }
};

// A claimed, not yet published batch of consecutive slots. Move-only. The destructor aborts a
// batch that was neither published nor aborted, so a claim can never stall the ring.
class ClaimedBatch {
 public:
  // Moves and destruction are inline: a Result<ClaimedBatch> moves its batch on every claim.
  ClaimedBatch(ClaimedBatch&& other) noexcept
      : ring_(other.ring_),
        slots_(other.slots_),
        mask_(other.mask_),
        slot_size_bytes_(other.slot_size_bytes_),
        first_sequence_(other.first_sequence_),
        slot_count_(other.slot_count_) {
    other.ring_ = nullptr;
  }
  ClaimedBatch& operator=(ClaimedBatch&& other) noexcept;
  ClaimedBatch(const ClaimedBatch&) = delete;
  ClaimedBatch& operator=(const ClaimedBatch&) = delete;
  // A forgotten batch would leave a hole every consumer waits on forever; aborting it cannot.
  ~ClaimedBatch() {
    if (active()) {
      Abort();
    }
  }

  uint64_t first_sequence() const noexcept { return first_sequence_; }
  uint64_t last_sequence() const noexcept { return first_sequence_ + slot_count_ - 1; }
  uint32_t slot_count() const noexcept { return slot_count_; }
  size_t slot_size_bytes() const noexcept { return slot_size_bytes_; }
  // The bytes of the index-th slot of the batch, written in place. A batch may wrap around the
  // end of the ring, so consecutive slots need not be adjacent in memory.
  std::span<std::byte> slot(uint32_t index) noexcept {
    const uint64_t slot_index = (first_sequence_ + index) & mask_;
    return {slots_ + slot_index * slot_size_bytes_, slot_size_bytes_};
  }
  // Makes the whole batch visible to consumers as one unit and returns its token. After Close the
  // batch is aborted instead and the token is Failed(Aborted). REQUIRES: active().
  Token Publish() {
    internal::RingCore* ring = ring_;
    ring_ = nullptr;
    return PublishThroughRing(ring, first_sequence_, slot_count_);
  }
  // Consumers will skip the batch (SlotMeta::aborted); it leaves no hole. REQUIRES: active().
  void Abort() {
    internal::RingCore* ring = ring_;
    ring_ = nullptr;
    AbortThroughRing(ring, first_sequence_, slot_count_);
  }
  // True until Publish() or Abort() (false for a moved-from batch).
  bool active() const noexcept { return ring_ != nullptr; }

 private:
  friend class internal::RingCore;
  friend class RingBuffer;
  ClaimedBatch(internal::RingCore* ring, std::byte* slots, uint64_t mask, size_t slot_size_bytes,
               uint64_t first_sequence, uint32_t slot_count) noexcept
      : ring_(ring),
        slots_(slots),
        mask_(mask),
        slot_size_bytes_(slot_size_bytes),
        first_sequence_(first_sequence),
        slot_count_(slot_count) {}
  // The library side of Publish and Abort. They take the batch's fields by value, so that its
  // address never escapes and the compiler can keep a claimed batch in registers.
  static Token PublishThroughRing(internal::RingCore* ring, uint64_t first, uint32_t count);
  static void AbortThroughRing(internal::RingCore* ring, uint64_t first, uint32_t count);

  internal::RingCore* ring_;  // Null once published, aborted or moved from.
  std::byte* slots_;
  uint64_t mask_;
  size_t slot_size_bytes_;
  uint64_t first_sequence_;
  uint32_t slot_count_;
};

// A pull-style consumer, owned by the ring and driven by one thread:
//   next = c->sequence() + 1;  auto available = c->WaitFor(next);
//   for (s = next .. *available) { if (!c->meta(s).aborted) use(c->slot(s)); }
//   c->Release(*available);
class Consumer {
 public:
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  std::string_view name() const noexcept;
  // The last sequence this consumer has passed (0 before the first Release).
  uint64_t sequence() const noexcept;
  // Waits (per the ring's wait strategy) until `next` is available and returns the highest
  // sequence available: published, and passed by every consumer this one runs after. Aborted
  // once the ring is closed and everything claimed before Close has been passed, or after
  // Interrupt(). REQUIRES: next > sequence().
  Result<uint64_t> WaitFor(uint64_t next);
  // As WaitFor, but TimedOut when the deadline passes first.
  Result<uint64_t> WaitUntil(uint64_t next, std::chrono::steady_clock::time_point deadline);
  // The highest sequence available now, without waiting (sequence() when nothing is).
  uint64_t Available() const noexcept;
  // Waits (per the ring's wait strategy) until `next` is available or the consumer has passed it,
  // and says which by nothing: the caller looks again. Unlike WaitFor it keeps no state, so a
  // thread may call it while another thread runs the consumer's passes, as when the threads that
  // may run a stage take turns under a lock of their own and wait outside it. Aborted as WaitFor.
  Status WaitAvailable(uint64_t next);
  // The bytes of an available, not yet released slot.
  std::span<const std::byte> slot(uint64_t sequence) const noexcept {
    return {slots_ + (sequence & mask_) * slot_size_bytes_, slot_size_bytes_};
  }
  SlotMeta meta(uint64_t sequence) const noexcept { return metas_[sequence & mask_]; }
  // Fails the batch whose last sequence is given: its token reports `status` (the first failure
  // recorded wins). Call before Release passes that sequence.
  void Fail(uint64_t batch_last_sequence, const Status& status);
  // Passes everything up to `sequence` (once per delivered run, not per slot). Slots are freed
  // once every terminal consumer passed them. REQUIRES: sequence() <= sequence <= available.
  void Release(uint64_t sequence);
  // Makes this consumer's current and future waits return Aborted (used to stop a
  // BatchProcessor without closing the ring). Any thread.
  void Interrupt();

 private:
  friend class internal::RingCore;
  friend struct internal::ConsumerCore;
  friend class BatchProcessor;
  Consumer(internal::ConsumerCore* core, const std::byte* slots, const SlotMeta* metas,
           uint64_t mask, size_t slot_size_bytes) noexcept
      : core_(core), slots_(slots), metas_(metas), mask_(mask), slot_size_bytes_(slot_size_bytes) {}

  internal::ConsumerCore* core_;
  const std::byte* slots_;
  const SlotMeta* metas_;
  uint64_t mask_;
  size_t slot_size_bytes_;
};

// How the ring is partitioned and where everyone is.
struct RingInfo {
  struct ConsumerInfo {
    std::string name;
    uint64_t sequence = 0;  // Last sequence passed.
    bool terminal = false;  // Nobody runs after it: producers and tokens gate on it.
  };
  uint64_t slot_count = 0;
  size_t slot_size_bytes = 0;
  uint64_t bytes_reserved = 0;      // Slots plus per-slot metadata, flags and the failure table.
  uint64_t cursor = 0;              // Highest sequence claimed by a producer.
  uint64_t published_sequence = 0;  // Highest sequence up to which everything is published.
  uint64_t gating_sequence = 0;     // Slowest terminal consumer (producers may not lap it).
  uint64_t free_slot_count = 0;     // Slots a producer could claim now.
  bool closed = false;
  std::vector<ConsumerInfo> consumers;
};

class RingBuffer {
 public:
  // Validates the options and allocates every slot. InvalidArgument for a bad option or a null
  // `ring`; on failure *ring is untouched.
  static Status Create(const RingOptions& options, std::unique_ptr<RingBuffer>* ring);
  RingBuffer(const RingBuffer&) = delete;
  RingBuffer& operator=(const RingBuffer&) = delete;
  ~RingBuffer();

  // Adds a consumer that runs after every consumer in `after` (all of this ring). Only before the
  // first claim: InvalidArgument afterwards, or for an empty/duplicate name or a foreign consumer.
  Result<Consumer*> AddConsumer(std::string_view name, std::span<Consumer* const> after = {});

  // Claims n consecutive slots, waiting for room per the wait strategy. InvalidArgument for n = 0
  // or n > slot_count(); Aborted when the ring is (or gets) closed.
  Result<ClaimedBatch> Claim(uint32_t n) { return Claim(n, ClaimWait::kWait, kNoDeadline); }
  // As Claim, but Busy at once when there is no room.
  Result<ClaimedBatch> TryClaim(uint32_t n) { return Claim(n, ClaimWait::kTry, kNoDeadline); }
  // As Claim, but TimedOut when the deadline passes without room.
  Result<ClaimedBatch> Claim(uint32_t n, std::chrono::steady_clock::time_point deadline) {
    return Claim(n, ClaimWait::kWait, deadline);
  }

  // No new claims; wakes every waiter (waiting producers get Aborted). Consumers drain everything
  // claimed before Close (a batch published after Close arrives as an abort), then WaitFor
  // returns Aborted. Idempotent; any thread.
  void Close();
  bool closed() const noexcept;

  RingInfo Info() const;
  uint64_t slot_count() const noexcept;
  size_t slot_size_bytes() const noexcept;

 private:
  enum class ClaimWait : uint8_t { kWait, kTry };
  static constexpr std::chrono::steady_clock::time_point kNoDeadline =
      std::chrono::steady_clock::time_point::max();

  explicit RingBuffer(std::unique_ptr<internal::RingCore> core);
  Result<ClaimedBatch> Claim(uint32_t n, ClaimWait wait,
                             std::chrono::steady_clock::time_point deadline);

  std::unique_ptr<internal::RingCore> core_;
};

}  // namespace ringdb
