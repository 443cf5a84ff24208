// Consumer: the public handle; the work is in RingCore, which sees every consumer.
#include "ringbuffer/ring_core.h"
#include "util/assert.h"

namespace ringdb {

std::string_view Consumer::name() const noexcept { return core_->name; }

uint64_t Consumer::sequence() const noexcept { return core_->sequence.Load(); }

Result<uint64_t> Consumer::WaitFor(uint64_t next) {
  return core_->ring->WaitFor(*core_, next, internal::kNoDeadline);
}

Result<uint64_t> Consumer::WaitUntil(uint64_t next,
                                     std::chrono::steady_clock::time_point deadline) {
  return core_->ring->WaitFor(*core_, next, deadline);
}

uint64_t Consumer::Available() const noexcept { return core_->ring->Available(*core_); }

Status Consumer::WaitAvailable(uint64_t next) {
  return core_->ring->WaitAvailable(*core_, next, internal::kNoDeadline);
}

void Consumer::Fail(uint64_t batch_last_sequence, const Status& status) {
  RINGDB_ASSERT(!status.ok() && "Fail with an OK status");
  core_->ring->Fail(*core_, batch_last_sequence, status);
}

void Consumer::Release(uint64_t sequence) { core_->ring->Release(*core_, sequence); }

void Consumer::Interrupt() { core_->ring->Interrupt(*core_); }

}  // namespace ringdb
