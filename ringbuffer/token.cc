// Token: (ring, sequence); the ring answers whether and how the batch resolved.
#include "ringdb/token.h"

#include "ringbuffer/ring_core.h"
#include "util/assert.h"

namespace ringdb {

Token Token::Failed(Status status) {
  RINGDB_ASSERT(!status.ok() && "Token::Failed with an OK status");
  Token token;
  token.failure_ = std::move(status);
  return token;
}

bool Token::resolved() const noexcept {
  if (!failure_.ok()) {
    return true;
  }
  return ring_ != nullptr && ring_->Resolved(sequence_);
}

Status Token::status() const {
  if (!failure_.ok()) {
    return failure_;
  }
  if (ring_ == nullptr) {
    return Status::InvalidArgument("empty token");
  }
  if (!ring_->Resolved(sequence_)) {
    return Status::Busy("not resolved");
  }
  return ring_->Outcome(sequence_);
}

Status Token::Wait() const { return WaitUntil(internal::kNoDeadline); }

Status Token::WaitFor(std::chrono::nanoseconds timeout) const {
  const auto now = std::chrono::steady_clock::now();
  // A timeout past the clock's range means no deadline rather than an overflowed one.
  if (timeout >= internal::kNoDeadline - now) {
    return WaitUntil(internal::kNoDeadline);
  }
  return WaitUntil(now + timeout);
}

Status Token::WaitUntil(std::chrono::steady_clock::time_point deadline) const {
  if (!failure_.ok()) {
    return failure_;
  }
  if (ring_ == nullptr) {
    return Status::InvalidArgument("empty token");
  }
  return ring_->WaitResolved(sequence_, deadline);
}

}  // namespace ringdb
