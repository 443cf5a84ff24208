// Runs the built `ringdb` command (RINGDB_TOOL_PATH) and collects its exit code and output.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace ringdb {

struct ToolRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `script` with /bin/sh, stdout and stderr together.
inline ToolRun RunShell(const std::string& script) {
  const std::string command = "{ " + script + "\n} 2>&1";
  ToolRun run;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return run;
  }
  std::array<char, 4096> buffer{};
  size_t read = 0;
  while ((read = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
    run.output.append(buffer.data(), read);
  }
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

inline ToolRun Ringdb(const std::string& arguments) {
  return RunShell(std::string(RINGDB_TOOL_PATH) + " " + arguments);
}

}  // namespace ringdb
