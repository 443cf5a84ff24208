// Subcommands that rebuild or copy state: recover, replay, backup.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include <rocksdb/db.h>

#include "engine/column_families.h"
#include "engine/rocksdb_logger.h"
#include "engine/applier.h"
#include "journal/journal_reader.h"
#include "ringdb/ringdb.h"
#include "tools/commands.h"
#include "tools/tool_common.h"

namespace ringdb::tool {

namespace {

Status ParseMode(const std::string& text, RecoveryMode* mode) {
  if (text == "absolute") {
    *mode = RecoveryMode::kAbsoluteConsistency;
  } else if (text == "tolerate-torn-tail") {
    *mode = RecoveryMode::kTolerateTornTail;
  } else if (text == "point-in-time") {
    *mode = RecoveryMode::kPointInTime;
  } else if (text == "skip-corrupted") {
    *mode = RecoveryMode::kSkipCorrupted;
  } else {
    return Status::InvalidArgument("unknown recovery mode '" + text +
                                   "': use absolute, tolerate-torn-tail, point-in-time or "
                                   "skip-corrupted");
  }
  return Status::OK();
}

// A fresh RocksDB with ringdb's column families, for replay --into.
Status OpenFreshRocksDb(const std::string& path, std::unique_ptr<rocksdb::DB>* db,
                        std::vector<rocksdb::ColumnFamilyHandle*>* handles) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.error_if_exists = true;
  options.create_missing_column_families = true;
  options.atomic_flush = true;
  ApplyRingdbRocksDbSettings(&options, DefaultLogger());  // No LOG file: rocksdb_logger.h.
  // Made here, so that RocksDB does not log a missing directory as an error before making it.
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return Status::IOError("creating " + path + ": " + error.message());
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families = RingdbColumnFamilies();
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(options, path, families, handles, &raw);
  if (!status.ok()) {
    return Status::IOError("creating RocksDB at " + path + ": " + status.ToString());
  }
  db->reset(raw);
  return Status::OK();
}

// Progress on stderr, only when it is a terminal and the replay is long.
class Progress {
 public:
  explicit Progress(uint64_t total) : total_(total), terminal_(isatty(STDERR_FILENO) == 1) {}
  void Update(uint64_t done) {
    if (!terminal_ || total_ < 100000 || done % 10000 != 0) {
      return;
    }
    const int width = 40;
    const int filled = static_cast<int>(width * done / total_);
    std::fprintf(stderr, "\rreplay [%s%s] %llu/%llu", std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(), static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total_));
  }
  ~Progress() {
    if (terminal_ && total_ >= 100000) {
      std::fprintf(stderr, "\n");
    }
  }

 private:
  uint64_t total_;
  bool terminal_;
};

}  // namespace

int Recover(const CommonArgs& args, const std::string& mode_text) {
  RecoveryMode mode = RecoveryMode::kTolerateTornTail;
  Status status = ParseMode(mode_text, &mode);
  if (!status.ok()) {
    return Fail("recover", status);
  }
  if (mode == RecoveryMode::kSkipCorrupted) {
    return Salvage(args);
  }
  Options options;
  status = LoadOptions(args.path, &options);
  if (!status.ok()) {
    return Fail("recover", status);
  }
  options.recovery_mode = mode;
  std::unique_ptr<Engine> engine;
  status = Engine::Open(options, args.path, &engine);
  if (!status.ok()) {
    return Fail("recover " + args.path, status);
  }
  const RecoveryInfo& info = engine->recovery();
  if (args.json) {
    std::printf("%s\n", JsonObject()
                            .Add("marker", info.marker_sequence)
                            .Add("journal_last_sequence", info.journal_last_sequence)
                            .Add("replayed", info.transactions_replayed)
                            .Add("conflicted", info.transactions_conflicted)
                            .Add("torn_tail_truncated", info.torn_tail_truncated)
                            .Add("truncated_bytes", info.truncated_bytes)
                            .Add("skipped", info.records_skipped)
                            .Add("duration_us", static_cast<uint64_t>(info.duration.count()))
                            .str()
                            .c_str());
  } else {
    std::printf("%s\n", info.summary.c_str());
  }
  status = engine->Close();
  return status.ok() ? kExitOk : Fail("recover: closing", status);
}

