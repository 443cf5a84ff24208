// Runs the test binary again as a child process in a role of its own, for tests that crash it.
//
// The child is a new program image (posix_spawn of /proc/self/exe), not a bare fork: a process
// that has opened RocksDB keeps RocksDB's background threads, which a forked copy would not have
// (a flush would wait forever), ThreadSanitizer does not support threads in a child forked from
// a multi-threaded process, and ringdb reads RINGDB_CRASH_POINT only when a program starts.
//
// A binary using this defines main() as: if IsChild(argc, argv), run the role named by
// ChildArguments and _exit; otherwise run gtest. The child's reports go to the write end of a
// pipe whose number it receives as its first argument; its stderr goes to a file.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace ringdb {

inline constexpr std::string_view kChildFlag = "--ringdb-test-child";

inline bool IsChild(int argc, char** argv) { return argc >= 3 && argv[1] == kChildFlag; }

// The child's report fd and the arguments after it.
inline int ChildReportFd(char** argv) { return std::atoi(argv[2]); }
inline std::vector<std::string> ChildArguments(int argc, char** argv) {
  return std::vector<std::string>(argv + 3, argv + argc);
}

struct ChildProcess {
  pid_t pid = -1;
  int report_fd = -1;  // the parent's read end of the report pipe; closed by Wait
  std::string stderr_path;
};

// Starts the child with `arguments`, the environment of this process with each "NAME=value" of
// `environment` replacing NAME, and stderr written to stderr_path. pid stays -1 on failure.
inline ChildProcess SpawnChild(const std::vector<std::string>& arguments,
                               const std::vector<std::string>& environment,
                               const std::string& stderr_path) {
  ChildProcess child;
  child.stderr_path = stderr_path;
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) {
    return child;
  }
  std::vector<std::string> argument_strings = {"/proc/self/exe", std::string(kChildFlag),
                                               std::to_string(pipe_fds[1])};
  argument_strings.insert(argument_strings.end(), arguments.begin(), arguments.end());
  std::vector<std::string> environment_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view current(*entry);
    bool replaced = false;
    for (const std::string& wanted : environment) {
      const std::string_view name = std::string_view(wanted).substr(0, wanted.find('=') + 1);
      replaced = replaced || current.starts_with(name);
    }
    if (!replaced) {
      environment_strings.emplace_back(current);
    }
  }
  environment_strings.insert(environment_strings.end(), environment.begin(), environment.end());
  std::vector<char*> argv;
  for (std::string& text : argument_strings) {
    argv.push_back(text.data());
  }
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& text : environment_strings) {
    envp.push_back(text.data());
  }
  envp.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    return child;
  }
  child.pid = pid;
  child.report_fd = pipe_fds[0];
  return child;
}

// Closes the report pipe and waits for the child; returns its wait status, or -1.
inline int WaitForChild(ChildProcess* child) {
  if (child->report_fd >= 0) {
    close(child->report_fd);
    child->report_fd = -1;
  }
  int status = 0;
  if (waitpid(child->pid, &status, 0) != child->pid) {
    return -1;
  }
  return status;
}

inline bool KilledBySigkill(int wait_status) {
  return wait_status != -1 && WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL;
}

inline std::string DescribeWaitStatus(int wait_status) {
  if (wait_status == -1) {
    return "waitpid failed";
  }
  if (WIFSIGNALED(wait_status)) {
    return "killed by signal " + std::to_string(WTERMSIG(wait_status));
  }
  return "exited with code " + std::to_string(WEXITSTATUS(wait_status));
}

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace ringdb
