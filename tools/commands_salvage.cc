// `ringdb recover --mode skip-corrupted`: salvage a database whose journal is damaged in the
// middle, where no engine can open it.
//
// 1. Every readable record past RocksDB's marker is applied (damaged records are skipped and
//    counted), and RocksDB is flushed.
// 2. The damaged journal is kept aside as journal.damaged-<seconds since the epoch>/, and a new
//    journal is written holding every readable record again, renumbered without holes (a journal
//    is contiguous by construction).
// 3. The marker is set to the new journal's last sequence, so the next Open replays nothing and
//    new transactions continue after it.
// Transactions after a skipped one may have depended on it: this is salvage, not recovery.
#include <chrono>
#include <filesystem>
#include <memory>

#include <rocksdb/db.h>

#include "engine/applier.h"
#include "engine/journal_options_for.h"
#include "engine/lock_file.h"
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
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"ringdb_meta", rocksdb::ColumnFamilyOptions()}};
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

}  // namespace

int Salvage(const CommonArgs& args) {
  Options options;
  Status status = LoadOptions(args.path, &options);
  if (!status.ok()) {
    return Fail("recover", status);
  }
  LockFile lock;
  status = lock.Acquire(args.path + "/LOCK");
  if (!status.ok()) {
    return Fail("recover", status);
  }
  Database database;
  uint64_t marker = 0;
  status = OpenDatabase(args.path, &database);
  if (status.ok()) {
    status = Applier::ReadMarker(database.db.get(), database.handles[1], &marker);
  }
  std::unique_ptr<journal::JournalReader> reader;
  if (status.ok()) {
    status = OpenJournalReader(args.path, RecoveryMode::kSkipCorrupted, &reader);
  }
  uint64_t applied = 0;
  journal::RecoveryReport report;
  if (status.ok()) {
    status = ApplyReadable(reader.get(), &database, marker, &applied, &report);
  }
  if (status.ok()) {
    status = Flush(&database);
  }
  if (!status.ok()) {
    return Fail("recover --mode skip-corrupted", status);
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const std::string kept = args.path + "/journal.damaged-" +
                           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(now).count());
  std::error_code error;
  std::filesystem::rename(args.path + "/journal", kept, error);
  if (error) {
    return Fail("recover", Status::IOError("moving the damaged journal aside: " + error.message()));
  }
  std::unique_ptr<journal::JournalReader> old_reader;
  journal::JournalOptions journal_options = JournalOptionsFor(options, 0);
  journal_options.recovery_mode = journal::RecoveryMode::kSkipCorrupted;
  journal_options.create_if_missing = false;
  status = journal::JournalReader::Open(journal_options, kept, &old_reader);
  uint64_t last = 0;
  if (status.ok()) {
    journal::JournalOptions writer_options = JournalOptionsFor(options, 0);
    writer_options.create_if_missing = true;
    status = Rewrite(old_reader.get(), writer_options, args.path + "/journal", &last);
  }
  if (status.ok()) {
    status = Applier::WriteMarker(database.db.get(), database.handles[1], last);
  }
  if (status.ok()) {
    status = Flush(&database);
  }
  if (!status.ok()) {
    return Fail("recover --mode skip-corrupted: rewriting the journal", status);
  }
  const std::string summary =
      "salvaged: applied " + std::to_string(applied) + " record(s) past marker " +
      std::to_string(marker) + ", skipped " + std::to_string(report.records_skipped) +
      " damaged record(s); the damaged journal is kept in " + kept +
      "; the new journal holds " + std::to_string(last) + " record(s)";
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
