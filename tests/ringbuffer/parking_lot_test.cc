// Goal: a thread parked in a ParkingLot is always woken by a waker that stores its progress,
// fences and calls WakeIfParked, however the two interleave (no lost wake-up), and a park with a
// deadline returns once it passes. Method: a waiter parks with no deadline and the test waits for
// it through a future with a generous bound, so that a lost wake-up fails the test instead of
// hanging it; a ping-pong between two threads parks at every turn for many rounds, each side
// pausing a seeded random number of spins before it stores, so that the waker's store lands
// before, during and after the waiter's checks (RINGDB_TEST_SEED, printed). Runs under
// ThreadSanitizer with the concurrency tests, which checks the memory ordering of the protocol.
#include "ringbuffer/parking_lot.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "ringbuffer/asymmetric_fence.h"
#include "ringbuffer/wait_strategy.h"

namespace ringdb::internal {
namespace {

// How long a woken thread may take to finish before the test calls the wake-up lost. Far beyond
// any scheduling delay, even under ThreadSanitizer on a loaded 2-core machine.
constexpr std::chrono::seconds kLostAfter{60};

uint64_t Seed() {
  const char* text = std::getenv("RINGDB_TEST_SEED");
  const uint64_t seed = text != nullptr ? std::strtoull(text, nullptr, 10) : std::random_device{}();
  std::printf("parking_lot_test seed: %llu (RINGDB_TEST_SEED)\n",
              static_cast<unsigned long long>(seed));
  return seed;
}

// Waits, with a bound, until `lot` counts `count` parked waiters; false if it never does.
bool WaitUntilParked(const ParkingLot& lot, uint32_t count) {
  const auto give_up = std::chrono::steady_clock::now() + kLostAfter;
  while (lot.parked_count() < count) {  // Bounded by give_up.
    if (std::chrono::steady_clock::now() > give_up) {
      return false;
    }
    std::this_thread::yield();
  }
  return true;
}

void Wake(ParkingLot& lot, std::atomic<bool>& flag, const AsymmetricFence& fence) {
  flag.store(true, std::memory_order_release);
  fence.Light();
  lot.WakeIfParked();
}

TEST(ParkingLotTest, ParkedWaiterIsWoken) {
  for (const bool membarrier : {false, true}) {
    const AsymmetricFence fence(membarrier);
    ParkingLot lot;
    std::atomic<bool> flag{false};
    auto parked = std::async(std::launch::async, [&] {
      return lot.Park([&] { return flag.load(std::memory_order_acquire); }, kNoDeadline, fence);
    });
    ASSERT_TRUE(WaitUntilParked(lot, 1));
    Wake(lot, flag, fence);
    ASSERT_EQ(parked.wait_for(kLostAfter), std::future_status::ready) << "wake-up lost";
    EXPECT_TRUE(parked.get());
    EXPECT_EQ(lot.parked_count(), 0u);
  }
}

TEST(ParkingLotTest, OneWakeWakesEveryWaiter) {
  const AsymmetricFence fence(false);
  ParkingLot lot;
  std::atomic<uint32_t> total{0};
  lot.CountParkedIn(&total);
  std::atomic<bool> flag{false};
  std::vector<std::future<bool>> parked;
  constexpr uint32_t kWaiters = 4;
  for (uint32_t index = 0; index < kWaiters; ++index) {
    parked.push_back(std::async(std::launch::async, [&] {
      return lot.Park([&] { return flag.load(std::memory_order_acquire); }, kNoDeadline, fence);
    }));
  }
  ASSERT_TRUE(WaitUntilParked(lot, kWaiters));
  EXPECT_EQ(total.load(), kWaiters);
  Wake(lot, flag, fence);
  for (std::future<bool>& waiter : parked) {
    ASSERT_EQ(waiter.wait_for(kLostAfter), std::future_status::ready) << "wake-up lost";
    EXPECT_TRUE(waiter.get());
  }
  EXPECT_EQ(total.load(), 0u);
}

TEST(ParkingLotTest, WakeWithNobodyParkedIsANoOpAndAParkAfterItSeesTheProgress) {
  const AsymmetricFence fence(false);
  ParkingLot lot;
  std::atomic<bool> flag{false};
  Wake(lot, flag, fence);
  // The progress came first: the park returns without blocking.
  EXPECT_TRUE(lot.Park([&] { return flag.load(std::memory_order_acquire); }, kNoDeadline, fence));
}

TEST(ParkingLotTest, DeadlineEndsAParkThatIsNeverReady) {
  const AsymmetricFence fence(false);
  ParkingLot lot;
  uint32_t checks = 0;
  const bool ready =
      lot.Park([&] { return ++checks > 1000000; },
               std::chrono::steady_clock::now() + std::chrono::milliseconds(5), fence);
  EXPECT_FALSE(ready);
  EXPECT_GE(checks, 1u);
  EXPECT_EQ(lot.parked_count(), 0u);
}

// Two threads take turns on a counter, each parking (no spin, no yield) until the counter says
// it is its turn, each waking the other after its store. A lost wake-up stops the game, which
// the bounded wait on the players' futures reports with the round it stopped at.
TEST(ParkingLotTest, PingPongNeverLosesAWakeUp) {
  const uint64_t seed = Seed();
  const uint64_t rounds = std::getenv("RINGDB_PARKING_ROUNDS") != nullptr
                              ? std::strtoull(std::getenv("RINGDB_PARKING_ROUNDS"), nullptr, 10)
                              : 20000;
  for (const bool membarrier : {false, true}) {
    const AsymmetricFence fence(membarrier);
    Waiter wait;
    wait.kind = WaitStrategy::kSpinThenPark;
    wait.spin_count = 0;
    wait.yield_count = 0;
    wait.fence = fence;
    ParkingLot lots[2];
    std::atomic<uint64_t> counter{0};
    auto player = [&](uint64_t side) {
      std::mt19937_64 random(seed * 2 + side);
      for (uint64_t turn = side; turn < 2 * rounds; turn += 2) {
        auto my_turn = [&] { return counter.load(std::memory_order_acquire) == turn; };
        if (!wait.Wait(lots[side], my_turn, kNoDeadline)) {
          return false;
        }
        const uint64_t pause = random() % 64;  // Moves the store around the other's checks.
        for (uint64_t spin = 0; spin < pause; ++spin) {
          CpuRelax();
        }
        counter.store(turn + 1, std::memory_order_release);
        fence.Light();
        lots[1 - side].WakeIfParked();
      }
      return true;
    };
    auto first = std::async(std::launch::async, player, 0);
    auto second = std::async(std::launch::async, player, 1);
    const bool finished = first.wait_for(kLostAfter) == std::future_status::ready &&
                          second.wait_for(kLostAfter) == std::future_status::ready;
    if (!finished) {
      // The players cannot be joined: report and end the process rather than hang in the
      // futures' destructors.
      std::fprintf(stderr, "wake-up lost at turn %llu (membarrier %d, seed %llu)\n",
                   static_cast<unsigned long long>(counter.load()), membarrier ? 1 : 0,
                   static_cast<unsigned long long>(seed));
      std::_Exit(1);
    }
    EXPECT_TRUE(first.get());
    EXPECT_TRUE(second.get());
    EXPECT_EQ(counter.load(), 2 * rounds);
  }
}

}  // namespace
}  // namespace ringdb::internal
