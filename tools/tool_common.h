// Shared pieces of the `ringdb` command: exit codes, output (human or JSON), escaping, and the
// check that a path holds a ringdb database.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "ringdb/options.h"
#include "ringdb/status.h"

namespace ringdb::journal {
class JournalReader;
}  // namespace ringdb::journal

namespace ringdb::tool {

// Exit codes, documented in `ringdb --help` and the README.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,      // the operation failed (I/O error, bad state)
  kExitUsage = 2,       // bad arguments
  kExitNotFound = 3,    // no such key, or the path is not a ringdb database
  kExitCorruption = 4,  // the journal or database failed a check
  kExitBusy = 5,        // a live engine holds the directory
};

// Whether errors are printed as JSON: set once, when the command line asks for --json.
void SetJsonErrors(bool json);

// Prints "ringdb: <context>: <status>" on stderr, or with JSON errors
// {"error": "<context>: <status>", "code": <exit code>}, and returns the exit code for the status.
int Fail(std::string_view context, const Status& status);
// Prints a bad command line the same way and returns kExitUsage.
int FailUsage(std::string_view message);
int ExitCodeFor(const Status& status);

// Checks that `path` looks like a ringdb directory (journal/ and db/ inside).
Status CheckDatabase(const std::string& path);

// Options for a command that writes: those of LoadOptions when `path` exists; when nothing is
// there yet, the defaults with create_if_missing, so that the engine creates the database.
Status OptionsForWriting(const std::string& path, Options* options);

// The options text of the OPTIONS file with the enumerations by name ("sync_mode = fdatasync"),
// one option a line, each line starting with `indent`.
std::string FormatOptionsNamed(const Options& options, std::string_view indent);

// Options for opening an existing database from the command: the geometry and limits it was last
// opened with (its OPTIONS file), never creating anything, and a logger that only reports
// warnings (RINGDB_VERBOSE=1 shows everything).
Status LoadOptions(const std::string& path, Options* options);

// A read-only reader of the database's journal with the limits it was written with; takes no
// lock and changes nothing, so it works beside a live engine.
Status OpenJournalReader(const std::string& path, RecoveryMode mode,
                         std::unique_ptr<journal::JournalReader>* reader);

// Printable form of arbitrary bytes: printable ASCII as is, the rest as \xNN; for JSON, also
// escapes quotes and backslashes.
std::string Escape(std::string_view bytes, bool json);

// A JSON object built field by field: {"a": 1, "b": "x"}.
class JsonObject {
 public:
  JsonObject& Add(std::string_view name, uint64_t value);
  JsonObject& Add(std::string_view name, double value);
  JsonObject& Add(std::string_view name, bool value);
  JsonObject& Add(std::string_view name, std::string_view value);
  // Without this overload a string literal would pick the bool one.
  JsonObject& Add(std::string_view name, const char* value) {
    return Add(name, std::string_view(value));
  }
  JsonObject& AddRaw(std::string_view name, std::string_view json);
  std::string str() const { return text_ + "}"; }

 private:
  void Name(std::string_view name);
  std::string text_ = "{";
};

}  // namespace ringdb::tool
