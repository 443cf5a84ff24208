#include "bench/engine/bench_util.h"

#include <fstream>
#include <string>

namespace ringdb::bench {

double ResidentMib(bool peak) {
  std::ifstream status("/proc/self/status");
  const std::string wanted = peak ? "VmHWM:" : "VmRSS:";
  std::string word;
  while (status >> word) {
    if (word == wanted) {
      double kib = 0;
      status >> kib;
      return kib / 1024.0;
    }
  }
  return 0;
}

void ResetPeakResident() {
  // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0 and later).
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

void Print(const Line& line, bool json) {
  const bool has_baseline = !line.baseline.empty() && line.baseline_value != 0;
  if (json) {
    if (has_baseline) {
      std::printf(
          "{\"bench\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"baseline\": \"%s\", "
          "\"baseline_value\": %.6g, \"ratio\": %.4f}\n",
          line.bench.c_str(), line.value, line.unit.c_str(), line.baseline.c_str(),
          line.baseline_value, line.value / line.baseline_value);
    } else {
      std::printf(
          "{\"bench\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"baseline\": null, "
          "\"baseline_value\": null, \"ratio\": null}\n",
          line.bench.c_str(), line.value, line.unit.c_str());
    }
  } else if (has_baseline) {
    std::printf("%-34s %12.1f %-8s vs %-24s %12.1f  ratio %7.3f  (target %s)\n", line.bench.c_str(),
                line.value, line.unit.c_str(), line.baseline.c_str(), line.baseline_value,
                line.value / line.baseline_value, line.target.c_str());
  } else {
    std::printf("%-34s %12.3f %-8s (target %s)\n", line.bench.c_str(), line.value,
                line.unit.c_str(), line.target.c_str());
  }
  std::fflush(stdout);
}

}  // namespace ringdb::bench
