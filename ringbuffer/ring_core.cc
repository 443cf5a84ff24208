#include "ringbuffer/ring_core.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <string>

#include <spdlog/spdlog.h>

#include "ringbuffer/multi_producer_sequencer.h"
#include "ringbuffer/single_producer_sequencer.h"
#include "util/assert.h"

namespace ringdb::internal {
namespace {

void FreeSlots(std::byte* slots) {
  ::operator delete (slots, std::align_val_t{kCacheLineSizeBytes});
}

std::byte* AllocateSlots(uint64_t bytes) {
  auto* slots =
      static_cast<std::byte*>(::operator new (bytes, std::align_val_t{kCacheLineSizeBytes}));
  // Touching every page now keeps page faults off the claim path.
  std::memset(slots, 0, bytes);
  return slots;
}

}  // namespace

RingCore::RingCore(const RingOptions& options)
    : slot_count_(options.slot_count),
      mask_(options.slot_count - 1),
      slot_size_bytes_(size_t{options.chunk_count} * kRingChunkSizeBytes),
      wait_{options.wait_strategy, options.spin_count, options.yield_count,
            AsymmetricFence(options.park_fence == ParkFence::kMembarrier)},
      logger_(options.logger ? options.logger : DefaultLogger()),
      slots_(AllocateSlots(slot_count_ * slot_size_bytes_), &FreeSlots),
      slot_metas_(std::make_unique<SlotMeta[]>(slot_count_)),
      failures_(slot_count_) {
  RINGDB_ASSERT(options.Validate().ok());
  RINGDB_ASSERT(logger_ != nullptr);
  producer_lot_.CountParkedIn(&parked_total_);
  for (ParkingLot& lot : token_lots_) {
    lot.CountParkedIn(&token_parked_total_);
  }
  if (options.producer_type == ProducerType::kSingle) {
    auto single = std::make_unique<SingleProducerSequencer>(*this, slot_count_);
    single_ = single.get();
    SingleProducerState& state = single_->state();
    state.slots = slots_.get();
    state.slot_size_bytes = slot_size_bytes_;
    state.metas = slot_metas_.get();
    state.closing = &closing_;
    state.parked_total = &parked_total_;
    state.fence_asymmetric = wait_.fence.asymmetric();
    sequencer_ = std::move(single);
  } else {
    auto multi = std::make_unique<MultiProducerSequencer>(*this, slot_count_);
    sequencer_bytes_reserved_ = multi->bytes_reserved();
    sequencer_ = std::move(multi);
  }
}

RingCore::~RingCore() = default;

Result<Consumer*> RingCore::AddConsumer(std::string_view name, std::span<Consumer* const> after) {
  if (name.empty()) {
    return Status::InvalidArgument("consumer name must not be empty");
  }
  if (after.size() > kConsumerDependencyCountMax) {
    return Status::InvalidArgument("a consumer may run after at most " +
                                   std::to_string(kConsumerDependencyCountMax) + " consumers");
  }
  MutexLock lock(&config_mutex_);
  if (frozen_.load(std::memory_order_relaxed)) {
    return Status::InvalidArgument("AddConsumer after the first claim: add consumers first");
  }
  const uint32_t count = consumer_count_.load(std::memory_order_relaxed);
  if (count == kConsumerCountMax) {
    return Status::InvalidArgument("a ring has at most " + std::to_string(kConsumerCountMax) +
                                   " consumers");
  }
  auto core = std::make_unique<ConsumerCore>(this, std::string(name), slots_.get(),
                                             slot_metas_.get(), mask_, slot_size_bytes_);
  core->lot.CountParkedIn(&parked_total_);
  for (uint32_t index = 0; index < count; ++index) {
    if (consumers_[index]->name == name) {
      return Status::InvalidArgument("consumer name '" + std::string(name) + "' already used");
    }
  }
  for (Consumer* dependency : after) {
    const auto* found = std::find_if(consumers_.begin(), consumers_.begin() + count,
                                     [&](const auto& c) { return &c->handle == dependency; });
    if (dependency == nullptr || found == consumers_.begin() + count) {
      return Status::InvalidArgument("consumer '" + std::string(name) +
                                     "' runs after a consumer of another ring (or null)");
    }
    core->dependencies[core->dependency_count++] = found->get();
  }
  consumers_[count] = std::move(core);
  consumer_count_.store(count + 1, std::memory_order_release);
  return &consumers_[count]->handle;
}

bool RingCore::FreezeSlow() {
  MutexLock lock(&config_mutex_);
  if (frozen_.load(std::memory_order_relaxed)) {
    return true;
  }
  const uint32_t count = consumer_count_.load(std::memory_order_relaxed);
  if (count == 0) {
    return false;  // Nothing to gate on; stay unfrozen so consumers can still be added.
  }
  for (uint32_t index = 0; index < count; ++index) {
    ConsumerCore* candidate = consumers_[index].get();
    bool depended_on = false;
    for (uint32_t other = 0; other < count; ++other) {
      const ConsumerCore& c = *consumers_[other];
      depended_on |= std::find(c.dependencies.begin(), c.dependencies.begin() + c.dependency_count,
                               candidate) != c.dependencies.begin() + c.dependency_count;
    }
    if (!depended_on) {
      terminals_[terminal_count_++] = candidate;
    }
  }
  RINGDB_ASSERT(terminal_count_ > 0);  // A dependency graph is acyclic.
  frozen_.store(true, std::memory_order_release);
  return true;
}

Result<ClaimedBatch> RingCore::Claim(uint32_t count, ClaimMode mode, Deadline deadline) {
  // A single producer with room known to be free claims before any other check: TryClaimFast
  // itself sends a count of 0, a closed ring and the first claim to the general path below.
  uint64_t first = 0;
  if (single_ != nullptr) {
    switch (single_->state().TryClaimFast(count, &first)) {
      case FastClaim::kClaimed:
        return ClaimedBatch(this, slots_.get(), mask_, slot_size_bytes_, first, count);
      case FastClaim::kLostToClose:
        return AbortClaimLostToClose(first, count);
      case FastClaim::kSlowPath:
        break;
    }
  }
  return ClaimGeneral(count, mode, deadline);
}

Result<ClaimedBatch> RingCore::ClaimGeneral(uint32_t count, ClaimMode mode, Deadline deadline) {
  if (count == 0 || count > slot_count_) {
    return Status::InvalidArgument("claim of " + std::to_string(count) +
                                   " slots: must be 1 to slot_count (" +
                                   std::to_string(slot_count_) + ")");
  }
  if (closing_.load(std::memory_order_acquire)) {
    return Status::Aborted("ring is closed");
  }
  if (!FreezeIfNeeded()) {
    return Status::InvalidArgument("ring has no consumers: add one before claiming");
  }
  uint64_t first = 0;
  Status claimed = sequencer_->Claim(count, mode, deadline, &first);
  if (!claimed.ok()) {
    return claimed;
  }
  RINGDB_ASSERT(first > 0);
  // The claim's store, a StoreLoad barrier, then the flag: see the header comment on closing.
  wait_.fence.Light();
  if (closing_.load(std::memory_order_acquire)) {
    return AbortClaimLostToClose(first, count);
  }
  return ClaimedBatch(this, slots_.get(), mask_, slot_size_bytes_, first, count);
}

Status RingCore::AbortClaimLostToClose(uint64_t first, uint32_t count) {
  // A claim that lost the race to Close is published as an abort at once, so consumers draining
  // up to the final sequence never wait for it.
  WriteSlotMetas(slot_metas_.get(), slot_count_, first, count, true /*aborted*/);
  sequencer_->PublishClosedClaim(first, first + count - 1);
  WakeParked();
  return Status::Aborted("ring closed during the claim");
}

Status RingCore::WaitForRoom(uint64_t wrap_point, ClaimMode mode, Deadline deadline,
                             uint64_t* gate) {
  uint64_t gating = GatingSequence();
  if (gating < wrap_point) {
    if (mode == ClaimMode::kTry) {
      return Status::Busy("ring full: no room for the claim");
    }
    auto ready = [&] {
      gating = GatingSequence();
      return gating >= wrap_point || closing_.load(std::memory_order_acquire);
    };
    const bool is_ready = wait_.Wait(producer_lot_, ready, deadline);
    if (closing_.load(std::memory_order_acquire)) {
      return Status::Aborted("ring closed while waiting for room");
    }
    if (!is_ready) {
      return Status::TimedOut("no room in the ring before the deadline");
    }
  }
  RINGDB_ASSERT(gating >= wrap_point);
  *gate = gating;
  return Status::OK();
}

uint64_t RingCore::GatingSequence() const noexcept {
  RINGDB_DASSERT(frozen_.load(std::memory_order_relaxed));
  uint64_t minimum = UINT64_MAX;
  for (uint32_t index = 0; index < terminal_count_; ++index) {
    minimum = std::min(minimum, terminals_[index]->sequence.Load());
  }
  return minimum;
}

void RingCore::PublishBatch(uint64_t first, uint32_t count, bool aborted) {
  RINGDB_ASSERT(first > 0);
  RINGDB_ASSERT(count > 0 && count <= slot_count_);
  WriteSlotMetas(slot_metas_.get(), slot_count_, first, count, aborted);
  if (single_ != nullptr) {
    single_->Publish(first, first + count - 1);  // Direct, inlined: the hot single-producer case.
  } else {
    sequencer_->Publish(first, first + count - 1);
  }
  WakeParked();
}

void RingCore::WakeParked(uint64_t passed_from, uint64_t passed_to) {
  if (!wait_.parks()) {
    return;  // Nobody ever parks with this strategy, so there is nobody to wake.
  }
  wait_.fence.Light();
  // Relaxed: the fence orders these loads after the caller's progress store (parking_lot.h).
  if (parked_total_.load(std::memory_order_relaxed) != 0) {
    producer_lot_.WakeIfParked();
    const uint32_t count = consumer_count_.load(std::memory_order_acquire);
    for (uint32_t index = 0; index < count; ++index) {
      consumers_[index]->lot.WakeIfParked();
    }
  }
  if (passed_to == passed_from) {
    return;
  }
  // A token resolves when the last terminal consumer passes it, and that release wakes its lot.
  // Token waiters park with a full fence (token_fence_), so this side needs one too.
  if (wait_.fence.asymmetric()) {
    token_fence_.Light();
  }
  if (token_parked_total_.load(std::memory_order_relaxed) == 0) {
    return;
  }
  const uint64_t passed = std::min(passed_to - passed_from, kTokenLotCount);
  for (uint64_t sequence = passed_from + 1; sequence <= passed_from + passed; ++sequence) {
    token_lots_[sequence & (kTokenLotCount - 1)].WakeIfParked();
  }
}

uint64_t RingCore::Available(ConsumerCore& consumer) const noexcept {
  uint64_t available = UINT64_MAX;
  if (consumer.dependency_count == 0) {
    available = sequencer_->HighestPublished(consumer.available_cached);
  } else {
    for (uint32_t index = 0; index < consumer.dependency_count; ++index) {
      available = std::min(available, consumer.dependencies[index]->sequence.Load());
    }
  }
  // Nothing claimed after Close reaches a consumer (it can only be an abort anyway).
  available = std::min(available, final_sequence_.load(std::memory_order_acquire));
  consumer.available_cached = std::max(consumer.available_cached, available);
  return consumer.available_cached;
}

Result<uint64_t> RingCore::WaitFor(ConsumerCore& consumer, uint64_t next, Deadline deadline) {
  RINGDB_ASSERT(next > consumer.sequence.value.load(std::memory_order_relaxed));
  uint64_t available = Available(consumer);
  if (available >= next) {
    return available;
  }
  auto ready = [&] {
    available = Available(consumer);
    return available >= next || final_sequence_.load(std::memory_order_acquire) < next ||
           consumer.interrupted.load(std::memory_order_acquire);
  };
  wait_.Wait(consumer.lot, ready, deadline);
  if (available >= next) {
    return available;
  }
  if (final_sequence_.load(std::memory_order_acquire) < next) {
    return Status::Aborted("ring closed and drained");
  }
  if (consumer.interrupted.load(std::memory_order_acquire)) {
    return Status::Aborted("consumer interrupted");
  }
  return Status::TimedOut("nothing available before the deadline");
}

bool RingCore::IsAvailable(const ConsumerCore& consumer, uint64_t next) const noexcept {
  RINGDB_DASSERT(next > 0);
  if (final_sequence_.load(std::memory_order_acquire) < next) {
    return false;  // Claimed after Close: never handed out.
  }
  if (consumer.dependency_count == 0) {
    // Everything before `next` was published (the consumer is about to pass it, or passed it),
    // so scanning from next - 1 is a valid start.
    return sequencer_->HighestPublished(next - 1) >= next;
  }
  for (uint32_t index = 0; index < consumer.dependency_count; ++index) {
    if (consumer.dependencies[index]->sequence.Load() < next) {
      return false;
    }
  }
  return true;
}

Status RingCore::WaitAvailable(ConsumerCore& consumer, uint64_t next, Deadline deadline) {
  RINGDB_ASSERT(next > 0);
  auto passed_or_available = [&] {
    return consumer.sequence.Load() >= next || IsAvailable(consumer, next);
  };
  auto ready = [&] {
    return passed_or_available() || final_sequence_.load(std::memory_order_acquire) < next ||
           consumer.interrupted.load(std::memory_order_acquire);
  };
  if (!passed_or_available()) {
    wait_.Wait(consumer.lot, ready, deadline);
  }
  if (passed_or_available()) {
    return Status::OK();
  }
  if (final_sequence_.load(std::memory_order_acquire) < next) {
    return Status::Aborted("ring closed and drained");
  }
  if (consumer.interrupted.load(std::memory_order_acquire)) {
    return Status::Aborted("consumer interrupted");
  }
  return Status::TimedOut("nothing available before the deadline");
}

void RingCore::Release(ConsumerCore& consumer, uint64_t sequence) {
  RINGDB_ASSERT(sequence >= consumer.sequence.value.load(std::memory_order_relaxed));
  RINGDB_ASSERT(sequence <= consumer.available_cached);
  const uint64_t previous = consumer.sequence.value.load(std::memory_order_relaxed);
  consumer.sequence.Store(sequence);
  // Only a terminal consumer's release can resolve tokens.
  const bool terminal = std::find(terminals_.begin(), terminals_.begin() + terminal_count_,
                                  &consumer) != terminals_.begin() + terminal_count_;
  WakeParked(previous, terminal ? sequence : previous);
}

void RingCore::Fail(ConsumerCore& consumer, uint64_t batch_last_sequence, const Status& status) {
  RINGDB_ASSERT(batch_last_sequence > consumer.sequence.value.load(std::memory_order_relaxed));
  RINGDB_ASSERT(batch_last_sequence <= sequencer_->claimed());
  failures_.Record(batch_last_sequence, status);
}

void RingCore::Interrupt(ConsumerCore& consumer) {
  consumer.interrupted.store(true, std::memory_order_release);
  consumer.lot.WakeAll();
}

Status RingCore::WaitResolved(uint64_t sequence, Deadline deadline) const {
  RINGDB_ASSERT(sequence > 0);
  auto ready = [&] { return Resolved(sequence); };
  if (!ready() &&
      !wait_.Wait(token_lots_[sequence & (kTokenLotCount - 1)], ready, deadline, token_fence_)) {
    return Status::TimedOut("token not resolved before the deadline");
  }
  return Outcome(sequence);
}

void RingCore::Close() {
  MutexLock lock(&close_mutex_);
  if (closing_.load(std::memory_order_relaxed)) {
    return;
  }
  closing_.store(true, std::memory_order_seq_cst);
  wait_.fence.Heavy();  // Pairs with the claimers' Light() between their claim and the flag.
  const uint64_t final_sequence = sequencer_->claimed();
  final_sequence_.store(final_sequence, std::memory_order_seq_cst);
  producer_lot_.WakeAll();
  for (ParkingLot& lot : token_lots_) {
    lot.WakeAll();
  }
  const uint32_t count = consumer_count_.load(std::memory_order_acquire);
  for (uint32_t index = 0; index < count; ++index) {
    consumers_[index]->lot.WakeAll();
  }
  logger_->debug("ring closed: consumers drain up to sequence {}", final_sequence);
}

void WakeParkedAfterPublish(RingCore* ring) { ring->WakeParked(); }

}  // namespace ringdb::internal
