// `ringdb bench`: the engine benchmark is its own program, ringdb_bench (bench/engine/), so that
// this command carries neither the benchmark nor its allocation-counting operator new. The
// command replaces itself with that program, which then owns the terminal, the output and the
// exit code.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tools/commands.h"
#include "tools/tool_common.h"

namespace ringdb::tool {
namespace {

constexpr const char* kBenchProgram = "ringdb_bench";

// Where ringdb_bench is looked for, in order: the directory of this executable (the build tree,
// an install, or an install moved elsewhere), then the bindir of the configured install.
std::vector<std::string> BenchCandidates() {
  std::vector<std::string> candidates;
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    candidates.push_back((self.parent_path() / kBenchProgram).string());
  }
  const std::string installed = std::string(RINGDB_INSTALL_BINDIR) + "/" + kBenchProgram;
  if (candidates.empty() || candidates.front() != installed) {
    candidates.push_back(installed);
  }
  return candidates;
}

}  // namespace

int Bench(const std::vector<std::string>& arguments) {
  const std::vector<std::string> candidates = BenchCandidates();
  for (const std::string& program : candidates) {
    if (access(program.c_str(), X_OK) != 0) {
      continue;
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const std::string& argument : arguments) {
      argv.push_back(const_cast<char*>(argument.c_str()));
    }
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    return Fail("bench", Status::IOError("cannot run " + program + ": " + std::strerror(errno)));
  }
  std::string looked;
  for (const std::string& program : candidates) {
    looked += (looked.empty() ? "" : " and ") + program;
  }
  return Fail("bench", Status::IOError("the benchmark program is missing: looked for " + looked +
                                       " (built with RINGDB_BUILD_BENCHMARKS=ON, installed "
                                       "beside ringdb)"));
}

}  // namespace ringdb::tool
