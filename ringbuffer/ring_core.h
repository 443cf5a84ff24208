// RingCore: the state shared by a ring's producers, consumers and tokens, and the operations that
// span them (gating, publication, waking, closing). RingBuffer, ClaimedBatch, Consumer and Token
// are thin public faces over it.
//
// Closing, and why consumers never miss a batch: Close sets `closing_`, issues the heavy side of
// an AsymmetricFence, then reads the claim sequence F and stores it as `final_sequence_`. A
// claimer stores its claim, issues the light side, then loads `closing_`. The pair is a StoreLoad
// barrier on both sides, so either Close sees the claim (F covers it) or the claimer sees the
// flag and turns its claim into an abort at once. Consumers therefore drain exactly up to F: every
// sequence up to F gets published or aborted (a batch published after Close becomes an abort; an
// unpublished ClaimedBatch aborts in its destructor), and nothing after F is handed to a caller.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "ringbuffer/consumer_core.h"
#include "ringbuffer/failure_table.h"
#include "ringbuffer/multi_producer_sequencer.h"
#include "ringbuffer/parking_lot.h"
#include "ringbuffer/sequencer.h"
#include "ringbuffer/single_producer_sequencer.h"
#include "ringbuffer/wait_strategy.h"
#include "ringdb/ring_buffer.h"
#include "util/mutex.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace ringdb::internal {

// Consumers per ring. The engine uses two or three; the bound keeps the consumer table a fixed
// array that consumer threads can read while AddConsumer appends (count published with release).
inline constexpr uint32_t kConsumerCountMax = 32;
inline constexpr uint64_t kNotClosed = UINT64_MAX;

class RingCore {
 public:
  explicit RingCore(const RingOptions& options);
  RingCore(const RingCore&) = delete;
  RingCore& operator=(const RingCore&) = delete;
  ~RingCore();

  Result<Consumer*> AddConsumer(std::string_view name, std::span<Consumer* const> after);
  Result<ClaimedBatch> Claim(uint32_t count, ClaimMode mode, Deadline deadline);
  // Publishes a claim that lost the race to Close as an abort; returns Aborted for the claimer.
  Status AbortClaimLostToClose(uint64_t first, uint32_t count);
  // Writes the batch's metadata, publishes it and wakes parked consumers.
  void PublishBatch(uint64_t first, uint32_t count, bool aborted);
  // The fast-path claim and publish state of a single-producer ring; null for a multi-producer one.
  SingleProducerState* single_producer_state() noexcept {
    return single_ != nullptr ? &single_->state() : nullptr;
  }
  void Close();
  RingInfo Info() const;
  // After a store that may unblock someone: one fence, then wake only lots with parked waiters,
  // among them the token lots of the sequences in (passed_from, passed_to] (none when equal).
  void WakeParked(uint64_t passed_from = 0, uint64_t passed_to = 0);

  // Producers: waits until the gating sequence reaches wrap_point; *gate receives it.
  Status WaitForRoom(uint64_t wrap_point, ClaimMode mode, Deadline deadline, uint64_t* gate);
  // The slowest terminal consumer's sequence (the last published one when there are none).
  uint64_t GatingSequence() const noexcept;

  // Consumers.
  uint64_t Available(ConsumerCore& consumer) const noexcept;
  Result<uint64_t> WaitFor(ConsumerCore& consumer, uint64_t next, Deadline deadline);
  // Whether `next` is available to the consumer, reading only shared state (never its cache).
  bool IsAvailable(const ConsumerCore& consumer, uint64_t next) const noexcept;
  // Waits until IsAvailable(next) or the consumer passed `next`; OK then, Aborted once closed
  // and drained or interrupted, TimedOut at the deadline. Any thread.
  Status WaitAvailable(ConsumerCore& consumer, uint64_t next, Deadline deadline);
  void Release(ConsumerCore& consumer, uint64_t sequence);
  void Fail(ConsumerCore& consumer, uint64_t batch_last_sequence, const Status& status);
  void Interrupt(ConsumerCore& consumer);

  // Tokens.
  bool Resolved(uint64_t sequence) const noexcept { return GatingSequence() >= sequence; }
  Status Outcome(uint64_t sequence) const { return failures_.Outcome(sequence); }
  Status WaitResolved(uint64_t sequence, Deadline deadline) const;

