// Opening and closing the engine: directories, lock, RocksDB, journal, replay, ring, threads.
#include <algorithm>
#include <chrono>

#include <rocksdb/options.h>
#include <spdlog/spdlog.h>

#include "engine/apply_rules.h"
#include "engine/backup_files.h"
#include "engine/directories.h"
#include "engine/engine_impl.h"
#include "engine/journal_options_for.h"
#include "engine/options_file.h"
#include "engine/ring_options_for.h"
#include "engine/rocksdb_open.h"
#include "engine/rocksdb_options.h"
#include "engine/rocksdb_status.h"
#include "ringdb/env.h"
#include "util/assert.h"
#include "util/crash_point.h"

namespace ringdb {

namespace {

// Transactions replayed between two RocksDB writes during recovery: bounds the write batch.
constexpr uint64_t kReplayCommitEvery = 1024;

}  // namespace

Status Engine::Open(const Options& options, const std::string& path,
                    std::unique_ptr<Engine>* engine) {
  if (engine == nullptr) {
    return Status::InvalidArgument("Engine::Open: engine out-parameter is null");
  }
  engine->reset();
  Status status = options.Validate();
  if (!status.ok()) {
    return status;
  }
  if (path.empty()) {
    return Status::InvalidArgument("Engine::Open: path is empty");
  }
  // An unfinished backup is no database, whatever else it holds.
  status = backup::CheckNotIncomplete(options.env != nullptr ? options.env : Env::Default(), path);
  if (!status.ok()) {
    return status;
  }
  // What the database recorded of its past opens, judged before anything is written.
  status = CheckStoredOptions(options, path);
  if (!status.ok()) {
    return status;
  }
  auto impl = std::make_unique<EngineImpl>(options, path);
  status = impl->OpenAll();
  if (!status.ok()) {
    return status;
  }
  *engine = std::move(impl);
  return Status::OK();
}

EngineImpl::EngineImpl(const Options& options, std::string path)
    : options_(options),
      path_(std::move(path)),
      logger_(options.logger ? options.logger : DefaultLogger()),
      pipeline_(options.ring_slot_count, logger_) {}

EngineImpl::~EngineImpl() { Close().PermitUnchecked(); }

Status EngineImpl::OpenAll() {
  const auto started = std::chrono::steady_clock::now();
  Status status = PrepareDirectories();
  if (status.ok()) {
    status = LockDatabase(options_.env, path_, &lock_);
  }
  {
    WriterMutexLock db_lock(&db_mutex_);
    if (status.ok()) {
      status = OpenRocksDb();
    }
    if (status.ok()) {
      status = OpenJournal();
    }
    if (status.ok()) {
      status = Replay();
    }
    if (status.ok()) {
      status = StartRing();
    }
  }
  // Only once the engine is up: a later Open, and the `ringdb` command, reuse what it records.
  if (status.ok()) {
    status = WriteOptionsFile(path_, options_, journal_record_bytes_max_);
  }
  if (!status.ok()) {
    closed_.store(true, std::memory_order_release);
    StopThreads();
    MutexLock close_lock(&close_mutex_);
    CloseStorage().PermitUnchecked();  // The open's own failure is what the caller needs.
    return status;
  }
  recovery_.duration = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started);
  recovery_.summary = fmt::format(
      "opened {}: marker {}, journal through {}, replayed {} transaction(s) ({} conflicted), "
      "torn tail {}, {} record(s) skipped, in {} us",
      path_, recovery_.marker_sequence, recovery_.journal_last_sequence,
      recovery_.transactions_replayed, recovery_.transactions_conflicted,
      recovery_.torn_tail_truncated ? fmt::format("truncated ({} bytes)", recovery_.truncated_bytes)
                                    : std::string("none"),
      recovery_.records_skipped, recovery_.duration.count());
  logger_->info("ringdb: {}", recovery_.summary);
  return Status::OK();
}

