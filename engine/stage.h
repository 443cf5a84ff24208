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

#include "util/assert.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace ringdb {

// A capability for the thread-safety analysis: state that belongs to whoever holds the stage is
// GUARDED_BY it, and a pass REQUIRES it. Run and Hold::Run hold it around the pass they run; the
// pass, a callable the analysis cannot follow into, says so with AssertHeld.
class CAPABILITY("stage") Stage {
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
  bool Run(Pass&& pass) EXCLUDES(mutex_) {
    MutexLock hold(&mutex_);
    return RunHeld(pass);
  }

  // Checks that the calling thread is inside a pass of this stage (a pass runs only while its
  // thread holds the stage), and tells the analysis so.
  void AssertHeld() const ASSERT_CAPABILITY(this) NO_THREAD_SAFETY_ANALYSIS {
    RINGDB_ASSERT(in_pass_);
  }

  // A writer's hold on a stage, taken only when nobody holds it (never waiting: a writer that
  // finds the stage busy waits for its token instead), kept across several steps (take it,
  // publish, run a pass) and given up by Release or the destructor. A hold that is taken or not
  // at run time and spans calls is beyond the analysis, so Hold checks itself at run time.
  class Hold {
   public:
    Hold() = default;
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold() { Release(); }

    // True when the stage was free and is now held by this thread, and not stopped.
    bool TryHold(Stage* stage) NO_THREAD_SAFETY_ANALYSIS {
      RINGDB_ASSERT(stage_ == nullptr);
      if (!stage->mutex_.TryLock()) {
        return false;
      }
      if (stage->stopped_) {
        stage->mutex_.Unlock();
        return false;
      }
      stage_ = stage;
      return true;
    }
    bool held() const noexcept { return stage_ != nullptr; }
    // Runs one pass. REQUIRES: held().
    template <typename Pass>
    void Run(Pass&& pass) NO_THREAD_SAFETY_ANALYSIS {
      RINGDB_ASSERT(held());
      const bool ran = stage_->RunHeld(pass);
      RINGDB_ASSERT(ran);  // TryHold saw the stage running, and only Stop (under it) ends that.
    }
    void Release() NO_THREAD_SAFETY_ANALYSIS {
      if (stage_ != nullptr) {
        stage_->mutex_.Unlock();
        stage_ = nullptr;
      }
    }

   private:
    Stage* stage_ = nullptr;
  };

  // After Stop returns, no pass runs again and none is running: what the passes used may be
  // torn down.
  void Stop() EXCLUDES(mutex_) {
    MutexLock hold(&mutex_);
    stopped_ = true;
  }

 private:
  template <typename Pass>
  bool RunHeld(Pass& pass) REQUIRES(mutex_) {
    if (stopped_) {
      return false;
    }
    RINGDB_ASSERT(!in_pass_);  // One pass at a time, and never one inside another.
    const uint64_t next = next_.load(std::memory_order_relaxed);
    in_pass_ = true;
    const uint64_t after = pass(next);
    in_pass_ = false;
    RINGDB_ASSERT(after >= next);
    // Release: pairs with next()'s acquire (the stage's own order comes from mutex_).
    next_.store(after, std::memory_order_release);
    return true;
  }

  Mutex mutex_;
  bool stopped_ GUARDED_BY(mutex_) = false;
  bool in_pass_ GUARDED_BY(mutex_) = false;  // A pass is running (AssertHeld).
  std::atomic<uint64_t> next_{1};            // Written under mutex_; read by anyone.
};

}  // namespace ringdb
