// Goal: after construction, claim -> fill -> publish -> consume -> release -> token wait never
// allocates, on either sequencer, with one thread or with the consumer on its own thread.
// Method: this binary replaces the global operator new with one that counts, per thread, while a
// thread-local switch is on; the measured loops run only after a warm-up.
#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include <gtest/gtest.h>

#include "ring_test_util.h"

// The replacement pairs malloc with free by design; GCC cannot see that both halves are ours.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {
thread_local bool counting = false;
thread_local uint64_t allocation_count = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (counting) {
    ++allocation_count;
  }
  void* memory = std::malloc(size == 0 ? 1 : size);
  if (memory == nullptr) {
    throw std::bad_alloc();
  }
  return memory;
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace ringdb {
namespace {

constexpr uint64_t kIterations = 20000;

// Returns the allocations made by this thread while producing and consuming on it.
uint64_t RunInline(RingBuffer& ring, Consumer& reader, uint32_t batch_size) {
  uint64_t checksum = 0;
  allocation_count = 0;
  counting = true;
  for (uint64_t iteration = 0; iteration < kIterations; ++iteration) {
    Result<ClaimedBatch> batch = ring.Claim(batch_size);
    for (uint32_t index = 0; index < batch_size; ++index) {
      test::WriteU64(batch->slot(index), iteration + index);
    }
    Token token = batch->Publish();
    Token copy = token;
    const uint64_t next = reader.sequence() + 1;
    Result<uint64_t> available = reader.WaitFor(next);
    for (uint64_t sequence = next; sequence <= *available; ++sequence) {
      checksum += test::ReadU64(reader.slot(sequence)) + reader.meta(sequence).index_in_batch;
    }
    reader.Release(*available);
    Status outcome = copy.Wait();
    checksum += outcome.ok() ? 1 : 0;
  }
  counting = false;
  EXPECT_GT(checksum, kIterations);
  return allocation_count;
}

TEST(AllocationTest, HotPathsNeverAllocateInline) {
  for (ProducerType type : {ProducerType::kSingle, ProducerType::kMulti}) {
    auto ring = test::MakeRing(test::SmallOptions(64, type));
    Consumer* reader = *ring->AddConsumer("reader");
    RunInline(*ring, *reader, 3);  // Warm-up.
    EXPECT_EQ(RunInline(*ring, *reader, 3), 0u);
    EXPECT_EQ(RunInline(*ring, *reader, 64), 0u);
  }
}

TEST(AllocationTest, HotPathsNeverAllocateAcrossThreads) {
  RingOptions options = test::SmallOptions(16, ProducerType::kMulti);
  auto ring = test::MakeRing(options);
  Consumer* reader = *ring->AddConsumer("reader");
  std::atomic<uint64_t> consumer_allocations{UINT64_MAX};
  std::thread consumer([&] {
    allocation_count = 0;
    counting = true;
    uint64_t next = 1;
    for (;;) {
      Result<uint64_t> available = reader->WaitFor(next);
      if (!available.ok()) {
        break;  // Closed and drained (the Aborted status allocated its message: not counted).
      }
      reader->Release(*available);
      next = *available + 1;
      if (next > kIterations) {
        break;
      }
    }
    counting = false;
    consumer_allocations.store(allocation_count);
  });
  allocation_count = 0;
  counting = true;
  Token last;
  for (uint64_t iteration = 0; iteration < kIterations; ++iteration) {
    Result<ClaimedBatch> batch = ring->Claim(1);
    test::WriteU64(batch->slot(0), iteration);
    last = batch->Publish();
  }
  Status outcome = last.Wait();
  counting = false;
  consumer.join();
  EXPECT_TRUE(outcome.ok());
  EXPECT_EQ(allocation_count, 0u);
  EXPECT_EQ(consumer_allocations.load(), 0u);
}

}  // namespace
}  // namespace ringdb
