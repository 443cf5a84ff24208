// ParkingLot: where a waiter blocks once spinning stopped paying off, and how a waker avoids a
// syscall when nobody blocks.
//
// Protocol (see asymmetric_fence.h for why both fences are needed, and why the waker's is free):
//   waiter: parked_count_++ ; heavy fence ; lock ; while (!ready()) wait ; unlock ; parked_count_--
//   waker:  store progress  ; light fence ; if (parked_count_ > 0) { lock ; unlock ; notify_all }
// (with a shared total: the waiter counts itself there too before its fence, and a waker that
// reads the total as 0 after its light fence skips every lot, by the same argument).
// Either the waker sees the waiter counted, and its lock/notify cannot slip between the waiter's
// check and its wait, or the waiter's check under the lock sees the progress. The uncontended
// path is a compiler barrier and one load of a line that only changes when someone parks.
//
// Thread safety: every method from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "ringbuffer/sequence.h"
#include "ringbuffer/asymmetric_fence.h"
#include "util/assert.h"

namespace ringdb::internal {

using Deadline = std::chrono::steady_clock::time_point;
inline constexpr Deadline kNoDeadline = Deadline::max();

class ParkingLot {
 public:
  ParkingLot() = default;
  ParkingLot(const ParkingLot&) = delete;
  ParkingLot& operator=(const ParkingLot&) = delete;

  // Parks are also counted in *total (before this lot's count, both before the heavy fence), so
  // a waker with several lots can check one counter first. Set before the lot is used.
  void CountParkedIn(std::atomic<uint32_t>* total) noexcept { total_ = total; }

  // Blocks until ready() or the deadline; returns ready() as last evaluated. ready() is called
  // with the lot's mutex held, so it must not take it.
  template <typename Ready>
  bool Park(Ready&& ready, Deadline deadline, const AsymmetricFence& fence) {
    if (total_ != nullptr) {
      total_->fetch_add(1, std::memory_order_seq_cst);
    }
    parked_count_.fetch_add(1, std::memory_order_seq_cst);
    fence.Heavy();
    bool is_ready = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      is_ready = ready();
      while (!is_ready) {
        if (deadline == kNoDeadline) {
          condition_.wait(lock);
        } else if (condition_.wait_until(lock, deadline) == std::cv_status::timeout) {
          is_ready = ready();
          break;
        }
        is_ready = ready();
      }
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
  void WakeIfParked() {
    // Relaxed: the caller's fence orders this load after its progress store.
    if (parked_count_.load(std::memory_order_relaxed) != 0) {
      WakeAll();
    }
  }

  // Unconditional wake (Close, Interrupt): rare, so it need not be cheap.
  void WakeAll() {
    // Taking the mutex orders the notify after any waiter's check-then-wait under it.
    { std::lock_guard<std::mutex> lock(mutex_); }
    condition_.notify_all();
  }

 private:
  // Written (RMW) only by threads about to park or leaving; read by every waker.
  alignas(kCacheLineSizeBytes) std::atomic<uint32_t> parked_count_{0};
  std::atomic<uint32_t>* total_ = nullptr;
  std::mutex mutex_;
  std::condition_variable condition_;
};

}  // namespace ringdb::internal
