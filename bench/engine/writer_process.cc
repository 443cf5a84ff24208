// The writer processes of W4: this program started again with RINGDB_BENCH_WRITER set.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/engine/workloads.h"

extern char** environ;

namespace ringdb::bench {
namespace {

constexpr const char* kWriterVariable = "RINGDB_BENCH_WRITER";

}  // namespace

void RunWriterProcess(const char* writer, const std::string& dir, uint64_t transactions) {
  // "<writer> <transactions> <dir>": the directory last, since it may contain spaces.
  const std::string request =
      std::string(kWriterVariable) + "=" + writer + " " + std::to_string(transactions) + " " + dir;
  std::vector<char*> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, kWriterVariable, std::strlen(kWriterVariable)) != 0) {
      environment.push_back(*entry);
    }
  }
  environment.push_back(const_cast<char*>(request.c_str()));
  environment.push_back(nullptr);
  char program[] = "/proc/self/exe";
  char* arguments[] = {program, nullptr};
  pid_t child = 0;
  const int spawned = posix_spawn(&child, program, nullptr, nullptr, arguments, environment.data());
  if (spawned != 0) {
    std::fprintf(stderr, "bench: cannot start the %s writer process: %s\n", writer,
                 std::strerror(spawned));
    std::exit(1);
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "bench: the %s writer process failed\n", writer);
    std::exit(1);
  }
}

void RunWriterIfAsked() {
  const char* request = std::getenv(kWriterVariable);
  if (request == nullptr) {
    return;
  }
  char writer[16] = {};
  unsigned long long transactions = 0;
  int consumed = 0;
  if (std::sscanf(request, "%15s %llu %n", writer, &transactions, &consumed) != 2 ||
      request[consumed] == '\0') {
    std::fprintf(stderr, "bench: malformed %s=%s\n", kWriterVariable, request);
    _exit(2);
  }
  const std::string dir = request + consumed;
  if (std::strcmp(writer, kRingdbWriter) == 0) {
    RingdbWriteAndAbandon(dir, transactions);
  }
  if (std::strcmp(writer, kRocksDbWriter) == 0) {
    RocksDbWriteAndAbandon(dir, transactions);
  }
  std::fprintf(stderr, "bench: unknown writer in %s=%s\n", kWriterVariable, request);
  _exit(2);
}

}  // namespace ringdb::bench
