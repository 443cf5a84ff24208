// `ringdb recover --mode skip-corrupted`: salvage a database whose journal is damaged in the
// middle, where no engine can open it.
//
// 1. Every readable record past RocksDB's marker is applied (damaged records are skipped and
//    counted), and RocksDB is flushed.
// 2. A new journal holding every readable record again, renumbered from 1 without holes (a
//    journal is contiguous by construction), is built beside the damaged one and swapped in; the
//    damaged journal is kept as journal.damaged-<seconds since the epoch>/.
// 3. The marker is set to the new journal's last sequence, so the next Open replays nothing and
//    new transactions continue after it. Sequence numbers therefore restart: anything keyed on
//    them outside the database must be rebuilt.
// Transactions after a skipped one may have depended on it: this is salvage, not recovery.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include <rocksdb/db.h>

#include "engine/column_families.h"
#include "engine/applier.h"
#include "engine/journal_options_for.h"
#include "engine/database_lock.h"
#include "engine/options_file.h"
#include "journal/journal.h"
#include "journal/journal_reader.h"
#include "tools/commands.h"
#include "tools/tool_common.h"

namespace ringdb::tool {

namespace {

struct Database {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  ~Database() {
    for (rocksdb::ColumnFamilyHandle* handle : handles) {
      db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
  }
};

Status OpenDatabase(const std::string& path, Database* database) {
  rocksdb::Options options;
  options.atomic_flush = true;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = RingdbColumnFamilies();
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status =
      rocksdb::DB::Open(options, path + "/db", families, &database->handles, &raw);
  if (!status.ok()) {
    return Status::IOError("opening RocksDB at " + path + "/db: " + status.ToString());
  }
  database->db.reset(raw);
  return Status::OK();
}

Status Flush(Database* database) {
  const rocksdb::Status status = database->db->Flush(rocksdb::FlushOptions(), database->handles);
  return status.ok() ? Status::OK() : Status::IOError("flushing RocksDB: " + status.ToString());
}

// Applies every readable record after the marker. Returns the number applied through *applied.
Status ApplyReadable(journal::JournalReader* reader, Database* database, uint64_t marker,
                     uint64_t* applied, journal::RecoveryReport* report) {
  Applier applier(database->db.get(), database->handles[0], database->handles[1]);
  applier.ResetTo(marker);
  Status status = reader->Read(marker, [&](const journal::Record& record) {
    const Status staged = applier.Stage(record.payload, record.first_sequence);
    if (!staged.ok() && !staged.IsConflict() && !staged.IsCorruption()) {
      return staged;
    }
    ++*applied;
    return *applied % 1024 == 0 ? applier.Commit() : Status::OK();
  }, report);
  return status.ok() ? applier.Commit() : status;
}

// Writes every readable record of `reader` into a new journal at `dir`; *last gets its end.
Status Rewrite(journal::JournalReader* reader, const journal::JournalOptions& options,
               const std::string& dir, uint64_t* last) {
  journal::RecoveryReport opened;
  std::unique_ptr<journal::Journal> journal;
  Status status = journal::Journal::Open(options, dir, &opened, &journal);
  if (!status.ok()) {
    return status;
  }
  journal::RecoveryReport report;
  status = reader->Read(0, [&](const journal::Record& record) {
    uint64_t sequence = 0;
    Status added = journal->Add(record.count, record.payload, &sequence);
    if (added.IsBusy()) {
      added = journal->Commit();
      if (added.ok()) {
        added = journal->Add(record.count, record.payload, &sequence);
      }
    }
    return added;
  }, &report);
  if (status.ok()) {
    status = journal->Commit();
  }
  *last = journal->last_sequence();
  return status;
}

Status SyncDirectory(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const Status status = Status::IOError("cannot sync directory " + path);
    if (fd >= 0) {
      ::close(fd);
    }
    return status;
  }
  ::close(fd);
  return Status::OK();
}

// Step 2 and 3: a new journal with every readable record of the current one, built beside it,
// then swapped in. The old one is kept as journal.damaged-<seconds>.
Status RebuildJournal(const std::string& path, const journal::JournalOptions& base,
                      std::string* kept, uint64_t* last) {
  namespace fs = std::filesystem;
  const std::string building = path + "/journal.salvage";
  std::error_code error;
  fs::remove_all(building, error);  // A leftover of an interrupted salvage.
  journal::JournalOptions read_options = base;
  read_options.recovery_mode = journal::RecoveryMode::kSkipCorrupted;
  read_options.create_if_missing = false;
  std::unique_ptr<journal::JournalReader> reader;
  Status status = journal::JournalReader::Open(read_options, path + "/journal", &reader);
  if (status.ok()) {
    journal::JournalOptions write_options = base;
    write_options.recovery_mode = journal::RecoveryMode::kTolerateTornTail;
    write_options.create_if_missing = true;
    status = Rewrite(reader.get(), write_options, building, last);
  }
  if (!status.ok()) {
    return status;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  *kept = path + "/journal.damaged-" +
          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
  fs::rename(path + "/journal", *kept, error);
  if (!error) {
    fs::rename(building, path + "/journal", error);
  }
  if (error) {
    return Status::IOError("swapping in the rebuilt journal: " + error.message());
  }
  return SyncDirectory(path);
}

}  // namespace

// The order makes an interrupted salvage safe to run again: the marker is rewritten only after
// the new journal is in place. Until then the marker (old numbering) is at or above the new
// journal's end, so either the numbering did not change or Open refuses with "journal ends
// before the marker", and a second salvage completes the job.
int Salvage(const CommonArgs& args) {
  Options options;
  Status status = LoadOptions(args.path, &options);
  if (!status.ok()) {
    return Fail("recover", status);
  }
  uint32_t record_bytes_max = 0;
  ReadOptionsFile(args.path, &options, &record_bytes_max).PermitUnchecked();
  const journal::JournalOptions journal_options = JournalOptionsFor(options, record_bytes_max);
  Result<std::unique_ptr<FileLock>> lock = LockDatabase(options.env, args.path);
  if (!lock.ok()) {
    return Fail("recover", lock.status());
  }
  Database database;
  uint64_t marker = 0;
  status = OpenDatabase(args.path, &database);
  if (status.ok()) {
    status = Applier::ReadMarker(database.db.get(), database.handles[1], &marker);
  }
  std::unique_ptr<journal::JournalReader> reader;
  if (status.ok()) {
    journal::JournalOptions read_options = journal_options;
    read_options.recovery_mode = journal::RecoveryMode::kSkipCorrupted;
    read_options.create_if_missing = false;
    status = journal::JournalReader::Open(read_options, args.path + "/journal", &reader);
  }
  uint64_t applied = 0;
  journal::RecoveryReport report;
  if (status.ok()) {
    status = ApplyReadable(reader.get(), &database, marker, &applied, &report);
  }
  if (status.ok()) {
    status = Flush(&database);
  }
  std::string kept;
  uint64_t last = 0;
  if (status.ok()) {
    status = RebuildJournal(args.path, journal_options, &kept, &last);
  }
  if (status.ok()) {
    status = Applier::WriteMarker(database.db.get(), database.handles[1], last);
  }
  if (status.ok()) {
    status = Flush(&database);
  }
  if (!status.ok()) {
    return Fail("recover --mode skip-corrupted", status);
  }
  const std::string summary =
      "salvaged: applied " + std::to_string(applied) + " record(s) past marker " +
      std::to_string(marker) + ", skipped " + std::to_string(report.records_skipped) +
      " damaged record(s); the damaged journal is kept in " + kept +
      "; the new journal holds the " + std::to_string(last) +
      " readable record(s), renumbered from 1";
  if (args.json) {
    std::printf("%s\n", JsonObject()
                            .Add("salvaged", true)
                            .Add("applied", applied)
                            .Add("skipped", report.records_skipped)
                            .Add("damaged_journal", kept)
                            .Add("new_last_sequence", last)
                            .str()
                            .c_str());
  } else {
    std::printf("%s\n", summary.c_str());
  }
  return kExitOk;
}

}  // namespace ringdb::tool
