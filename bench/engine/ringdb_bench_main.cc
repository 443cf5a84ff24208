// ringdb_bench [--quick] [--json] [--dir D] [--load N]: the engine benchmark, also run as
// `ringdb bench`, which passes the words after `bench` here unchanged. Options take their value
// as the next word or after '=' (--dir=D). Exit codes as the ringdb command's: 0 success, 1 the
// run failed, 2 bad arguments; with --json a bad argument is {"error": "...", "code": 2} on
// stderr.
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "bench/engine/engine_bench.h"
#include "bench/engine/workloads.h"

namespace {

constexpr const char* kUsage =
    "usage: ringdb bench [--quick] [--json] [--dir D] [--load N]  (also: ringdb_bench ...)\n"
    "durable throughput and latency of ringdb beside RocksDB and the disk's own limit\n"
    "  --quick    about a minute instead of ten\n"
    "  --json     JSON lines instead of a table\n"
    "  --dir D    where to create the benchmark directories (default: a temporary one)\n"
    "  --load N   only the lines with N CPU-bound threads beside them, 0 to 16\n"
    "             (default: idle, then 0, 1 and 2)\n";

// Prints a bad command line as the ringdb command does and returns exit code 2.
int FailUsage(const std::string& message, bool json) {
  if (json) {
    std::string escaped;
    for (const char c : message) {
      if (c == '"' || c == '\\') {
        escaped += '\\';
      }
      escaped += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
    std::fprintf(stderr, "{\"error\": \"bench: %s\", \"code\": 2}\n", escaped.c_str());
  } else {
    std::fprintf(stderr, "ringdb bench: %s\n%s", message.c_str(), kUsage);
  }
  return 2;
}

// A whole decimal number in [0, kBenchLoadMax], or nothing.
std::optional<int> ParseLoad(const std::string& text) {
  if (text.empty() || text.size() > 3 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const int load = std::atoi(text.c_str());
  if (load > ringdb::bench::kBenchLoadMax) {
    return std::nullopt;
  }
  return load;
}

}  // namespace

int main(int argc, char** argv) {
  ringdb::bench::RunWriterIfAsked();  // W4's writer process: writes, then exits.
  bool json = false;
  for (int index = 1; index < argc; ++index) {
    json = json || std::string_view(argv[index]) == "--json";
  }
  ringdb::bench::BenchConfig config;
  for (int index = 1; index < argc; ++index) {
    std::string name = argv[index];
    std::optional<std::string> value;
    if (const size_t equals = name.find('=');
        name.starts_with("--") && equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    const bool takes_value = name == "--dir" || name == "--load";
    if (takes_value && !value) {
      if (index + 1 >= argc) {
        return FailUsage(name + " needs a value", json);
      }
      value = argv[++index];
    }
    if (!takes_value && value) {
      return FailUsage(name + " takes no value", json);
    }
    if (name == "--help" || name == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (name == "--quick") {
      config.quick = true;
    } else if (name == "--json") {
      config.json = true;
    } else if (name == "--dir") {
      config.dir = *value;
    } else if (name == "--load") {
      const std::optional<int> load = ParseLoad(*value);
      if (!load) {
        return FailUsage("--load: '" + *value + "' is not a number from 0 to " +
                             std::to_string(ringdb::bench::kBenchLoadMax),
                         json);
      }
      config.load = *load;
    } else {
      return FailUsage("unknown argument '" + name + "'", json);
    }
  }
  return ringdb::bench::RunEngineBench(config);
}
