// The engine's background threads: journaler, applier, checkpointer.
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "engine/apply_rules.h"
#include "engine/engine_impl.h"
#include "engine/group_gatherer.h"
#include "engine/txn_codec.h"
#include "util/assert.h"
#include "util/crash_point.h"

namespace ringdb {

namespace {

uint64_t MicrosSince(std::chrono::steady_clock::time_point start) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - start)
                                   .count());
}

}  // namespace

size_t EngineImpl::Gather(const Consumer* consumer, uint64_t first, uint64_t last,
                          std::span<const std::byte> pieces[2]) const {
  const std::span<const std::byte> head = consumer->slot(first);
  const size_t slot_bytes = head.size();
  const size_t length = txn::EncodedBytesOf(head.data());
  RINGDB_ASSERT(length >= txn::kHeaderBytes);
  RINGDB_ASSERT(length <= (last - first + 1) * slot_bytes);
  const uint64_t last_used = first + (length - 1) / slot_bytes;
  for (uint64_t sequence = first; sequence < last_used; ++sequence) {
    if (consumer->slot(sequence + 1).data() != consumer->slot(sequence).data() + slot_bytes) {
      const size_t head_bytes = static_cast<size_t>(sequence - first + 1) * slot_bytes;
      pieces[0] = std::span<const std::byte>(head.data(), head_bytes);
      pieces[1] =
          std::span<const std::byte>(consumer->slot(sequence + 1).data(), length - head_bytes);
      return 2;
    }
  }
  pieces[0] = std::span<const std::byte>(head.data(), length);
  return 1;
}

void EngineImpl::FailRun(Consumer* consumer, uint64_t first, uint64_t last, const Status& status) {
  const uint64_t mask = options_.ring_slot_count - 1;
  for (uint64_t sequence = first; sequence <= last;) {
    const SlotMeta meta = consumer->meta(sequence);
    const uint64_t batch_last = sequence + meta.batch_slot_count - 1;
    if (!meta.aborted && journal_sequence_by_slot_[batch_last & mask] != 0) {
      FailBatch(consumer, batch_last, status);
      journal_sequence_by_slot_[batch_last & mask] = 0;
    }
    sequence = batch_last + 1;
  }
}

void EngineImpl::FailBatch(Consumer* consumer, uint64_t batch_last, const Status& status) {
  // The writer's copy first, so that it is complete before anything can resolve the token.
  Status* outcome = outcome_by_slot_[batch_last & (options_.ring_slot_count - 1)];
  if (outcome != nullptr && outcome->ok()) {
    *outcome = status;  // The first failure wins, as in the ring.
  }
  consumer->Fail(batch_last, status);
}

void EngineImpl::JournalerLoop() {
  // Bounded by Close: once the ring is closed and the stage passed everything claimed before it,
  // WaitAvailable returns Aborted.
  for (;;) {
    if (!journal_consumer_->WaitAvailable(journal_stage_.next()).ok()) {
      break;
    }
    // A small group this thread journaled, it also applies (kInlineApplySlotsMax), after giving
    // the journal stage up so that the next group can start meanwhile.
    Stage::Hold apply;
    if (!journal_stage_.Run(
            [&](uint64_t next) { return JournalPass(next, true /*gather*/, &apply); })) {
      break;
    }
    if (apply.held()) {
      apply.Run([this](uint64_t next) { return ApplyPass(next); });
    }
  }
}

uint64_t EngineImpl::JournalPass(uint64_t next, bool gather, Stage::Hold* apply) {
  // Nothing there (a writer took it first): return at once rather than wait holding the stage,
  // which would keep every writer from running it.
  if (journal_consumer_->Available() < next) {
    return next;
  }
  Result<uint64_t> available = gather ? gatherer_->Next(next) : journal_consumer_->Available();
  if (!available.ok()) {
    return next;  // Closed and drained: the stage thread's wait says so next.
  }
  RINGDB_ASSERT(*available >= next);
  const auto started = std::chrono::steady_clock::now();
  JournalRun(next, *available);
  // Before the release: once the applier passes them, producers may reuse these slots.
  gatherer_->GroupDone(next, *available, std::chrono::steady_clock::now() - started);
  if (apply != nullptr && (!gather || *available - next + 1 <= kInlineApplySlotsMax)) {
    // Before the release, which wakes the apply stage's thread: held now, the stage is this
    // holder's to run next, and that thread finds it taken and goes back to waiting.
    apply->TryHold(&apply_stage_);
  }
  journal_consumer_->Release(*available);
  MaybeRetire();
  return *available + 1;
}

