// ring_bench: the ring against boost::lockfree::spsc_queue, moodycamel::ConcurrentQueue and
// atomic_queue, side by side in one run (on a shared virtual machine, runs minutes apart move by
// +-30 %, so only same-run ratios mean anything). `--json` prints one object per line:
//   {"bench": name, "value": v, "unit": u, "baseline": name, "baseline_value": b, "ratio": v/b}
// Throughput only; each figure is the median of 5 time-boxed runs of 120 ms, and a line's baseline
// is re-run alternately with it (ring/harness.h). Hardware: whatever runs it (this project's
// machines: 2 vCPU KVM guests), so compare ratios, not absolute values.
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ring/harness.h"
#include "ring/peer_queues.h"
#include "ring/references.h"
#include "ring/ring_runs.h"

namespace ringdb::bench {
namespace {

struct Measurement {
  std::string name;
  std::function<RunResult()> run;
  std::string baseline;  // A measurement listed earlier; empty for a peer.
};

std::vector<Measurement> Measurements() {
  constexpr auto kDefaultWait = WaitStrategy::kSpinThenPark;
  constexpr auto kSpin = WaitStrategy::kBusySpin;
  return {
      {"boost_spsc.one", BoostSpscOne, ""},
      {"boost_spsc.bulk", BoostSpscBulk, ""},
      {"moodycamel.bulk", MoodycamelBulk, ""},
      {"atomic_queue.spsc", AtomicQueueSpsc, ""},
      {"moodycamel.2p1c", Moodycamel2p1c, ""},
      // References (ring/references.h): the slot format without the ring, and the ceiling of a
      // shared order.
      {"bare.stride32.one", BareStride32<1>, "boost_spsc.one"},
      {"bare.stride32.bulk64", BareStride32<64>, "boost_spsc.bulk"},
      {"bound.shared_counter.2p", SharedCounterBound, "moodycamel.2p1c"},
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
      {"ring.pipeline3.claim1.busyspin", [] { return RingChain(1, 2, kSpin); }, "ring.1p1c.claim1"},
      // moodycamel's queue is unbounded (its producers never wait); this shows what batching does
      // for the bounded ring's 2->1 figure.
      {"ring.2p1c.claim64", [] { return Ring2p1c(kDefaultWait, 64); }, "moodycamel.2p1c"},
      // The ring against those references.
      {"ring.1p1c.claim1.vs_bare", [] { return RingChain(1, 1, kDefaultWait); },
       "bare.stride32.one"},
      {"ring.1p1c.claim64.vs_bare", [] { return RingChain(64, 1, kDefaultWait); },
       "bare.stride32.bulk64"},
      {"ring.2p1c.vs_bound", [] { return Ring2p1c(kDefaultWait); }, "bound.shared_counter.2p"},
  };
}

// `only`: run just the measurements whose name contains it, and the baselines they are measured
// against, and theirs. A baseline is listed before what it measures, so one pass from the end
// marks them all.
std::vector<Measurement> Selected(const std::string& only) {
  std::vector<Measurement> all = Measurements();
  if (only.empty()) {
    return all;
  }
  std::set<std::string> wanted;
  for (auto measurement = all.rbegin(); measurement != all.rend(); ++measurement) {
    if (measurement->name.find(only) != std::string::npos || wanted.count(measurement->name)) {
      wanted.insert(measurement->name);
      wanted.insert(measurement->baseline);
    }
  }
  std::vector<Measurement> selected;
  for (Measurement& measurement : all) {
    if (wanted.count(measurement.name) != 0) {
      selected.push_back(std::move(measurement));
    }
  }
  return selected;
}

int Run(bool json, const std::string& only) {
  const std::vector<Measurement> selected = Selected(only);
  if (selected.empty()) {
    std::fprintf(stderr, "ring_bench: no measurement name contains '%s'\n", only.c_str());
    return 2;
  }
  std::map<std::string, const Measurement*> by_name;
  bool ok = true;
  for (const Measurement& measurement : selected) {
    by_name[measurement.name] = &measurement;
    Line line{measurement.name, 0, measurement.name, 0};  // A peer is its own baseline.
    if (measurement.baseline.empty()) {
      line.value = line.baseline_value = MedianRate(measurement.run, &ok);
    } else {
      const PairedRates rates =
          MedianRatesAlternated(measurement.run, by_name.at(measurement.baseline)->run, &ok);
      line = Line{measurement.name, rates.value, measurement.baseline, rates.baseline_value};
    }
    json ? PrintJson(line) : PrintText(line);
    if (!ok) {
      std::fprintf(stderr, "ring_bench: %s lost or corrupted items\n", measurement.name.c_str());
      return 1;
    }
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