  bool closing() const noexcept { return closing_.load(std::memory_order_acquire); }
  uint64_t slot_count() const noexcept { return slot_count_; }
  size_t slot_size_bytes() const noexcept { return slot_size_bytes_; }
  spdlog::logger& logger() const noexcept { return *logger_; }

 private:
  // Fixes the terminal consumers at the first claim; false when there are no consumers.
  bool FreezeIfNeeded() {
    // Acquire: pairs with FreezeSlow's release, so terminals_ is visible to this claimer.
    return frozen_.load(std::memory_order_acquire) || FreezeSlow();
  }
  bool FreezeSlow();
  // Every claim but a single producer's common case: checks, the first claim, waiting for room.
  Result<ClaimedBatch> ClaimGeneral(uint32_t count, ClaimMode mode, Deadline deadline);

  uint64_t ConsumerCount() const noexcept {
    return consumer_count_.load(std::memory_order_acquire);
  }

  const uint64_t slot_count_;
  const uint64_t mask_;
  const size_t slot_size_bytes_;
  const Waiter wait_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<std::byte, void (*)(std::byte*)> slots_;
  // Per-slot metadata, written by the producer before publishing and read by consumers after
  // their acquire of the publication; plain memory, ordered by those.
  std::unique_ptr<SlotMeta[]> slot_metas_;
  std::unique_ptr<Sequencer> sequencer_;
  // The same object when producer_type is kSingle, else null: claims and publishes use its state
  // directly (ringbuffer/single_producer_state.h) instead of the virtual interface.
  SingleProducerSequencer* single_ = nullptr;
  uint64_t sequencer_bytes_reserved_ = 0;  // Publication flags (multi-producer only).
  FailureTable failures_;

  // Every thread parked on the producer or a consumer lot of this ring, counted by
  // ParkingLot::Park: a waker that reads 0 here after its fence skips the lots (one load instead
  // of one per lot).
  alignas(kCacheLineSizeBytes) std::atomic<uint32_t> parked_total_{0};
  // The same for the token lots. Token waiters park with full fences whatever park_fence says: a
  // writer that submits and waits parks once per transaction, and a membarrier per park cost
  // 50-110 µs on a 2-vCPU VM (16 writers: ~1,500 parks per second), while the terminal release
  // that wakes them pays one fence per run.
  alignas(kCacheLineSizeBytes) std::atomic<uint32_t> token_parked_total_{0};
  const AsymmetricFence token_fence_{false};
  // Producers waiting for room park here; terminal releases wake it.
  mutable ParkingLot producer_lot_;
  // Token waiters park in the lot of their sequence (sequence & (kTokenLotCount - 1)), and a
  // terminal consumer's release wakes only the lots of the sequences it passed. One shared lot
  // woke every waiting writer at every release: with 16 writers on 2 cores, each group's release
  // woke all 16 to find most of their tokens still pending.
  static constexpr uint64_t kTokenLotCount = 64;
  mutable std::array<ParkingLot, kTokenLotCount> token_lots_;

  // Configuration (AddConsumer, the first claim's freeze) is serialized by config_mutex_. What it
  // writes is published by release stores (consumer_count_, frozen_) and read without the lock by
  // every claim and wait, so no member is GUARDED_BY it.
  Mutex config_mutex_;
  std::array<std::unique_ptr<ConsumerCore>, kConsumerCountMax> consumers_;
  // Appended under config_mutex_ (release); readers load it (acquire) and read entries below it.
  std::atomic<uint32_t> consumer_count_{0};
  // Set once, at the first claim (release), after terminals_ is filled; read (acquire) by claims.
  std::atomic<bool> frozen_{false};
  std::array<ConsumerCore*, kConsumerCountMax> terminals_{};
  uint32_t terminal_count_ = 0;  // Written before frozen_ is set, read-only afterwards.

  // Set by Close (seq_cst, see the header comment), read by claims and publishes.
  alignas(kCacheLineSizeBytes) std::atomic<bool> closing_{false};
  // F, the claim sequence when Close ran; kNotClosed before. Read by consumers' waits.
  std::atomic<uint64_t> final_sequence_{kNotClosed};
  Mutex close_mutex_;  // Serializes Close callers; Close's stores are the atomics above.
};

}  // namespace ringdb::internal
