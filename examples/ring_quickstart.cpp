// ringdb's ring buffer on its own: claim slots, fill them in place, publish them as one
// transaction, wait for the token, and consume on another thread.
//
// Build: part of the ringdb build (examples/ring.cmake), or against an installed ringdb with
//   find_package(ringdb CONFIG) and target_link_libraries(app PRIVATE ringdb::ringdb).
#include <cstdio>
#include <cstring>
#include <string_view>
#include <thread>

#include "ringdb/batch_processor.h"
#include "ringdb/ring_buffer.h"

int main() {
  // 1. A ring of 1024 slots of 64 bytes (2 chunks of 32), for several producer threads.
  ringdb::RingOptions options;
  options.slot_count = ringdb::SlotCountOf(ringdb::RingSizeLevel::kTiny) * 4;
  options.chunk_count = 2;
  options.producer_type = ringdb::ProducerType::kMulti;
  std::unique_ptr<ringdb::RingBuffer> ring;
  ringdb::Status created = ringdb::RingBuffer::Create(options, &ring);
  if (!created.ok()) {
    std::fprintf(stderr, "create: %s\n", created.ToString().c_str());
    return 1;
  }

  // 2. A consumer on its own thread: it gets every published slot, with transaction boundaries,
  //    and can fail a transaction (its token then reports the failure).
  std::unique_ptr<ringdb::BatchProcessor> printer;
  ringdb::Status started = ringdb::BatchProcessor::Start(
      *ring, "printer",
      [](uint64_t sequence, std::span<const std::byte> data, const ringdb::SlotMeta& meta,
         bool /*end_of_batch*/) -> ringdb::Status {
        const std::string_view text(reinterpret_cast<const char*>(data.data()));
        std::printf("  seq %llu [%u/%u] %.*s\n", static_cast<unsigned long long>(sequence),
                    meta.index_in_batch + 1, meta.batch_slot_count, static_cast<int>(text.size()),
                    text.data());
        if (text == "refuse me") {
          return ringdb::Status::Conflict("the printer refuses this transaction");
        }
        return ringdb::Status::OK();
      },
      &printer);
  if (!started.ok()) {
    std::fprintf(stderr, "consumer: %s\n", started.ToString().c_str());
    return 1;
  }

  // 3. Claim a batch of 3 slots, fill them in place (zero-copy), publish them as one unit.
  ringdb::Result<ringdb::ClaimedBatch> batch = ring->Claim(3);
  if (!batch.ok()) {
    std::fprintf(stderr, "claim: %s\n", batch.status().ToString().c_str());
    return 1;
  }
  const char* lines[] = {"hello", "from the", "ring"};
  for (uint32_t index = 0; index < batch->slot_count(); ++index) {
    std::span<std::byte> slot = batch->slot(index);
    std::snprintf(reinterpret_cast<char*>(slot.data()), slot.size(), "%s", lines[index]);
  }
  ringdb::Token token = batch->Publish();

  // 4. Wait (with a deadline) until every consumer has passed the batch.
  ringdb::Status outcome = token.WaitFor(std::chrono::seconds(5));
  std::printf("transaction %llu: %s\n", static_cast<unsigned long long>(token.sequence()),
              outcome.ToString().c_str());

  // 5. A transaction the consumer fails: the token says why.
  ringdb::Result<ringdb::ClaimedBatch> refused = ring->Claim(1);
  std::snprintf(reinterpret_cast<char*>(refused->slot(0).data()), refused->slot_size_bytes(), "%s",
                "refuse me");
  ringdb::Status refusal = refused->Publish().Wait();
  std::printf("transaction 4: %s\n", refusal.ToString().c_str());

  // 6. What the ring looks like, then close: the consumer drains and its thread ends.
  ringdb::RingInfo info = ring->Info();
  std::printf("ring: %llu slots x %zu bytes, cursor %llu, %llu free\n",
              static_cast<unsigned long long>(info.slot_count), info.slot_size_bytes,
              static_cast<unsigned long long>(info.cursor),
              static_cast<unsigned long long>(info.free_slot_count));
  ring->Close();
  printer->Join();
  return outcome.ok() && refusal.IsConflict() ? 0 : 1;
}
