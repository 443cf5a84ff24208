// Token: the outcome of one published batch, readable and waitable from any thread.
//
// A token is a value: a pointer to the ring and the last sequence of its batch. Tokens resolve in
// sequence order (a batch is resolved once every terminal consumer has passed its last sequence),
// so no per-batch allocation is needed: the ring keeps only the rare failures, in a table indexed
// by sequence. A token that failed at creation (published after Close) carries its Status instead.
//
// Lifetime: the ring must outlive every use of a token that refers to it.
// Thread safety: all methods are const and may be called from any thread, concurrently.
#pragma once

#include <chrono>
#include <cstdint>

#include "ringdb/status.h"

namespace ringdb {
namespace internal {
class RingCore;
}  // namespace internal

class Token {
 public:
  // An empty token: never resolves; Wait() and status() return InvalidArgument.
  Token() noexcept = default;
  // A token already resolved with this failure (which must not be OK), attached to no ring.
  static Token Failed(Status status);

  // The last ring sequence of the batch; 0 for an empty or Failed token.
  uint64_t sequence() const noexcept { return sequence_; }
  // True once the outcome is known (always true for a Failed token, false for an empty one).
  bool resolved() const noexcept;
  // The outcome if resolved: OK, the status a consumer failed the batch with, or Unknown when it is
  // no longer known: the ring keeps one failure per slot, so a batch that failed later in the same
  // slot (ring_slot_count or more sequences on) may have replaced it before it was read. Read a
  // token soon after it resolves; Engine::Write never answers Unknown. Busy("not resolved")
  // before it resolves.
  Status status() const;
  // Waits (with the ring's wait strategy) until resolved, then returns status().
  Status Wait() const;
  // As Wait(), but TimedOut once the timeout passes without a resolution.
  Status WaitFor(std::chrono::nanoseconds timeout) const;
  Status WaitUntil(std::chrono::steady_clock::time_point deadline) const;

 private:
  friend class ClaimedBatch;
  Token(const internal::RingCore* ring, uint64_t sequence) noexcept
      : ring_(ring), sequence_(sequence) {}

  const internal::RingCore* ring_ = nullptr;
  uint64_t sequence_ = 0;
  Status failure_;  // Set only by Failed(); OK (no allocation) otherwise.
};

}  // namespace ringdb
