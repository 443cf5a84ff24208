// BatchProcessor: the Disruptor's batch loop over a pull-style Consumer.
#include "ringdb/batch_processor.h"

#include <exception>

#include <spdlog/spdlog.h>

#include "ringbuffer/ring_core.h"
#include "util/assert.h"
#include "util/thread_name.h"

namespace ringdb {

Status BatchProcessor::Start(RingBuffer& ring, std::string_view name, Handler handler,
                             std::span<Consumer* const> after,
                             std::unique_ptr<BatchProcessor>* processor) {
  if (processor == nullptr) {
    return Status::InvalidArgument("BatchProcessor::Start: processor out-parameter is null");
  }
  if (!handler) {
    return Status::InvalidArgument("BatchProcessor handler must not be empty");
  }
  Result<Consumer*> consumer = ring.AddConsumer(name, after);
  if (!consumer.ok()) {
    return consumer.status();
  }
  std::unique_ptr<BatchProcessor> started(new BatchProcessor(*consumer, std::move(handler)));
  started->thread_ = std::thread([raw = started.get()] { raw->Run(); });
  internal::NameThread(started->thread_, "ringdb:consumer");
  *processor = std::move(started);
  return Status::OK();
}

BatchProcessor::BatchProcessor(Consumer* consumer, Handler handler)
    : consumer_(consumer), handler_(std::move(handler)) {
  RINGDB_ASSERT(consumer_ != nullptr);
  RINGDB_ASSERT(handler_ != nullptr);
}

BatchProcessor::~BatchProcessor() {
  Halt();
  Join();
}

void BatchProcessor::Halt() { consumer_->Interrupt(); }

void BatchProcessor::Join() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void BatchProcessor::Run() {
  uint64_t next = consumer_->sequence() + 1;
  for (;;) {  // Ends when the ring is closed and drained, or on Halt.
    Result<uint64_t> available = consumer_->WaitFor(next);
    if (!available.ok()) {
      RINGDB_ASSERT(available.status().IsAborted());
      return;
    }
    RINGDB_ASSERT(*available >= next);
    Deliver(next, *available);
    consumer_->Release(*available);
    next = *available + 1;
  }
}

void BatchProcessor::Deliver(uint64_t first, uint64_t last) {
  for (uint64_t sequence = first; sequence <= last; ++sequence) {
    const SlotMeta meta = consumer_->meta(sequence);
    if (meta.aborted || sequence <= skip_through_) {
      continue;
    }
    Status status = CallHandler(sequence, meta, sequence == last);
    if (!status.ok()) {
      const uint64_t batch_last = sequence + (meta.batch_slot_count - 1 - meta.index_in_batch);
      consumer_->core_->ring->logger().warn("consumer '{}' failed the batch ending at {}: {}",
                                            consumer_->name(), batch_last, status.ToString());
      consumer_->Fail(batch_last, status);
      skip_through_ = batch_last;
      failed_batch_count_.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

Status BatchProcessor::CallHandler(uint64_t sequence, const SlotMeta& meta, bool end_of_batch) {
  // No exception crosses into the ring: a throwing handler fails its batch like a returned error.
  try {
    return handler_(sequence, consumer_->slot(sequence), meta, end_of_batch);
  } catch (const std::exception& error) {
    return Status::Unknown(std::string("handler threw: ") + error.what());
  } catch (...) {
    return Status::Unknown("handler threw a non-standard exception");
  }
}

}  // namespace ringdb
