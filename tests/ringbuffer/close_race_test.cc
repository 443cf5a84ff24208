// Goal: Close racing with a single producer that claims and publishes on its fast path (the cached
// gate, see ringbuffer/single_producer_state.h) loses nothing and hangs nothing, including when the
// producer holds one batch while claiming the next (the claim that loses the race must then wait
// behind the held batch). Every token Publish returned unfailed resolves OK, the consumer receives
// exactly the items of those batches, in order, and then WaitFor reports the drained ring as
// Aborted; the producer's claims end with Aborted. Method: many short rounds; in each the closer
// thread closes after a random number of its own loop turns (no sleeps) after the producer's second
// claim, so Close lands at a different point of the producer's loop each time.
#include <atomic>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ring_test_util.h"

namespace ringdb {
namespace {

struct ProducerLog {
  std::vector<uint64_t> published_values;  // Values of slots in batches whose token was unfailed.
  std::vector<Token> tokens;
  Status last_claim;
  std::atomic<uint64_t> claims{0};  // Successful claims so far, read by the closer.
};

// Claims 1-3 slots at a time; every other round holds the previous batch while claiming the next.
void ProduceUntilClosed(RingBuffer& ring, uint64_t seed, ProducerLog* log) {
  std::mt19937_64 random(seed);
  uint64_t value = 0;
  std::optional<ClaimedBatch> held;
  std::vector<uint64_t> held_values;
  auto publish = [&](ClaimedBatch& batch, std::vector<uint64_t>& values) {
    Token token = batch.Publish();
    if (token.sequence() != 0) {  // Unfailed: its items must reach the consumer.
      log->published_values.insert(log->published_values.end(), values.begin(), values.end());
      log->tokens.push_back(token);
    }
    values.clear();
  };
  for (;;) {  // Ends when Close makes a claim fail.
    const auto count = static_cast<uint32_t>(1 + random() % 3);
    Result<ClaimedBatch> claimed = ring.Claim(count);
    if (!claimed.ok()) {
      log->last_claim = claimed.status();
      // A caller may retry while still holding a batch: every retry fails too, and none may
      // queue a second abort behind the held batch.
      for (int retry = 0; retry < 3 && log->last_claim.IsAborted(); ++retry) {
        Result<ClaimedBatch> again = ring.Claim(1);
        log->last_claim =
            again.ok() ? Status::Unknown("a claim succeeded after Close") : again.status();
      }
      if (held.has_value()) {
        publish(*held, held_values);
      }
      return;
    }
    log->claims.fetch_add(1, std::memory_order_relaxed);
    std::vector<uint64_t> values;
    for (uint32_t index = 0; index < count; ++index) {
      test::WriteU64(claimed->slot(index), ++value);
      values.push_back(value);
    }
    if (held.has_value()) {
      publish(*held, held_values);  // Claim order: the held batch goes first.
      held.reset();
      publish(*claimed, values);
    } else if (random() % 2 == 0) {
      held.emplace(std::move(*claimed));
      held_values = std::move(values);
    } else {
      publish(*claimed, values);
    }
  }
}

std::vector<uint64_t> ConsumeUntilAborted(Consumer* consumer) {
  std::vector<uint64_t> values;
  uint64_t next = 1;
  for (;;) {  // Ends when the closed ring is drained.
    Result<uint64_t> available = consumer->WaitFor(next);
    if (!available.ok()) {
      EXPECT_TRUE(available.status().IsAborted()) << available.status().ToString();
      return values;
    }
    for (uint64_t sequence = next; sequence <= *available; ++sequence) {
      if (!consumer->meta(sequence).aborted) {
        values.push_back(test::ReadU64(consumer->slot(sequence)));
      }
    }
    consumer->Release(*available);
    next = *available + 1;
  }
}

TEST(CloseRaceTest, SingleProducerInlinePathLosesNothingToClose) {
  const uint64_t seed = test::TestSeed();
  std::mt19937_64 random(seed);
  constexpr int kRounds = 200;
  for (int round = 0; round < kRounds; ++round) {
    RingOptions options = test::SmallOptions(16, ProducerType::kSingle);
    options.spin_count = 20;
    auto ring = test::MakeRing(options);
    Consumer* consumer = *ring->AddConsumer("consumer");
    ProducerLog log;
    std::vector<uint64_t> received;
    const uint64_t producer_seed = random();
    const uint64_t close_after_turns = random() % 2000;
    std::thread consumer_thread([&] { received = ConsumeUntilAborted(consumer); });
    std::thread producer([&] { ProduceUntilClosed(*ring, producer_seed, &log); });
    // Close only once the producer is past its first claim (the library path): every later
    // claim may run inline.
    while (log.claims.load(std::memory_order_relaxed) < 2) {
      std::this_thread::yield();
    }
    std::atomic<uint64_t> turns{0};
    for (uint64_t turn = 0; turn < close_after_turns; ++turn) {
      turns.fetch_add(1, std::memory_order_relaxed);  // A loop the compiler keeps.
    }
    ring->Close();
    producer.join();
    consumer_thread.join();
    ASSERT_TRUE(log.last_claim.IsAborted())
        << "round " << round << ": " << log.last_claim.ToString();
    ASSERT_EQ(received, log.published_values) << "round " << round;
    for (const Token& token : log.tokens) {
      ASSERT_TRUE(token.Wait().ok()) << "round " << round << ": " << token.Wait().ToString();
    }
  }
}

}  // namespace
}  // namespace ringdb