// The database's own directory and journal/ through the Env, db/ through RocksDB's file system,
// each with its missing parents and each entry synced into its parent. journal/ comes first, so
// that no database ever holds RocksDB's CURRENT without its journal directory.
Status EngineImpl::PrepareDirectories() {
  Env* const env = options_.env != nullptr ? options_.env : Env::Default();
  rocksdb::FileSystem* const fs = RocksDbFileSystem();
  const std::string db_dir = path_ + "/db";
  const rocksdb::IOStatus current =
      fs->FileExists(db_dir + "/CURRENT", rocksdb::IOOptions(), nullptr);
  if (!current.ok() && !current.IsNotFound()) {
    return Status::IOError("cannot tell whether " + db_dir +
                           "/CURRENT exists: " + RocksDbErrorText(current));
  }
  const bool exists = current.ok();
  if (exists && options_.error_if_exists) {
    return Status::InvalidArgument("a database already exists at " + path_ +
                                   " and error_if_exists is set");
  }
  if (!exists && !options_.create_if_missing) {
    return Status::NotFound("no database at " + path_ + " and create_if_missing is false");
  }
  if (env->FileExists(path_)) {
    if (Result<std::vector<std::string>> listed = env->ListDir(path_); !listed.ok()) {
      return Status::InvalidArgument(path_ + " exists and is not a directory that can be read: " +
                                     std::string(listed.status().message()));
    }
  }
  Status status = CreateDirectoriesDurably(env, path_ + "/journal", "Engine::Open");
  if (status.ok()) {
    status = CreateRocksDbDirectoriesDurably(fs, db_dir, "Engine::Open");
  }
  return status;
}

rocksdb::FileSystem* EngineImpl::RocksDbFileSystem() const {
  return RocksDbFileSystemOf(options_.rocksdb_options.get());
}

Status EngineImpl::OpenRocksDb() {
  if (Status status = OpenRingdbRocksDb(
          path_ + "/db", RocksDbMode::ReadWrite(),
          RingdbRocksDbOptions(options_.rocksdb_options.get(), RocksDbUse::kEngine, logger_),
          &rocksdb_);
      !status.ok()) {
    return status;
  }
  applier_ = std::make_unique<Applier>(db(), data(), meta());
  return Applier::ReadMarker(db(), meta(), &recovery_.marker_sequence);
}

Status EngineImpl::OpenJournal() {
  Options previous;
  uint32_t record_bytes_max_seen = 0;
  // Absent on a new database; a damaged file only loses the floor, which Validate reports if
  // it matters.
  ReadOptionsFile(path_, &previous, &record_bytes_max_seen, options_.env).PermitUnchecked();
  journal::JournalOptions journal_options = JournalOptionsFor(options_, record_bytes_max_seen);
  journal_record_bytes_max_ = journal_options.record_bytes_max;
  journal_options.logger = logger_;
  // Recovery decides from a read-only scan and refuses, changing nothing, when it would keep less
  // than RocksDB already holds.
  journal_options.applied_sequence = recovery_.marker_sequence;
  journal::RecoveryReport report;
  Status status = journal::Journal::Open(journal_options, path_ + "/journal", &report, &journal_);
  if (!status.ok()) {
    return status;
  }
  recovery_.journal_last_sequence = journal_->last_sequence();
  recovery_.torn_tail_truncated = report.torn_tail_truncated;
  recovery_.truncated_bytes = report.truncated_bytes;
  recovery_.records_skipped = report.records_skipped;
  if (journal_->last_sequence() < recovery_.marker_sequence) {
    return Status::Corruption(fmt::format(
        "the journal in {}/journal ends at sequence {}, before RocksDB's applied marker {}: "
        "journal segments are missing",
        path_, journal_->last_sequence(), recovery_.marker_sequence));
  }
  return Status::OK();
}

