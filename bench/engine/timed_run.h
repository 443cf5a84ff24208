// The timed multi-threaded loop every throughput workload shares: `threads` workers each repeat
// one step for `seconds`, each step timed; the figures are steps per second and the latency
// quantiles over all steps.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include "bench/engine/bench_util.h"
#include "bench/engine/workloads.h"

namespace ringdb::bench {

// make_step(thread) builds a worker's state and returns its step, a callable returning false on
// failure (which ends the benchmark: a failed write means the figures would be meaningless).
template <typename MakeStep>
Figures RunTimed(int threads, double seconds, MakeStep make_step) {
  using Clock = std::chrono::steady_clock;
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> total{0};
  // One sampler per thread, each constructed in place: copies would not keep the reserved
  // capacity, and a sampler never grows while recording.
  std::vector<Latencies> latencies;
  latencies.reserve(static_cast<size_t>(threads));
  for (int thread = 0; thread < threads; ++thread) {
    latencies.emplace_back(1 << 18);
  }
  std::vector<std::thread> workers;
  const auto started = Clock::now();
  for (int thread = 0; thread < threads; ++thread) {
    workers.emplace_back([&, thread] {
      auto step = make_step(thread);
      uint64_t count = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const auto before = Clock::now();
        if (!step()) {
          std::fprintf(stderr, "bench: a step failed\n");
          std::exit(1);
        }
        latencies[static_cast<size_t>(thread)].Add(Clock::now() - before);
        ++count;
      }
      total += count;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& worker : workers) {
    worker.join();
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
  for (size_t index = 1; index < latencies.size(); ++index) {
    latencies[0].Merge(latencies[index]);
  }
  return {static_cast<double>(total) / elapsed, latencies[0].QuantileUs(0.5),
          latencies[0].QuantileUs(0.99), total};
}

}  // namespace ringdb::bench
