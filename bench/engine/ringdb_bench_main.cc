// ringdb_bench [--quick] [--json] [--dir D] [--load N]: the same run as `ringdb bench`.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bench/engine/engine_bench.h"
#include "bench/engine/workloads.h"

int main(int argc, char** argv) {
  ringdb::bench::RunWriterIfAsked();  // W4's writer process: writes, then exits.
  ringdb::bench::BenchConfig config;
  for (int index = 1; index < argc; ++index) {
    if (std::strcmp(argv[index], "--quick") == 0) {
      config.quick = true;
    } else if (std::strcmp(argv[index], "--json") == 0) {
      config.json = true;
    } else if (std::strcmp(argv[index], "--dir") == 0 && index + 1 < argc) {
      config.dir = argv[++index];
    } else if (std::strcmp(argv[index], "--load") == 0 && index + 1 < argc) {
      config.load = std::atoi(argv[++index]);
    } else {
      std::fprintf(stderr, "usage: ringdb_bench [--quick] [--json] [--dir D] [--load N]\n");
      return 2;
    }
  }
  return ringdb::bench::RunEngineBench(config);
}
