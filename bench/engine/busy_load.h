// BusyLoad: threads that do nothing but burn CPU, as the service embedding ringdb does at full
// load. They run at ordinary priority for the life of the object, so that a workload measured
// inside its scope shares the cores the way an embedded engine does on a busy host.
#pragma once

#include <atomic>
#include <thread>
#include <vector>

namespace ringdb::bench {

class BusyLoad {
 public:
  explicit BusyLoad(int threads) {
    threads_.reserve(static_cast<size_t>(threads));
    for (int thread = 0; thread < threads; ++thread) {
      threads_.emplace_back([this] {
        // Bounded by stop_, which the destructor sets; a relaxed load keeps the loop pure CPU.
        uint64_t spins = 0;
        while (!stop_.load(std::memory_order_relaxed)) {
          ++spins;
        }
        sink_.fetch_add(spins, std::memory_order_relaxed);
      });
    }
  }
  BusyLoad(const BusyLoad&) = delete;
  BusyLoad& operator=(const BusyLoad&) = delete;
  ~BusyLoad() {
    stop_.store(true, std::memory_order_relaxed);
    for (std::thread& thread : threads_) {
      thread.join();
    }
  }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> sink_{0};  // Keeps the compiler from removing the loop.
  std::vector<std::thread> threads_;
};

}  // namespace ringdb::bench
