// The benchmark harness: time-boxed runs, medians, and the benchmarks' JSON line format.
//
// Every run is time-boxed: producers run until a stop flag (set after kRunDuration) and report
// how many items they produced; consumers drain them all; the rate is items / (first item to last
// item consumed). A peer's line is the median of five runs. A line with a baseline alternates
// five runs of its own with five of the baseline's and reports both medians: this 2-vCPU guest
// shifts for seconds at a time into a regime where every cross-core figure drops to a fifth, and
// a ratio of two figures measured seconds apart could compare two regimes. The whole --json run
// stays under 30 s.
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

inline constexpr auto kRunDuration = std::chrono::milliseconds(120);
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

inline double Median(std::vector<double> rates) {
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

inline double RunRate(const std::function<RunResult()>& run, bool* ok) {
  const RunResult result = run();
  *ok = *ok && result.checksum_ok && result.items > 0;
  return result.rate_m_per_s();
}

inline double MedianRate(const std::function<RunResult()>& run, bool* ok) {
  std::vector<double> rates;
  for (int repetition = 0; repetition < kRepetitions; ++repetition) {
    rates.push_back(RunRate(run, ok));
  }
  return Median(std::move(rates));
}

struct PairedRates {
  double value = 0;
  double baseline_value = 0;
};

// Alternates the baseline's runs with the measured ones, so both medians cover the same seconds.
inline PairedRates MedianRatesAlternated(const std::function<RunResult()>& run,
                                         const std::function<RunResult()>& baseline, bool* ok) {
  std::vector<double> rates;
  std::vector<double> baseline_rates;
  for (int repetition = 0; repetition < kRepetitions; ++repetition) {
    baseline_rates.push_back(RunRate(baseline, ok));
    rates.push_back(RunRate(run, ok));
  }
  return PairedRates{Median(std::move(rates)), Median(std::move(baseline_rates))};
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
