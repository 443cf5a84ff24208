// The `ringdb` command: inspect, verify, recover, replay and back up ringdb databases.
//
// Exit codes: 0 success; 1 the operation failed; 2 bad arguments; 3 not found (a missing key, or
// a path that is not a ringdb database); 4 corruption found; 5 the database is locked by a live
// engine. Errors go to stderr and name what was wrong; with --json each is one JSON object,
// {"error": "...", "code": <exit code>}, still on stderr.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "ringdb/version.h"
#include "tools/commands.h"
#include "tools/tool_common.h"

namespace {

using ringdb::tool::CommonArgs;

constexpr const char* kExitCodes =
    "Exit codes: 0 success, 1 the operation failed, 2 bad arguments, 3 not found (key, or not a "
    "ringdb database), 4 corruption found, 5 locked by a live engine. With --json an error is "
    "{\"error\": \"...\", \"code\": <exit code>} on stderr.";

CLI::App* AddPathCommand(CLI::App* parent, const char* name, const char* description,
                         CommonArgs* args) {
  CLI::App* command = parent->add_subcommand(name, description);
  command->add_option("path", args->path, "the database directory")->required();
  command->add_flag("--json", args->json, "print JSON instead of text");
  return command;
}

// Whether the command line asks for JSON: then its errors are JSON too.
bool WantsJson(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json") {
      return true;
    }
  }
  return false;
}

std::string Names(const std::vector<CLI::App*>& subcommands) {
  std::string names;
  for (const CLI::App* subcommand : subcommands) {
    names += (names.empty() ? "" : ", ") + subcommand->get_name();
  }
  return names;
}

// "unknown subcommand '<words>'; valid: ..." for the first word that names no subcommand where
// one is expected; empty when there is none.
std::string UnknownSubcommand(CLI::App* app, int argc, char** argv) {
  std::string words;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    const std::vector<CLI::App*> subcommands = app->get_subcommands([](CLI::App*) { return true; });
    if (word.starts_with("-") || subcommands.empty()) {
      return "";
    }
    words += word;
    const auto named = [&](const CLI::App* subcommand) { return subcommand->get_name() == word; };
    const auto found = std::find_if(subcommands.begin(), subcommands.end(), named);
    if (found == subcommands.end()) {
      return "unknown subcommand '" + words + "'; valid: " + Names(subcommands);
    }
    words += " ";
    app = *found;
  }
  return "";
}

// Parses the command line and runs the chosen subcommand's callback. Returns the exit code of
// a command line that names no command to run (bad, --help or --version), or -1.
int Parse(CLI::App* app, int argc, char** argv) {
  const bool json = WantsJson(argc, argv);
  ringdb::tool::SetJsonErrors(json);
  if (const std::string unknown = UnknownSubcommand(app, argc, argv); !unknown.empty()) {
    return ringdb::tool::FailUsage(unknown);
  }
  try {
    app->parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (json && error.get_exit_code() != 0) {
      return ringdb::tool::FailUsage(error.what());
    }
    const int exit = app->exit(error);
    return exit == 0 ? ringdb::tool::kExitOk : ringdb::tool::kExitUsage;
  }
  return -1;
}

}  // namespace