// Journals every transaction of one delivered run as one group: an Add each, one Commit. When
// the journal's group buffer fills up (Add says Busy), the group so far is committed and a new
// one starts; the run is released to the applier only once all of it is durable.
void EngineImpl::JournalRun(uint64_t first, uint64_t last) {
  const uint64_t mask = options_.ring_slot_count - 1;
  auto started = std::chrono::steady_clock::now();
  uint64_t group_first = first;
  uint64_t transactions = 0;
  uint64_t bytes = 0;
  for (uint64_t sequence = first; sequence <= last;) {
    const SlotMeta meta = journal_consumer_->meta(sequence);
    RINGDB_ASSERT(meta.batch_begin());
    const uint64_t batch_last = sequence + meta.batch_slot_count - 1;
    RINGDB_ASSERT(batch_last <= last);
    journal_sequence_by_slot_[batch_last & mask] = 0;
    if (meta.aborted) {
      sequence = batch_last + 1;
      continue;
    }
    if (faulted_.load(std::memory_order_acquire)) {
      FailBatch(journal_consumer_, batch_last, FaultStatus());
      failed_.fetch_add(1, std::memory_order_relaxed);
      sequence = batch_last + 1;
      continue;
    }
    std::span<const std::byte> pieces[2];
    const size_t piece_count = Gather(journal_consumer_, sequence, batch_last, pieces);
    uint64_t journal_sequence = 0;
    Status status = journal_->Add(1, std::span(pieces, piece_count), &journal_sequence);
    if (status.IsBusy() && transactions > 0) {
      if (!CommitGroup(group_first, sequence - 1, transactions, bytes, started)) {
        continue;  // Faulted: the loop fails this and every later transaction.
      }
      group_first = sequence;
      transactions = 0;
      bytes = 0;
      started = std::chrono::steady_clock::now();
      status = journal_->Add(1, std::span(pieces, piece_count), &journal_sequence);
    }
    if (!status.ok()) {
      SetFault(status);
      FailBatch(journal_consumer_, batch_last, status);
      failed_.fetch_add(1, std::memory_order_relaxed);
    } else {
      journal_sequence_by_slot_[batch_last & mask] = journal_sequence;
      ++transactions;
      bytes += pieces[0].size() + (piece_count == 2 ? pieces[1].size() : 0);
    }
    sequence = batch_last + 1;
  }
  if (transactions > 0) {
    CommitGroup(group_first, last, transactions, bytes, started);
  }
}

bool EngineImpl::CommitGroup(uint64_t group_first, uint64_t group_last, uint64_t transactions,
                             uint64_t bytes, std::chrono::steady_clock::time_point started) {
  const Status status = journal_->Commit();
  if (!status.ok()) {
    // Never retried: the page cache may already have dropped what the failed sync covered.
    SetFault(status);
    FailRun(journal_consumer_, group_first, group_last, status);
    failed_.fetch_add(transactions, std::memory_order_relaxed);
    return false;
  }
  fsync_latency_us_.Record(MicrosSince(started));
  group_transactions_.Record(transactions);
  // Published but not yet applied: how full the ring runs.
  ring_occupancy_.Record(journal_consumer_->Available() - apply_consumer_->sequence());
  journal_groups_.fetch_add(1, std::memory_order_relaxed);
  journal_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  journal_bytes_since_checkpoint_.fetch_add(bytes, std::memory_order_relaxed);
  RequestCheckpointIfDue();
  return true;
}

void EngineImpl::ApplierLoop() {
  // Bounded by Close, as JournalerLoop.
  for (;;) {
    if (!apply_consumer_->WaitAvailable(apply_stage_.next()).ok()) {
      break;
    }
    if (!apply_stage_.Run([this](uint64_t next) { return ApplyPass(next); })) {
      break;
    }
  }
}

uint64_t EngineImpl::ApplyPass(uint64_t next) {
  const uint64_t available = apply_consumer_->Available();
  if (available < next) {
    return next;
  }
  ApplyRun(next, available);
  apply_consumer_->Release(available);  // Resolves the run's tokens.
  return available + 1;
}

