// Goal: util/mutex.h's CondVar, which waits on a held Mutex through std::condition_variable,
// releases the mutex while it waits, holds it again on return, wakes on Signal and times out.
#include "util/mutex.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

namespace ringdb {
namespace {

TEST(CondVarTest, WaitUntilTimesOutHoldingTheMutexAgain) {
  Mutex mutex;
  CondVar cv;
  MutexLock lock(&mutex);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
  bool woken = true;
  while (woken && std::chrono::steady_clock::now() < deadline) {
    woken = cv.WaitUntil(&mutex, deadline);  // Spurious wake-ups loop.
  }
  EXPECT_GE(std::chrono::steady_clock::now(), deadline);
  bool taken_elsewhere = false;
  std::thread([&] {
    if (mutex.TryLock()) {
      taken_elsewhere = true;
      mutex.Unlock();
    }
  }).join();
  EXPECT_FALSE(taken_elsewhere);
}

TEST(CondVarTest, SignalWakesAWaiterThatReleasedTheMutex) {
  Mutex mutex;
  CondVar cv;
  bool ready = false;  // Under mutex.
  std::thread signaller([&] {
    MutexLock lock(&mutex);  // Only possible while the waiter waits.
    ready = true;
    cv.Signal();
  });
  {
    MutexLock lock(&mutex);
    while (!ready) {
      cv.Wait(&mutex);
    }
    EXPECT_TRUE(ready);
  }
  signaller.join();
}

}  // namespace
}  // namespace ringdb
