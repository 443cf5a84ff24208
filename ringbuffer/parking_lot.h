// ParkingLot: where a waiter blocks once spinning stopped paying off, and how a waker avoids a
// syscall when nobody blocks.
//
// A waiter blocks in futex(2) on the lot's 32-bit epoch word; a waker that finds a waiter counted
// bumps the epoch and issues one FUTEX_WAKE. There is no mutex on either side: a condition
// variable made every wake take the lot's mutex, and a woken waiter then contend for it with the
// waker, two more futex round trips per hand-off. A thread woken from a futex is a sleeper to the
// scheduler, which favours it over a CPU-bound thread that used its share: on a busy host that is
// what gets the woken stage back on a core, where a yield would hand the core to the busy thread
// for a whole time slice.
//
// Protocol (see asymmetric_fence.h for why both fences are needed, and why the waker's is free):
//   waiter: parked_count_++ ; heavy fence ;
//           loop { e = epoch_ (acquire) ; if ready() break ; futex_wait(&epoch_, e) } ;
//           parked_count_--
//   waker:  store progress ; light fence ;
//           if (parked_count_ > 0) { epoch_++ (release) ; futex_wake(&epoch_, all) }
// (with a shared total: the waiter counts itself there too before its fence, and a waker that
// reads the total as 0 after its light fence skips every lot, by the same argument).
// Either the waker sees the waiter counted, or the waiter's check after its fence sees the
// progress. When the waker sees it counted, the waiter either read the bumped epoch (and then,
// through the release/acquire pair, sees the progress), or read the old one, in which case
// futex_wait, which compares the word and queues the thread atomically in the kernel, returns at
// once if the bump came first and is woken by the wake if it came after. No wake-up is lost. The
// uncontended path is a compiler barrier and one load of a line that only changes when someone
// parks.
//
// Thread safety: every method from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "ringbuffer/asymmetric_fence.h"
#include "ringbuffer/sequence.h"
#include "util/assert.h"

namespace ringdb::internal {

using Deadline = std::chrono::steady_clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

// futex(2) on a 32-bit word, private to the process. FutexWait blocks while *word == expected,
// until a FutexWake on the word, a signal, a spurious return or `timeout` (negative: none), and
// never reports why: callers re-check their condition. FutexWake wakes every waiter on the word.
void FutexWait(std::atomic<uint32_t>* word, uint32_t expected,
               std::chrono::nanoseconds timeout) noexcept;
void FutexWake(std::atomic<uint32_t>* word) noexcept;
inline constexpr std::chrono::nanoseconds kFutexNoTimeout{-1};

class ParkingLot {
 public:
  ParkingLot() = default;
  ParkingLot(const ParkingLot&) = delete;
  ParkingLot& operator=(const ParkingLot&) = delete;

  // Parks are also counted in *total (before this lot's count, both before the heavy fence), so
  // a waker with several lots can check one counter first. Set before the lot is used.
  void CountParkedIn(std::atomic<uint32_t>* total) noexcept { total_ = total; }

  // Blocks until ready() or the deadline; returns ready() as last evaluated.
  template <typename Ready>
  bool Park(Ready&& ready, Deadline deadline, const AsymmetricFence& fence) {
    if (total_ != nullptr) {
      total_->fetch_add(1, std::memory_order_seq_cst);
    }
    parked_count_.fetch_add(1, std::memory_order_seq_cst);
    fence.Heavy();
    bool is_ready = false;
    // Bounded by ready() or the deadline: each pass either returns or blocks until a wake, the
    // deadline or a spurious return, and a waker bumps the epoch before it wakes.
    for (;;) {
      // Acquire: pairs with the waker's release bump, so a bumped epoch means its progress shows.
      const uint32_t epoch = epoch_.load(std::memory_order_acquire);
      is_ready = ready();
      if (is_ready) {
        break;
      }
      std::chrono::nanoseconds timeout = kFutexNoTimeout;
      if (deadline != kNoDeadline) {
        timeout = deadline - std::chrono::steady_clock::now();
        if (timeout.count() <= 0) {
          break;
        }
      }
      FutexWait(&epoch_, epoch, timeout);
    }
    const uint32_t previous = parked_count_.fetch_sub(1, std::memory_order_relaxed);
    RINGDB_ASSERT(previous > 0);
    if (total_ != nullptr) {
      total_->fetch_sub(1, std::memory_order_relaxed);
    }
    return is_ready;
  }

  // The waker's half. REQUIRES: the caller issued AsymmetricFence::Light() after storing its
  // progress (one fence serves several lots).
  void WakeIfParked() noexcept {
    // Relaxed: the caller's fence orders this load after its progress store.
    if (parked_count_.load(std::memory_order_relaxed) != 0) {
      WakeAll();
    }
  }

  // Unconditional wake (Close, Interrupt, or a waiter seen counted).
  void WakeAll() noexcept {
    // Release: a waiter that reads the new epoch sees everything stored before this bump.
    epoch_.fetch_add(1, std::memory_order_release);
    FutexWake(&epoch_);
  }

  // Waiters counted on this lot now (tests; a snapshot, stale at once).
  uint32_t parked_count() const noexcept { return parked_count_.load(std::memory_order_acquire); }

 private:
  // Written (RMW) only by threads about to park or leaving; read by every waker.
  alignas(kCacheLineSizeBytes) std::atomic<uint32_t> parked_count_{0};
  // The futex word: bumped (release) by each wake, read (acquire) by a waiter before its last
  // check. Only its changes matter; it wraps freely.
  std::atomic<uint32_t> epoch_{0};
  std::atomic<uint32_t>* total_ = nullptr;
};
static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t), "futex(2) waits on 32 bits");
static_assert(std::atomic<uint32_t>::is_always_lock_free);

}  // namespace ringdb::internal