namespace {

// Every command's arguments and the exit code its callback sets: they outlive the parse.
struct Commands {
  CommonArgs args;
  int code = ringdb::tool::kExitOk;
  std::string key;
  std::string value;
  std::string prefix;
  std::string from;
  uint64_t limit = 0;
  uint64_t from_sequence = 0;
  uint64_t to_sequence = 0;
  bool values = false;
  std::string mode = "tolerate-torn-tail";
  std::string into;
  std::string target;
};

// info, get, scan, put, delete and stats: the database's contents and state.
void AddDataCommands(CLI::App* app, Commands* c) {
  CLI::App* info = AddPathCommand(app, "info",
                                  "options, journal sequences and segments, "
                                  "applied marker, RocksDB size (safe beside a live engine)",
                                  &c->args);
  info->callback([c] { c->code = ringdb::tool::Info(c->args); });

  CLI::App* get =
      AddPathCommand(app, "get", "print the value of a key (safe beside a live engine)", &c->args);
  get->add_option("key", c->key)->required();
  get->callback([c] { c->code = ringdb::tool::Get(c->args, c->key); });

  CLI::App* scan = AddPathCommand(
      app, "scan", "list keys and values in order (safe beside a live engine)", &c->args);
  scan->add_option("--prefix", c->prefix, "only keys starting with this");
  scan->add_option("--from", c->from, "start at this key");
  scan->add_option("--limit", c->limit, "at most this many (0: all)");
  scan->callback([c] { c->code = ringdb::tool::Scan(c->args, c->prefix, c->from, c->limit); });

  CLI::App* put =
      AddPathCommand(app, "put", "write a key through the engine (journaled)", &c->args);
  put->add_option("key", c->key)->required();
  put->add_option("value", c->value)->required();
  put->callback([c] { c->code = ringdb::tool::Put(c->args, c->key, c->value); });

  CLI::App* del = AddPathCommand(app, "delete", "delete a key through the engine", &c->args);
  del->add_option("key", c->key)->required();
  del->callback([c] { c->code = ringdb::tool::Delete(c->args, c->key); });

  CLI::App* stats = AddPathCommand(app, "stats",
                                   "what a read-only view says: sequences, journal, RocksDB "
                                   "(safe beside a live engine)",
                                   &c->args);
  stats->callback([c] { c->code = ringdb::tool::Stats(c->args); });
}

// journal dump and journal verify.
void AddJournalCommands(CLI::App* app, Commands* c) {
  CLI::App* journal =
      app->add_subcommand("journal", "read the journal (safe beside a live engine)");
  journal->require_subcommand(1);
  CLI::App* dump =
      AddPathCommand(journal, "dump", "print every record and its operations", &c->args);
  dump->add_option("--from-seq", c->from_sequence, "first sequence to print");
  dump->add_option("--to-seq", c->to_sequence, "last sequence to print");
  dump->add_flag("--values", c->values, "print values too (escaped)");
  dump->callback([c] {
    c->code = ringdb::tool::JournalDump(c->args, c->from_sequence, c->to_sequence, c->values);
  });
  CLI::App* verify = AddPathCommand(
      journal, "verify", "check every checksum and the chain; exit 4 on corruption", &c->args);
  verify->callback([c] { c->code = ringdb::tool::JournalVerify(c->args); });
}

// recover, replay and backup.
void AddRecoveryCommands(CLI::App* app, Commands* c) {
  CLI::App* recover =
      AddPathCommand(app, "recover", "open with a recovery mode and report", &c->args);
  recover->add_option("--mode", c->mode,
                      "absolute | tolerate-torn-tail | point-in-time | skip-corrupted");
  recover->callback([c] { c->code = ringdb::tool::Recover(c->args, c->mode); });

  CLI::App* replay =
      AddPathCommand(app, "replay", "rebuild a fresh RocksDB directory from the journal", &c->args);
  replay->add_option("--into", c->into, "the new RocksDB directory (must not exist)")->required();
  replay->add_option("--to-seq", c->to_sequence, "stop after this sequence (point in time)");
  replay->callback([c] { c->code = ringdb::tool::Replay(c->args, c->into, c->to_sequence); });

  CLI::App* backup = AddPathCommand(
      app, "backup", "consistent copy that `recover` opens (safe beside a live engine)", &c->args);
  backup->add_option("target", c->target, "the backup directory (must not exist)")->required();
  backup->callback([c] { c->code = ringdb::tool::BackupReadOnly(c->args, c->target); });
}

// bench runs the ringdb_bench program (tools/commands_bench.cc) with the words after `bench`,
// --help included: the benchmark owns its options, and its allocation-counting operator new stays
// out of this command.
void AddBenchCommand(CLI::App* app, Commands* c) {
  CLI::App* bench = app->add_subcommand(
      "bench", "durable throughput beside RocksDB (runs ringdb_bench; `bench --help` for options)");
  bench->set_help_flag();
  bench->prefix_command();
  bench->callback([c, bench] { c->code = ringdb::tool::Bench(bench->remaining()); });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("ringdb " RINGDB_VERSION_STRING
               ": inspect, verify, recover, replay and back up ringdb databases");
  app.footer(kExitCodes);
  app.set_version_flag("--version", RINGDB_VERSION_STRING);
  app.require_subcommand(1);
  Commands commands;
  AddDataCommands(&app, &commands);
  AddJournalCommands(&app, &commands);
  AddRecoveryCommands(&app, &commands);
  AddBenchCommand(&app, &commands);
  const int parse_exit = Parse(&app, argc, argv);
  return parse_exit >= 0 ? parse_exit : commands.code;
}
