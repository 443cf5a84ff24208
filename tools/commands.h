// The subcommands of `ringdb`. Each returns a process exit code (tools/tool_common.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ringdb::tool {

struct CommonArgs {
  std::string path;
  bool json = false;
};

int Info(const CommonArgs& args);
int Get(const CommonArgs& args, const std::string& key);
int Scan(const CommonArgs& args, const std::string& prefix, const std::string& from,
         uint64_t limit);
int Put(const CommonArgs& args, const std::string& key, const std::string& value);
int Delete(const CommonArgs& args, const std::string& key);
int Stats(const CommonArgs& args);

int JournalDump(const CommonArgs& args, uint64_t from_sequence, uint64_t to_sequence, bool values);
int JournalVerify(const CommonArgs& args);

int Recover(const CommonArgs& args, const std::string& mode);
int Replay(const CommonArgs& args, const std::string& into, uint64_t to_sequence);
// backup through the read-only view (tools/commands_data.cc): beside a live engine or not,
// changing nothing in the source directory.
int BackupReadOnly(const CommonArgs& args, const std::string& target);
// recover --mode skip-corrupted (tools/commands_salvage.cc).
int Salvage(const CommonArgs& args);
// bench: runs the ringdb_bench program found beside this command, or in the bindir it was
// configured to install into, with `arguments`; returns only when it cannot be run
// (tools/commands_bench.cc).
int Bench(const std::vector<std::string>& arguments);

}  // namespace ringdb::tool
