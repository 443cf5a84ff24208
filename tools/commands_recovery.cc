// Subcommands that rebuild state: recover and replay.
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>

#include <rocksdb/db.h>

#include "engine/applier.h"
#include "engine/apply_rules.h"
#include "engine/journal_options_for.h"
#include "engine/options_file.h"
#include "engine/rocksdb_open.h"
#include "engine/rocksdb_options.h"
#include "journal/journal.h"
#include "journal/journal_reader.h"
#include "ringdb/ringdb.h"
#include "tools/commands.h"
#include "tools/salvage.h"
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
Status OpenFreshRocksDb(const std::string& path, const std::shared_ptr<spdlog::logger>& logger,
                        std::unique_ptr<RingdbRocksDb>* rocks) {
  // Made here, so that RocksDB does not log a missing directory as an error before making it.
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    return Status::IOError("creating " + path + ": " + error.message());
  }
  return OpenRingdbRocksDb(path, RocksDbMode::ReadWrite(),
                           RingdbRocksDbOptions(nullptr, RocksDbUse::kNewCopy, logger), rocks);
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

namespace {

// The message for a journal whose first transactions were retired: replay rebuilds from an empty
// state, so it needs the whole history, which only a retention set before they were written keeps.
Status HistoryRetired(const journal::RecoveryReport& scan) {
  return Status::NotFound(
      "the journal starts at sequence " + std::to_string(scan.first_sequence) +
      ": transactions 1.." + std::to_string(scan.first_sequence - 1) +
      " were checkpointed into RocksDB and their segments retired, so a replay from an empty state "
      "cannot rebuild them. To replay this database's history, open it with "
      "Options::journal_retention_transactions of at least " +
      std::to_string(scan.last_sequence) +
      " (the transactions it holds now; more as it grows) before the transactions are written; "
      "to copy its current state, use `ringdb backup`");
}

// The database replay writes: RocksDB rebuilt by the applier in <into>/db, and the replayed
// records copied, with their sequences, into a new journal in <into>/journal, so that the
// result is a ringdb database that every subcommand opens and whose marker its journal covers.
class ReplayTarget {
 public:
  Status Open(const std::string& into, const Options& options, uint32_t record_bytes_max) {
    into_ = into;
    options_ = options;
    record_bytes_max_ = record_bytes_max;
    Status status = OpenFreshRocksDb(into + "/db", options.logger, &rocks_);
    if (!status.ok()) {
      return status;
    }
    journal::JournalOptions journal_options = JournalOptionsFor(options, record_bytes_max);
    journal_options.create_if_missing = true;
    journal_options.sync_mode = SyncMode::kFdatasync;
    journal_options.logger = options.logger;
    journal::RecoveryReport opened;
    status = journal::Journal::Open(journal_options, into + "/journal", &opened, &journal_);
    if (status.ok()) {
      applier_ = std::make_unique<Applier>(rocks_->db(), rocks_->data(), rocks_->meta());
    }
    return status;
  }

  // Applies one record and copies it into the new journal under the same sequence.
  Status Add(const journal::Record& record, bool* conflicted) {
    const Status staged = applier_->Stage(record.payload, record.first_sequence);
    *conflicted = apply::JudgedFailed(staged);
    if (!staged.ok() && !*conflicted) {
      return apply::AtRecord(staged, record.segment, record.offset);
    }
    uint64_t sequence = 0;
    Status status = AppendRecord(journal_.get(), record, &sequence);
    if (status.ok() && sequence != record.first_sequence) {
      status = Status::Corruption("replay: record at " + std::string(record.segment) + " offset " +
                                  std::to_string(record.offset) + " has sequence " +
                                  std::to_string(record.first_sequence) + ", expected " +
                                  std::to_string(sequence));
    }
    if (status.ok() && ++added_ % 1024 == 0) {
      status = applier_->Commit();
    }
    return status;
  }

  // The journal is synced before RocksDB is flushed, so the marker never runs ahead of it; the
  // OPTIONS file comes last and marks the database complete.
  Status Finish() {
    Status status = applier_->Commit();
    if (status.ok()) {
      status = journal_->Commit();
    }
    if (status.ok()) {
      status = journal_->Close();
    }
    if (status.ok()) {
      const rocksdb::Status flushed =
          rocks_->db()->Flush(rocksdb::FlushOptions(), rocks_->families());
      status = flushed.ok() ? Status::OK()
                            : Status::IOError("flushing " + into_ + "/db: " + flushed.ToString());
    }
    if (status.ok()) {
      status = WriteOptionsFile(into_, options_, record_bytes_max_);
    }
    return status;
  }

  uint64_t committed_sequence() const { return applier_->committed_sequence(); }

  ~ReplayTarget() {
    applier_.reset();
    journal_.reset();
    rocks_.reset();
  }

 private:
  std::string into_;
  Options options_;
  uint32_t record_bytes_max_ = 0;
  std::unique_ptr<RingdbRocksDb> rocks_;
  std::unique_ptr<journal::Journal> journal_;
  std::unique_ptr<Applier> applier_;
  uint64_t added_ = 0;
};

void PrintReplayed(const CommonArgs& args, const std::string& into, uint64_t replayed,
                   uint64_t conflicted, uint64_t through, double seconds) {
  if (args.json) {
    std::printf("%s\n", JsonObject()
                            .Add("into", into)
                            .Add("replayed", replayed)
                            .Add("conflicted", conflicted)
                            .Add("through_sequence", through)
                            .Add("seconds", seconds)
                            .str()
                            .c_str());
    return;
  }
  std::printf(
      "replayed %llu transactions (%llu failed their preconditions, as they did live) "
      "through sequence %llu into %s in %.2f s; it is a ringdb database: ringdb scan %s\n",
      static_cast<unsigned long long>(replayed), static_cast<unsigned long long>(conflicted),
      static_cast<unsigned long long>(through), into.c_str(), seconds, into.c_str());
}

}  // namespace

int Replay(const CommonArgs& args, const std::string& into, uint64_t to_sequence) {
  Options options;
  Status status = LoadOptions(args.path, &options);
  if (!status.ok()) {
    return Fail("replay", status);
  }
  uint32_t record_bytes_max = 0;
  ReadOptionsFile(args.path, &options, &record_bytes_max).PermitUnchecked();
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
    return Fail("replay", HistoryRetired(scan));
  }
  ReplayTarget target;
  status = target.Open(into, options, record_bytes_max);
  if (!status.ok()) {
    return Fail("replay", status);
  }
  uint64_t replayed = 0;
  uint64_t conflicted = 0;
  Progress progress(to_sequence != 0 ? std::min(to_sequence, scan.last_sequence)
                                     : scan.last_sequence);
  const auto started = std::chrono::steady_clock::now();
  journal::RecoveryReport report;
  status = reader->Read(
      0,
      [&](const journal::Record& record) {
        if (to_sequence != 0 && record.first_sequence > to_sequence) {
          return Status::Aborted("reached --to-seq");
        }
        bool failed_precondition = false;
        const Status added = target.Add(record, &failed_precondition);
        conflicted += failed_precondition ? 1 : 0;
        progress.Update(++replayed);
        return added;
      },
      &report);
  if (status.ok() || status.IsAborted()) {
    status = target.Finish();
  }
  if (!status.ok()) {
    return Fail("replay", status);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  PrintReplayed(args, into, replayed, conflicted, target.committed_sequence(), seconds);
  return kExitOk;
}

}  // namespace ringdb::tool
