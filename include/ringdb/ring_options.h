// RingOptions: how a ring buffer is sized and how its threads wait.
//
// Every field states its unit and default. Validate() rejects a bad value with an InvalidArgument
// that names the field; nothing is ever clamped or rounded, so the ring a user gets is the ring the
// user asked for.
//
// Thread safety: a plain value; RingBuffer::Create copies it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "ringdb/logger.h"
#include "ringdb/status.h"

namespace ringdb {

// Who claims slots. Variants are separate sequencer classes inside the ring, not flags on one.
enum class ProducerType : uint8_t {
  // One thread claims and publishes, in claim order. Claiming needs no read-modify-write; using it
  // from two threads is a programmer error (asserted in debug builds).
  kSingle,
  // Any number of threads claim concurrently (compare-and-swap on the claim sequence) and may
  // publish in any order; consumers see each batch only once all of it is published.
  kMulti,
};

// What a thread does while it waits (a producer for room, a consumer for data, a caller for a
// token): the ring's RingOptions::wait_strategy and the engine's Options::wait_strategy. The
// values are stored in a database's OPTIONS file: never renumber them.
enum class WaitStrategy : uint8_t {
  // Spin `spin_count` times (a few microseconds of pause instructions), yield `yield_count` times
  // (default none), then park on a futex. A parked thread costs no CPU, a waker makes a syscall
  // only when a waiter is actually parked, and the scheduler runs a thread woken from a futex
  // ahead of CPU-bound threads, so a wake-up reaches it even when the host's cores are busy. The
  // default, and the right choice when ringdb shares the cores with a service.
  kSpinThenPark = 0,
  // Spin forever (until the deadline). Lowest latency, but a waiting thread burns a whole core:
  // only when each waiting thread owns a core, never beside a busy service.
  kBusySpin = 1,
  // Spin `spin_count` times, then std::this_thread::yield() in a loop, never park. On an idle
  // machine a yield returns at once; on a busy one each yield hands the core to a CPU-bound
  // thread for a whole time slice (milliseconds).
  kYielding = 2,
  // Spin `spin_count` times, then sleep with exponential backoff from 1 µs to 1 ms. Least CPU
  // while idle, highest wake-up latency.
  kSleeping = 3,
  // Park at once, without spinning.
  kBlocking = 4,
};
// The name this enum had in the ring's options before it was shared with the engine's.
using WaitStrategyKind [[deprecated("use ringdb::WaitStrategy")]] = WaitStrategy;

// How a thread that publishes or releases (the waker) and a thread about to park agree that no
// wake-up is lost: each needs a StoreLoad barrier between its own store and its read of the other
// side's. Which side pays is the choice.
enum class ParkFence : uint8_t {
  // The waker's barrier is a compiler barrier and each park issues membarrier(2), which forces a
  // barrier on every CPU running a thread of the process: ~1 µs on an idle machine, but 50-110 µs
  // on this project's 2-vCPU VMs when the other vCPU runs one of the process's threads (measured:
  // the inter-processor interrupt also stalls that thread). Best when publishes far outnumber
  // parks. Falls back to kFence where membarrier is unavailable or under ThreadSanitizer.
  kMembarrier,
  // A full fence on both sides: a few ns per publish and release when the waker's cache lines are
  // its own, up to a cache-line round trip when a consumer is reading them. Best when threads park
  // often (more threads than cores, waits on I/O): the engine's rings use it.
  kFence,
};

// The bytes of one chunk; a slot is chunk_count chunks.
inline constexpr size_t kRingChunkSizeBytes = 32;
// Upper limits, each with its reason. slot_count_max keeps a batch's slot count and a slot's
// index within SlotMeta's 32-bit fields, with the slots' metadata (12 bytes each) bounded by
// what bytes_max allows for the slots themselves; chunk_count_max keeps a slot at 64 KiB, far
// beyond any record the engine writes in place; bytes_max (16 GiB) catches a typo before it becomes
// an allocation; spin_count_max (~0.5 s of pauses) and yield_count_max (tens of ms of yields) keep
// a waiter that has nothing to do from burning a core before it parks.
inline constexpr uint64_t kRingSlotCountMax = uint64_t{1} << 30;
inline constexpr uint32_t kRingChunkCountMax = 2048;
inline constexpr uint64_t kRingBytesMax = uint64_t{16} << 30;
inline constexpr uint32_t kRingSpinCountMax = uint32_t{1} << 24;
inline constexpr uint32_t kRingYieldCountMax = uint32_t{1} << 16;
// A few microseconds of pauses: a hand-off that arrives that soon is caught on the core; a longer
// spin would keep a CPU-bound neighbour (or the very thread being waited for, on 2 cores) off it.
inline constexpr uint32_t kRingSpinCountDefault = 64;
static_assert(kRingChunkCountMax * kRingChunkSizeBytes == 64 * 1024);

// Named ring sizes, sugar for slot_count. Any power of two is accepted.
enum class RingSizeLevel : uint8_t {
  kTiny,    // 256 slots
  kSmall,   // 4,096 slots (the default)
  kMedium,  // 65,536 slots
  kLarge,   // 1,048,576 slots
};
constexpr uint64_t SlotCountOf(RingSizeLevel level) noexcept {
  switch (level) {
    case RingSizeLevel::kTiny:
      return 256;
    case RingSizeLevel::kSmall:
      return 4096;
    case RingSizeLevel::kMedium:
      return 65536;
    case RingSizeLevel::kLarge:
      return 1048576;
  }
  return 4096;
}

// The ring's geometry checks, shared with options that map onto a ring (the engine's Options),
// each message naming the caller's own field: slot_count a power of two in [1, kRingSlotCountMax],
// chunk_count in [1, kRingChunkCountMax], slot_count * chunk_count * 32 at most kRingBytesMax.
Status ValidateRingGeometry(uint64_t slot_count, uint32_t chunk_count, std::string_view slot_field,
                            std::string_view chunk_field);

struct RingOptions {
  // Number of slots. Must be a power of two (so a sequence maps to a slot with a mask), from 1 to
  // kRingSlotCountMax. Default: 4096.
  uint64_t slot_count = 4096;
  // Chunks of 32 bytes per slot: slot_size_bytes = chunk_count * 32. From 1 to kRingChunkCountMax.
  // Default: 4 (128-byte slots).
  uint32_t chunk_count = 4;
  // Single or multiple producer threads. Default: kMulti (always correct; kSingle is faster).
  ProducerType producer_type = ProducerType::kMulti;
  // How producers, consumers and token waiters wait. Default: kSpinThenPark.
  WaitStrategy wait_strategy = WaitStrategy::kSpinThenPark;
  // Busy iterations (each one CPU pause instruction) before a waiter yields, sleeps or parks.
  // Ignored by kBusySpin and kBlocking. At most kRingSpinCountMax. Default: kRingSpinCountDefault.
  // A spin keeps the core and catches a hand-off that comes within a few microseconds without a
  // futex round trip; a spinning consumer also re-reads the producer's cursor and pulls that
  // line away from it in mid-write, so long spins cost the producer throughput.
  uint32_t spin_count = kRingSpinCountDefault;
  // kSpinThenPark only: sched_yield calls between spinning and parking. A yield hands the core to
  // another runnable thread for as long as the scheduler likes: on an idle machine often the very
  // thread being waited for, but on a busy host a CPU-bound thread for its whole time slice, while
  // a parked thread woken by futex(2) gets the core back at once. At most kRingYieldCountMax.
  // Default: 0 (see docs/performance.md for both machines measured).
  uint32_t yield_count = 0;
  // How wakers and parking threads order their checks (see ParkFence). Token waiters always park
  // with a full fence, paired with one per terminal release. Default: kMembarrier.
  ParkFence park_fence = ParkFence::kMembarrier;
  // Where the ring logs (close, handler failures). Default: null, meaning DefaultLogger().
  std::shared_ptr<spdlog::logger> logger;

  // OK, or InvalidArgument naming the first bad field.
  Status Validate() const;
};

}  // namespace ringdb
