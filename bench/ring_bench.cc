// ring_bench: the ring against boost::lockfree::spsc_queue, moodycamel::ConcurrentQueue and
// atomic_queue, side by side in one run (BASELINES.md: runs minutes apart move by +-30 %, so only
// same-run ratios mean anything). `--json` prints one object per line in issue #2's format:
//   {"bench": name, "value": v, "unit": u, "baseline": name, "baseline_value": b, "ratio": v/b}
// Throughput only; each figure is the median of 5 time-boxed runs of 200 ms. Hardware: whatever
// runs it (this project's machines: 2 vCPU KVM guests), so compare ratios, not absolute values.
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <string>

#include "ring/harness.h"
#include "ring/peer_queues.h"
#include "ring/ring_runs.h"

namespace ringdb::bench {
namespace {

struct Measurement {
  std::string name;
  std::function<RunResult()> run;
  std::string baseline;  // A measurement listed earlier; empty for a peer.
};

std::vector<Measurement> Measurements() {
  constexpr auto kDefaultWait = WaitStrategyKind::kSpinThenPark;
  constexpr auto kSpin = WaitStrategyKind::kBusySpin;
  return {
      {"boost_spsc.one", BoostSpscOne, ""},
      {"boost_spsc.bulk", BoostSpscBulk, ""},
      {"moodycamel.bulk", MoodycamelBulk, ""},
      {"atomic_queue.spsc", AtomicQueueSpsc, ""},
      {"moodycamel.2p1c", Moodycamel2p1c, ""},
      {"ring.1p1c.claim1", [] { return RingChain(1, 1, kDefaultWait); }, "boost_spsc.one"},
      {"ring.1p1c.claim64", [] { return RingChain(64, 1, kDefaultWait); }, "boost_spsc.bulk"},
      {"ring.pipeline3.claim1", [] { return RingChain(1, 2, kDefaultWait); }, "ring.1p1c.claim1"},
      {"ring.pipeline3.claim64", [] { return RingChain(64, 2, kDefaultWait); },
       "ring.1p1c.claim64"},
      {"ring.2p1c", [] { return Ring2p1c(kDefaultWait); }, "moodycamel.2p1c"},
      // Extra lines: the ring against the other peers, and with busy-spin instead of parking.
      {"ring.1p1c.claim1.vs_atomic_queue", [] { return RingChain(1, 1, kDefaultWait); },
       "atomic_queue.spsc"},
      {"ring.1p1c.claim64.vs_moodycamel", [] { return RingChain(64, 1, kDefaultWait); },
       "moodycamel.bulk"},
      {"ring.1p1c.claim1.busyspin", [] { return RingChain(1, 1, kSpin); }, "boost_spsc.one"},
      {"ring.pipeline3.claim1.busyspin", [] { return RingChain(1, 2, kSpin); },
       "ring.1p1c.claim1"},
      // moodycamel's queue is unbounded (its producers never wait); these show what batching and
      // a larger ring do for the bounded ring's 2->1 figure.
      {"ring.2p1c.claim64", [] { return Ring2p1c(kDefaultWait, 64); }, "moodycamel.2p1c"},
      {"ring.2p1c.slots65536", [] { return Ring2p1c(kDefaultWait, 1, 65536); }, "moodycamel.2p1c"},
  };
}

// `only`: run just the measurements whose name contains it, plus the baselines they need.
int Run(bool json, const std::string& only) {
  std::map<std::string, double> values;
  bool ok = true;
  for (const Measurement& measurement : Measurements()) {
    if (!only.empty() && measurement.name.find(only) == std::string::npos) {
      continue;
    }
    if (!measurement.baseline.empty() && values.count(measurement.baseline) == 0) {
      values[measurement.baseline] = 0;  // Baseline skipped by the filter: ratio reads 0.
    }
    const double value = MedianRate(measurement.run, &ok);
    values[measurement.name] = value;
    Line line{measurement.name, value, measurement.baseline,
              measurement.baseline.empty() ? value : values.at(measurement.baseline)};
    if (measurement.baseline.empty()) {
      line.baseline = measurement.name;  // A peer is its own baseline (ratio 1).
    }
    json ? PrintJson(line) : PrintText(line);
  }
  if (!ok) {
    std::fprintf(stderr, "ring_bench: a run lost or corrupted items\n");
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace ringdb::bench

int main(int argc, char** argv) {
  bool json = false;
  std::string only;
  for (int index = 1; index < argc; ++index) {
    if (std::strcmp(argv[index], "--json") == 0) {
      json = true;
    } else if (std::strcmp(argv[index], "--only") == 0 && index + 1 < argc) {
      only = argv[++index];
    } else {
      std::fprintf(stderr, "usage: ring_bench [--json] [--only NAME_PART]\n");
      return 2;
    }
  }
  return ringdb::bench::Run(json, only);
}