// Applies every journaled transaction of one run in one RocksDB write.
void EngineImpl::ApplyRun(uint64_t first, uint64_t last) {
  const uint64_t mask = options_.ring_slot_count - 1;
  const auto started = std::chrono::steady_clock::now();
  uint64_t staged = 0;
  for (uint64_t sequence = first; sequence <= last;) {
    const SlotMeta meta = apply_consumer_->meta(sequence);
    const uint64_t batch_last = sequence + meta.batch_slot_count - 1;
    const uint64_t journal_sequence = journal_sequence_by_slot_[batch_last & mask];
    const uint64_t begin = sequence;
    sequence = batch_last + 1;
    if (meta.aborted || journal_sequence == 0) {
      continue;  // Skipped, or its token already failed in the journaler.
    }
    if (faulted_.load(std::memory_order_acquire)) {
      FailBatch(apply_consumer_, batch_last, FaultStatus());
      failed_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    std::span<const std::byte> pieces[2];
    std::span<const std::byte> bytes;
    if (Gather(apply_consumer_, begin, batch_last, pieces) == 1) {
      bytes = pieces[0];
    } else {
      std::memcpy(apply_scratch_.data(), pieces[0].data(), pieces[0].size());
      std::memcpy(apply_scratch_.data() + pieces[0].size(), pieces[1].data(), pieces[1].size());
      bytes =
          std::span<const std::byte>(apply_scratch_.data(), pieces[0].size() + pieces[1].size());
    }
    const Status status = applier_->Stage(bytes, journal_sequence);
    if (status.ok()) {
      ++staged;
      continue;
    }
    FailBatch(apply_consumer_, batch_last, status);
    if (apply::JudgedFailed(status)) {
      conflicted_.fetch_add(1, std::memory_order_relaxed);
    } else {
      SetFault(status);
      // The failure may have been an early commit of this run's staged writes (Applier::Stage),
      // lost with it: none of the run so far is acknowledged.
      FailRun(apply_consumer_, first, batch_last, status);
      failed_.fetch_add(staged + 1, std::memory_order_relaxed);
      staged = 0;
    }
  }
  const Status status = applier_->Commit();
  if (!status.ok()) {
    SetFault(status);
    FailRun(apply_consumer_, first, last, status);  // Conflicts keep theirs: the first wins.
    failed_.fetch_add(staged, std::memory_order_relaxed);
    return;
  }
  RINGDB_CRASH_POINT("apply.after_write");
  committed_sequence_.store(applier_->committed_sequence(), std::memory_order_release);
  committed_.fetch_add(staged, std::memory_order_relaxed);
  if (staged > 0) {
    apply_latency_us_.Record(MicrosSince(started));
  }
}

void EngineImpl::RequestCheckpointIfDue() {
  if (journal_bytes_since_checkpoint_.load(std::memory_order_relaxed) <
      options_.checkpoint_journal_bytes) {
    return;
  }
  {
    std::lock_guard<std::mutex> lock(checkpoint_mutex_);
    if (checkpoint_requested_) {
      return;
    }
    checkpoint_requested_ = true;
  }
  checkpoint_cv_.notify_one();
}

// Retirement runs in the journal stage, whose holder owns the journal's write side.
void EngineImpl::MaybeRetire() {
  const uint64_t request = retire_request_.load(std::memory_order_acquire);
  if (request <= retired_through_) {
    return;
  }
  std::unique_lock<std::mutex> backup_guard(retire_mutex_, std::try_to_lock);
  if (!backup_guard.owns_lock()) {
    return;  // A backup is copying the journal; retire after it.
  }
  RINGDB_CRASH_POINT("checkpoint.before_retire");
  const Status status = journal_->Retire(request);
  if (!status.ok()) {
    logger_->warn("ringdb: retiring journal segments through {}: {}", request, status.ToString());
    return;
  }
  retired_through_ = request;
}

void EngineImpl::CheckpointerLoop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(checkpoint_mutex_);
      checkpoint_cv_.wait(lock, [this] { return checkpoint_requested_ || checkpointer_stop_; });
      if (checkpointer_stop_) {
        return;
      }
    }
    // Everything committed before the flush starts is in RocksDB's files once it returns.
    const uint64_t covered = committed_sequence_.load(std::memory_order_acquire);
    journal_bytes_since_checkpoint_.store(0, std::memory_order_relaxed);
    rocksdb::FlushOptions flush;
    flush.wait = true;
    const rocksdb::Status flushed = db_->Flush(flush, {data_, meta_});
    if (flushed.ok()) {
      checkpoint_sequence_.store(covered, std::memory_order_relaxed);
      retire_request_.store(covered, std::memory_order_release);
      checkpoints_.fetch_add(1, std::memory_order_relaxed);
    } else {
      logger_->warn("ringdb: checkpoint flush failed: {}", flushed.ToString());
    }
    std::lock_guard<std::mutex> lock(checkpoint_mutex_);
    checkpoint_requested_ = false;
  }
}

}  // namespace ringdb
