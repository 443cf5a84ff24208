// BatchProcessor: a push-style consumer that owns a thread and calls a handler for every published,
// non-aborted slot, the Disruptor's BatchEventProcessor.
//
// Each wake-up delivers everything available at once (end_of_batch marks the last slot of that
// run) and releases it with one store. A handler that returns a failure (or throws) fails that
// batch's token with the status, is logged, and the rest of that batch is skipped; the processor
// keeps going with the next batch.
//
// Lifetimes: the ring must outlive the processor. The thread stops when the ring is closed and
// drained (Join() then returns) or on Halt(). The destructor halts and joins.
// Thread safety: Halt and Join from any one thread; the handler runs on the processor's thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <thread>
#include <utility>

#include "ringdb/ring_buffer.h"
#include "ringdb/status.h"

namespace ringdb {

class BatchProcessor {
 public:
  // sequence: ring sequence of the slot; data: its bytes; meta: its place in its batch;
  // end_of_batch: the last slot of this delivery (not of the transaction: see meta.batch_end()).
  using Handler = std::function<Status(uint64_t sequence, std::span<const std::byte> data,
                                       const SlotMeta& meta, bool end_of_batch)>;

  // Adds a consumer `name` that runs after `after` and starts its thread. Fails as AddConsumer,
  // or InvalidArgument for an empty handler or a null `processor`; on failure *processor is
  // untouched.
  static Status Start(RingBuffer& ring, std::string_view name, Handler handler,
                      std::span<Consumer* const> after, std::unique_ptr<BatchProcessor>* processor);
  // As above, for a consumer that runs after no other.
  static Status Start(RingBuffer& ring, std::string_view name, Handler handler,
                      std::unique_ptr<BatchProcessor>* processor) {
    return Start(ring, name, std::move(handler), {}, processor);
  }
  BatchProcessor(const BatchProcessor&) = delete;
  BatchProcessor& operator=(const BatchProcessor&) = delete;
  ~BatchProcessor();

  // The consumer this processor drives (to chain other consumers after it).
  Consumer* consumer() const noexcept { return consumer_; }
  // Stops after the current delivery, without closing the ring.
  void Halt();
  // Waits for the thread to stop (after Close has drained the ring, or after Halt).
  void Join();
  // Batches failed by the handler so far. Any thread.
  uint64_t failed_batch_count() const noexcept {
    return failed_batch_count_.load(std::memory_order_relaxed);
  }

 private:
  BatchProcessor(Consumer* consumer, Handler handler);
  void Run();
  void Deliver(uint64_t first, uint64_t last);
  Status CallHandler(uint64_t sequence, const SlotMeta& meta, bool end_of_batch);

  Consumer* consumer_;
  Handler handler_;
  uint64_t skip_through_ = 0;  // Processor thread only: last slot of the latest failed batch.
  std::atomic<uint64_t> failed_batch_count_{0};
  std::thread thread_;
};

}  // namespace ringdb