Status EngineImpl::Replay() {
  applier_->ResetTo(recovery_.marker_sequence);
  Status status =
      journal_->Replay(recovery_.marker_sequence, [this](const journal::Record& record) {
        if (record.count != 1) {
          return Status::Corruption(fmt::format(
              "journal record at {} offset {} holds {} transactions; this engine writes one per "
              "record",
              record.segment, record.offset, record.count));
        }
        Status staged = applier_->Stage(record.payload, record.first_sequence);
        if (apply::JudgedFailed(staged)) {
          // Live apply failed this transaction's token the same way; replay must agree.
          ++recovery_.transactions_conflicted;
        } else if (!staged.ok()) {
          return apply::AtRecord(staged, record.segment, record.offset);
        }
        ++recovery_.transactions_replayed;
        Status committed = Status::OK();
        if (recovery_.transactions_replayed % kReplayCommitEvery == 0) {
          committed = applier_->Commit();
        }
        RINGDB_CRASH_POINT("recovery.replay");
        return committed;
      });
  if (status.ok()) {
    status = applier_->Commit();
  }
  // Replay applies only what the journal holds, all of it durable: marker <= durable <= head.
  RINGDB_ASSERT(applier_->committed_sequence() <= journal_->durable_sequence());
  RINGDB_ASSERT(journal_->durable_sequence() <= journal_->last_sequence());
  return status;
}

Status EngineImpl::StartRing() {
  RingOptions ring_options = RingOptionsFor(options_);
  ring_options.logger = logger_;
  Status status = RingBuffer::Create(ring_options, &ring_);
  if (!status.ok()) {
    return status;
  }
  auto journal_consumer = ring_->AddConsumer("journal");
  if (!journal_consumer.ok()) {
    return journal_consumer.status();
  }
  journal_consumer_ = *journal_consumer;
  Consumer* const after[] = {journal_consumer_};
  auto apply_consumer = ring_->AddConsumer("apply", after);
  if (!apply_consumer.ok()) {
    return apply_consumer.status();
  }
  apply_consumer_ = *apply_consumer;
  // The apply stage starts where replay left the applier.
  apply_stage_ = std::make_unique<ApplyStage>(applier_.get(), apply_consumer_, journal_consumer_,
                                              &pipeline_, options_.transaction_bytes_max);
  checkpointer_ = std::make_unique<Checkpointer>(db(), data(), meta(), apply_stage_.get(),
                                                 options_.checkpoint_journal_bytes, logger_);
  journaler_ =
      std::make_unique<Journaler>(journal_.get(), journal_consumer_, apply_consumer_, &pipeline_,
                                  checkpointer_.get(), apply_stage_.get(), logger_);
  journaler_->Start();
  apply_stage_->Start();
  checkpointer_->Start();
  return Status::OK();
}

Status EngineImpl::Close() { return CloseUntil(std::nullopt); }

Status EngineImpl::Close(std::chrono::milliseconds timeout) {
  return CloseUntil(std::chrono::steady_clock::now() + timeout);
}

std::string EngineImpl::OpenReaders() const {
  return fmt::format("{} live iterator(s) and {} unreleased snapshot(s)", live_iterators_,
                     live_snapshots_);
}

Status EngineImpl::WaitForReaders(std::optional<std::chrono::steady_clock::time_point> deadline) {
  // Long enough that readers finishing their work are not reported, short enough that a Close
  // held by a forgotten iterator says so while someone is still looking.
  constexpr std::chrono::seconds kReportAfter{1};
  MutexLock lock(&readers_mutex_);
  readers_closed_ = true;  // No new readers from now on, so that a stream of them cannot starve us.
  const auto report_at = std::chrono::steady_clock::now() + kReportAfter;
  const auto first_wait_end = deadline ? std::min(*deadline, report_at) : report_at;
  while (!NoReaders() && readers_cv_.WaitUntil(&readers_mutex_, first_wait_end)) {
  }
  if (!NoReaders()) {
    if (!deadline || *deadline > report_at) {
      logger_->warn("ringdb: Close of {} waits for {} to be destroyed or released", path_,
                    OpenReaders());
    }
    if (!deadline) {
      while (!NoReaders()) {
        readers_cv_.Wait(&readers_mutex_);
      }
    } else {
      while (!NoReaders() && readers_cv_.WaitUntil(&readers_mutex_, *deadline)) {
      }
      if (!NoReaders()) {
        return Status::TimedOut("Close of " + path_ + " timed out waiting for " + OpenReaders() +
                                "; destroy the iterators, release the snapshots "
                                "(ReleaseSnapshot), then Close again");
      }
    }
  }
  return Status::OK();
}