int Replay(const CommonArgs& args, const std::string& into, uint64_t to_sequence) {
  Status status = CheckDatabase(args.path);
  if (!status.ok()) {
    return Fail("replay", status);
  }
  std::error_code error;
  if (std::filesystem::exists(into, error) && !std::filesystem::is_empty(into, error)) {
    return Fail("replay", Status::InvalidArgument("--into " + into + " exists and is not empty"));
  }
  std::unique_ptr<journal::JournalReader> reader;
  status = OpenJournalReader(args.path, RecoveryMode::kTolerateTornTail, &reader);
  if (!status.ok()) {
    return Fail("replay", status);
  }
  journal::RecoveryReport scan;
  status = reader->Verify(&scan);
  if (!status.ok()) {
    return Fail("replay: the journal", status);
  }
  if (scan.first_sequence > 1) {
    return Fail("replay", Status::NotFound(
        "the journal starts at sequence " + std::to_string(scan.first_sequence) +
        ": earlier transactions were checkpointed and retired, so a replay from empty cannot "
        "rebuild them (keep them with Options::journal_retention_transactions)"));
  }
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  status = OpenFreshRocksDb(into, &db, &handles);
  if (!status.ok()) {
    return Fail("replay", status);
  }
  Applier applier(db.get(), handles[0], handles[1]);
  uint64_t replayed = 0;
  uint64_t conflicted = 0;
  Progress progress(to_sequence != 0 ? std::min(to_sequence, scan.last_sequence)
                                     : scan.last_sequence);
  const auto started = std::chrono::steady_clock::now();
  journal::RecoveryReport report;
  status = reader->Read(0, [&](const journal::Record& record) {
    if (to_sequence != 0 && record.first_sequence > to_sequence) {
      return Status::Aborted("reached --to-seq");
    }
    const Status staged = applier.Stage(record.payload, record.first_sequence);
    if (staged.IsConflict() || staged.IsCorruption()) {
      ++conflicted;
    } else if (!staged.ok()) {
      return staged;
    }
    progress.Update(++replayed);
    return replayed % 1024 == 0 ? applier.Commit() : Status::OK();
  }, &report);
  if (status.ok() || status.IsAborted()) {
    status = applier.Commit();
  }
  if (status.ok()) {
    const rocksdb::Status flushed = db->Flush(rocksdb::FlushOptions(), handles);
    status = flushed.ok() ? Status::OK() : Status::IOError(flushed.ToString());
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db.reset();
  if (!status.ok()) {
    return Fail("replay", status);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (args.json) {
    std::printf("%s\n", JsonObject()
                            .Add("into", into)
                            .Add("replayed", replayed)
                            .Add("conflicted", conflicted)
                            .Add("through_sequence", applier.committed_sequence())
                            .Add("seconds", seconds)
                            .str()
                            .c_str());
  } else {
    std::printf("replayed %llu transactions (%llu failed their preconditions, as they did live) "
                "through sequence %llu into %s in %.2f s\n",
                static_cast<unsigned long long>(replayed),
                static_cast<unsigned long long>(conflicted),
                static_cast<unsigned long long>(applier.committed_sequence()), into.c_str(),
                seconds);
  }
  return kExitOk;
}

int Backup(const CommonArgs& args, const std::string& target) {
  Options options;
  Status status = LoadOptions(args.path, &options);
  if (!status.ok()) {
    return Fail("backup", status);
  }
  std::unique_ptr<Engine> engine;
  status = Engine::Open(options, args.path, &engine);
  if (!status.ok()) {
    return Fail("backup: opening " + args.path, status);
  }
  status = engine->Backup(target);
  if (!status.ok()) {
    return Fail("backup", status);
  }
  if (args.json) {
    std::printf("%s\n", JsonObject().Add("backup", target).Add("ok", true).str().c_str());
  } else {
    std::printf("backup written to %s (open it with: ringdb recover %s)\n", target.c_str(),
                target.c_str());
  }
  status = engine->Close();
  return status.ok() ? kExitOk : Fail("backup: closing", status);
}

}  // namespace ringdb::tool
