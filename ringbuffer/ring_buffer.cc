// RingBuffer: the public face; construction validates, everything else forwards to RingCore.
#include "ringdb/ring_buffer.h"

#include "ringbuffer/ring_core.h"

namespace ringdb {

Status RingBuffer::Create(const RingOptions& options, std::unique_ptr<RingBuffer>* ring) {
  if (ring == nullptr) {
    return Status::InvalidArgument("RingBuffer::Create: ring out-parameter is null");
  }
  Status valid = options.Validate();
  if (!valid.ok()) {
    return valid;
  }
  ring->reset(new RingBuffer(std::make_unique<internal::RingCore>(options)));
  return Status::OK();
}

RingBuffer::RingBuffer(std::unique_ptr<internal::RingCore> core) : core_(std::move(core)) {
  static_assert(internal::kNoDeadline == kNoDeadline, "one 'no deadline' for both faces");
}

RingBuffer::~RingBuffer() = default;

Result<Consumer*> RingBuffer::AddConsumer(std::string_view name, std::span<Consumer* const> after) {
  return core_->AddConsumer(name, after);
}

Result<ClaimedBatch> RingBuffer::Claim(uint32_t n, ClaimWait wait,
                                       std::chrono::steady_clock::time_point deadline) {
  return core_->Claim(
      n, wait == ClaimWait::kTry ? internal::ClaimMode::kTry : internal::ClaimMode::kWait,
      deadline);
}

void RingBuffer::Close() { core_->Close(); }

bool RingBuffer::closed() const noexcept { return core_->closing(); }

RingInfo RingBuffer::Info() const { return core_->Info(); }

uint64_t RingBuffer::slot_count() const noexcept { return core_->slot_count(); }

size_t RingBuffer::slot_size_bytes() const noexcept { return core_->slot_size_bytes(); }

}  // namespace ringdb