// Close's last work on an engine that did not fail: RocksDB's memtables into its files, the
// journal below them retired, the journal marked closed cleanly.
Status EngineImpl::FlushAndRetire() {
  if (rocksdb_ == nullptr) {
    return Status::OK();
  }
  rocksdb::FlushOptions flush;
  flush.wait = true;
  const rocksdb::Status flushed = db()->Flush(flush, {data(), meta()});
  if (!flushed.ok()) {
    return Status::IOError("flushing RocksDB at close: " + flushed.ToString());
  }
  if (journal_ == nullptr) {
    return Status::OK();
  }
  // Everything applied is now in RocksDB's files: the journal below it is not needed to reopen.
  // The journal stage has stopped, so this thread may use the journal.
  const uint64_t committed = CommittedSequence();
  RINGDB_ASSERT(committed <= journal_->durable_sequence());
  const Status retired = journal_->Retire(committed);
  if (!retired.ok()) {
    logger_->warn("ringdb: retiring the journal through {} at close: {}", committed,
                  retired.ToString());
  }
  // The mark of a clean close: damage before this end is corruption at the next open.
  const Status closed = journal_->Close();
  if (!closed.ok()) {
    logger_->warn("ringdb: marking the journal closed cleanly: {}", closed.ToString());
  }
  return Status::OK();
}

Status EngineImpl::CloseUntil(std::optional<std::chrono::steady_clock::time_point> deadline) {
  MutexLock close_lock(&close_mutex_);
  if (storage_closed_) {
    return Status::OK();
  }
  closed_.store(true, std::memory_order_release);
  StopThreads();
  if (Status readers = WaitForReaders(deadline); !readers.ok()) {
    return readers;
  }
  Status status = pipeline_.FaultStatus();
  if (status.ok() && journaler_ != nullptr) {
    // Retirement below waits for a backup still copying the journal; the lock order is the
    // backup's, retire_mutex() before db_mutex_.
    MutexLock no_backup(journaler_->retire_mutex());
    ReaderMutexLock db_lock(&db_mutex_);
    status = FlushAndRetire();
  }
  // What failed while RocksDB closed (its MANIFEST, say) is reported, not only logged.
  const Status storage = CloseStorage();
  return status.ok() ? storage : status;
}

void EngineImpl::StopThreads() {
  if (ring_ != nullptr) {
    ring_->Close();  // Consumers drain what was published, then their waits end.
  }
  if (journaler_ != nullptr) {
    journaler_->JoinThread();
  }
  if (apply_stage_ != nullptr) {
    apply_stage_->JoinThread();
  }
  // A writer may still be in a pass it began before the threads ended; none begins after.
  if (journaler_ != nullptr) {
    journaler_->stage().Stop();
  }
  if (apply_stage_ != nullptr) {
    apply_stage_->stage().Stop();
  }
  if (checkpointer_ != nullptr) {
    checkpointer_->Stop();
  }
}

Status EngineImpl::CloseStorage() {
  Status status = Status::OK();
  WriterMutexLock db_lock(&db_mutex_);
  journal_.reset();
  applier_.reset();
  if (rocksdb_ != nullptr) {
    // The column family handles go first, then the database.
    const rocksdb::Status closed = rocksdb_->Close();
    if (!closed.ok()) {
      logger_->warn("ringdb: closing RocksDB at {}: {}", path_, closed.ToString());
      status = Status::IOError("closing RocksDB at " + path_ + ": " + closed.ToString());
    }
    rocksdb_.reset();
  }
  lock_.reset();
  storage_closed_ = true;
  return status;
}

}  // namespace ringdb
