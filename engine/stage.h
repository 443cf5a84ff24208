// Stage: one step of the write pipeline (journaling, applying) whose passes any thread may run,
// one thread at a time.
//
// A stage thread runs passes in a loop; a writer that waits for its own transaction may run a
// pass too when it finds the stage idle, so that a synchronous writer carries its transaction
// through the pipeline on its own thread (as RocksDB's write-group leader does) instead of
// handing it to the stage thread and waiting to be handed it back. Everything a pass reads and
// writes besides shared atomics belongs to whoever holds the stage; holding it is holding
// `mutex_`, whose release and acquire order one holder's writes before the next holder's reads.
//
// A pass is a callable `uint64_t(uint64_t next)`: it handles what it finds from the ring sequence
// `next` on and returns the next sequence it has not handled (`next` when it found nothing).
//
// Thread safety: every method from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

#include "util/assert.h"

namespace ringdb {

class Stage {
 public:
  Stage() = default;
  Stage(const Stage&) = delete;
  Stage& operator=(const Stage&) = delete;

  // The first sequence no holder has handled yet. Acquire: read outside the stage, e.g. by the
  // stage thread deciding whether to wait; a stale value only means "look again".
  uint64_t next() const noexcept { return next_.load(std::memory_order_acquire); }

  // Holds the stage (waiting for the holder to finish its pass) and runs one pass; false when
  // the stage is stopped.
  template <typename Pass>
  bool Run(Pass&& pass) {
    std::unique_lock<std::mutex> hold(mutex_);
    return RunHeld(pass);
  }

  // A writer's hold on a stage, taken only when nobody holds it (never waiting: a writer that
  // finds the stage busy waits for its token instead), kept across several steps (take it,
  // publish, run a pass) and given up by Release or the destructor.
  class Hold {
   public:
    Hold() = default;
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;

    // True when the stage was free and is now held by this thread, and not stopped.
    bool TryHold(Stage* stage) {
      RINGDB_ASSERT(!lock_.owns_lock());
      std::unique_lock<std::mutex> lock(stage->mutex_, std::try_to_lock);
      if (!lock.owns_lock() || stage->stopped_) {
        return false;
      }
      stage_ = stage;
      lock_ = std::move(lock);
      return true;
    }
    bool held() const noexcept { return lock_.owns_lock(); }
    // Runs one pass. REQUIRES: held().
    template <typename Pass>
    void Run(Pass&& pass) {
      RINGDB_ASSERT(held());
      const bool ran = stage_->RunHeld(pass);
      RINGDB_ASSERT(ran);  // TryHold saw the stage running, and only Stop (under it) ends that.
    }
    void Release() {
      if (lock_.owns_lock()) {
        lock_.unlock();
      }
    }

   private:
    Stage* stage_ = nullptr;
    std::unique_lock<std::mutex> lock_;
  };

  // After Stop returns, no pass runs again and none is running: what the passes used may be
  // torn down.
  void Stop() {
    std::lock_guard<std::mutex> hold(mutex_);
    stopped_ = true;
  }

 private:
  template <typename Pass>
  bool RunHeld(Pass& pass) {
    if (stopped_) {
      return false;
    }
    const uint64_t next = next_.load(std::memory_order_relaxed);
    const uint64_t after = pass(next);
    RINGDB_ASSERT(after >= next);
    // Release: pairs with next()'s acquire (the stage's own order comes from mutex_).
    next_.store(after, std::memory_order_release);
    return true;
  }

  std::mutex mutex_;
  bool stopped_ = false;           // Under mutex_.
  std::atomic<uint64_t> next_{1};  // Written under mutex_; read by anyone.
};

}  // namespace ringdb
