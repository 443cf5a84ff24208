// The benchmark harness: time-boxed runs, medians, and the JSON line format of issue #2.
//
// Every run is time-boxed: producers run until a stop flag (set after kRunDuration) and report
// how many items they produced; consumers drain them all; the rate is items / (first item to last
// item consumed). Five runs of 200 ms, median reported (this machine is shared, so single runs
// swing by 2x), and the whole --json run stays under 30 s.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace ringdb::bench {

inline constexpr auto kRunDuration = std::chrono::milliseconds(200);
inline constexpr int kRepetitions = 5;
inline constexpr uint64_t kQueueCapacity = 4096;  // Ring slots and peer capacities alike.

// What one run reports back: items moved and the consumer's checksum (so nothing is optimised
// away, and the harness can check that every item arrived).
struct RunResult {
  uint64_t items = 0;
  double seconds = 0;
  bool checksum_ok = true;
  double rate_m_per_s() const { return seconds > 0 ? items / seconds / 1e6 : 0; }
};

// Shared by the threads of one run.
struct RunControl {
  std::atomic<bool> stop{false};
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  // Sleeps (not spins: this thread must not take a core from the measured ones) then stops.
  void StopAfter(std::chrono::milliseconds duration) {
    std::this_thread::sleep_for(duration);
    stop.store(true, std::memory_order_relaxed);
  }
  bool stopped() const { return stop.load(std::memory_order_relaxed); }
  double ElapsedSeconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
};

// Sum of 1..n: every producer numbers its items from 1, so a consumer's sum can be checked.
inline uint64_t SumTo(uint64_t n) { return n * (n + 1) / 2; }

inline double MedianRate(const std::function<RunResult()>& run, bool* ok) {
  std::vector<double> rates;
  for (int repetition = 0; repetition < kRepetitions; ++repetition) {
    const RunResult result = run();
    *ok = *ok && result.checksum_ok && result.items > 0;
    rates.push_back(result.rate_m_per_s());
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

struct Line {
  std::string bench;
  double value = 0;
  std::string baseline;
  double baseline_value = 0;
};

inline void PrintJson(const Line& line) {
  std::printf(
      "{\"bench\": \"%s\", \"value\": %.2f, \"unit\": \"M items/s\", \"baseline\": \"%s\", "
      "\"baseline_value\": %.2f, \"ratio\": %.3f}\n",
      line.bench.c_str(), line.value, line.baseline.c_str(), line.baseline_value,
      line.baseline_value > 0 ? line.value / line.baseline_value : 0.0);
  std::fflush(stdout);
}

inline void PrintText(const Line& line) {
  std::printf("%-34s %10.2f M items/s   vs %-22s %10.2f   ratio %.3f\n", line.bench.c_str(),
              line.value, line.baseline.c_str(), line.baseline_value,
              line.baseline_value > 0 ? line.value / line.baseline_value : 0.0);
  std::fflush(stdout);
}

}  // namespace ringdb::bench
