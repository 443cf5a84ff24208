// `ringdb recover --mode skip-corrupted`: salvage a database whose journal is damaged in the
// middle, where no engine can open it.
//
// 1. Every readable record past RocksDB's marker is applied (damaged records are skipped and
//    counted; a record whose sequence is not above the last one kept, a duplicate, is dropped
//    and counted: tools/salvage.h), and RocksDB is flushed.
// 2. A new journal holding every kept record again, renumbered from 1 without holes (a journal
//    is contiguous by construction), is built beside the damaged one and swapped in; the
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

#include "engine/applier.h"
#include "engine/apply_rules.h"
#include "engine/database_lock.h"
#include "engine/journal_options_for.h"
#include "engine/options_file.h"
#include "engine/rocksdb_open.h"
#include "engine/rocksdb_options.h"
#include "journal/journal.h"
#include "ringdb/logger.h"
#include "tools/commands.h"
#include "tools/salvage.h"
#include "tools/tool_common.h"

namespace ringdb::tool {

namespace {

Status OpenDatabase(const std::string& path, std::unique_ptr<RingdbRocksDb>* database) {
  return OpenRingdbRocksDb(path + "/db", RocksDbMode::ReadWrite(),
                           RingdbRocksDbOptions(nullptr, RocksDbUse::kExisting, DefaultLogger()),
                           database);
}

Status Flush(RingdbRocksDb* database) {
  const rocksdb::Status status =
      database->db()->Flush(rocksdb::FlushOptions(), database->families());
  return status.ok() ? Status::OK() : Status::IOError("flushing RocksDB: " + status.ToString());
}

// Applies every salvageable record after the marker; *applied counts them.
Status ApplyReadable(const journal::JournalOptions& options, const std::string& dir,
                     RingdbRocksDb* database, uint64_t marker, uint64_t* applied,
                     SalvageCounts* counts) {
  Applier applier(database->db(), database->data(), database->meta());
  applier.ResetTo(marker);
  const Status status = ReadSalvageable(
      options, dir, marker,
      [&](const journal::Record& record) {
        const Status staged = applier.Stage(record.payload, record.first_sequence);
        if (!staged.ok() && !apply::JudgedFailed(staged)) {
          return apply::AtRecord(staged, record.segment, record.offset);
        }
        ++*applied;
        return *applied % 1024 == 0 ? applier.Commit() : Status::OK();
      },
      counts);
  return status.ok() ? applier.Commit() : status;
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
                      std::string* kept, uint64_t* last, SalvageCounts* counts) {
  namespace fs = std::filesystem;
  const std::string building = path + "/journal.salvage";
  std::error_code error;
  fs::remove_all(building, error);  // A leftover of an interrupted salvage.
  const Status status = WriteSalvagedJournal(base, path + "/journal", building, last, counts);
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

struct Salvaged {
  uint64_t marker = 0;
  uint64_t applied = 0;
  SalvageCounts counts;  // Of the whole journal, as copied into the new one.
  std::string kept;      // Where the damaged journal now is.
  uint64_t last = 0;     // The new journal's last sequence.
};

// The order makes an interrupted salvage safe to run again: the marker is rewritten only after
// the new journal is in place. Until then the marker (old numbering) is at or above the new
// journal's end, so either the numbering did not change or Open refuses with "journal ends
// before the marker", and a second salvage completes the job.
Status SalvageDatabase(const std::string& path, const journal::JournalOptions& journal_options,
                       Salvaged* salvaged) {
  std::unique_ptr<RingdbRocksDb> opened;
  if (Status status = OpenDatabase(path, &opened); !status.ok()) {
    return status;
  }
  RingdbRocksDb& database = *opened;
  Status status = Applier::ReadMarker(database.db(), database.meta(), &salvaged->marker);
  SalvageCounts past_marker;
  if (status.ok()) {
    status = ApplyReadable(journal_options, path + "/journal", &database, salvaged->marker,
                           &salvaged->applied, &past_marker);
  }
  if (status.ok()) {
    status = Flush(&database);
  }
  if (status.ok()) {
    status =
        RebuildJournal(path, journal_options, &salvaged->kept, &salvaged->last, &salvaged->counts);
  }
  if (status.ok()) {
    status = Applier::WriteMarker(database.db(), database.meta(), salvaged->last);
  }
  return status.ok() ? Flush(&database) : status;
}

void PrintSummary(const Salvaged& salvaged, bool json) {
  if (json) {
    std::printf("%s\n", JsonObject()
                            .Add("salvaged", true)
                            .Add("applied", salvaged.applied)
                            .Add("skipped", salvaged.counts.skipped)
                            .Add("dropped_out_of_order", salvaged.counts.dropped_out_of_order)
                            .Add("damaged_journal", salvaged.kept)
                            .Add("new_last_sequence", salvaged.last)
                            .str()
                            .c_str());
    return;
  }
  std::printf(
      "salvaged: applied %llu record(s) past marker %llu, skipped %llu damaged record(s), dropped "
      "%llu record(s) whose sequence was not above the last one kept; the damaged journal is kept "
      "in %s; the new journal holds the %llu kept record(s), renumbered from 1\n",
      static_cast<unsigned long long>(salvaged.applied),
      static_cast<unsigned long long>(salvaged.marker),
      static_cast<unsigned long long>(salvaged.counts.skipped),
      static_cast<unsigned long long>(salvaged.counts.dropped_out_of_order), salvaged.kept.c_str(),
      static_cast<unsigned long long>(salvaged.counts.kept));
}

}  // namespace

int Salvage(const CommonArgs& args) {
  Options options;
  Status status = LoadOptions(args.path, &options);
  if (!status.ok()) {
    return Fail("recover", status);
  }
  uint32_t record_bytes_max = 0;
  ReadOptionsFile(args.path, &options, &record_bytes_max).PermitUnchecked();
  const journal::JournalOptions journal_options = JournalOptionsFor(options, record_bytes_max);
  std::unique_ptr<FileLock> lock;
  status = LockDatabase(options.env, args.path, &lock);
  if (!status.ok()) {
    return Fail("recover", status);
  }
  Salvaged salvaged;
  status = SalvageDatabase(args.path, journal_options, &salvaged);
  if (!status.ok()) {
    return Fail("recover --mode skip-corrupted", status);
  }
  PrintSummary(salvaged, args.json);
  return kExitOk;
}

}  // namespace ringdb::tool
