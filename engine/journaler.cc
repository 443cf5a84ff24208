#include "engine/journaler.h"

#include <spdlog/spdlog.h>

#include "engine/apply_stage.h"
#include "engine/checkpointer.h"
#include "util/assert.h"
#include "util/crash_point.h"
#include "util/thread_name.h"

namespace ringdb {

Journaler::Journaler(journal::Journal* journal, Consumer* consumer, const Consumer* apply_consumer,
                     Pipeline* pipeline, Checkpointer* checkpointer, ApplyStage* apply_stage,
                     std::shared_ptr<spdlog::logger> logger)
    : journal_(journal),
      consumer_(consumer),
      apply_consumer_(apply_consumer),
      pipeline_(pipeline),
      checkpointer_(checkpointer),
      apply_stage_(apply_stage),
      logger_(std::move(logger)),
      gatherer_(consumer),
      last_journal_sequence_(journal->last_sequence()) {
  RINGDB_ASSERT(consumer_ != nullptr && apply_consumer_ != nullptr && pipeline_ != nullptr);
  RINGDB_ASSERT(checkpointer_ != nullptr && apply_stage_ != nullptr);
}

Journaler::~Journaler() {
  RINGDB_ASSERT(!thread_.joinable());  // The engine joins it before tearing the stage down.
}

void Journaler::Start() {
  RINGDB_ASSERT(!thread_.joinable());
  thread_ = std::thread([this] { Loop(); });
  internal::NameThread(thread_, "ringdb:journal");
}

void Journaler::JoinThread() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void Journaler::Loop() {
  // Bounded by Close: once the ring is closed and the stage passed everything claimed before it,
  // WaitAvailable returns Aborted.
  for (;;) {
    if (!consumer_->WaitAvailable(stage_.next()).ok()) {
      break;
    }
    // A small group this thread journaled, it also applies (kInlineApplySlotsMax), after giving
    // the journal stage up so that the next group can start meanwhile.
    Stage::Hold apply;
    if (!stage_.Run([&](uint64_t next) { return Pass(next, true /*gather*/, &apply); })) {
      break;
    }
    if (apply.held()) {
      apply.Run([this](uint64_t next) { return apply_stage_->Pass(next); });
    }
  }
}

uint64_t Journaler::Pass(uint64_t next, bool gather, Stage::Hold* apply) {
  stage_.AssertHeld();
  // Nothing there (a writer took it first): return at once rather than wait holding the stage,
  // which would keep every writer from running it.
  if (consumer_->Available() < next) {
    return next;
  }
  Result<uint64_t> available = gather ? gatherer_.Next(next) : consumer_->Available();
  if (!available.ok()) {
    return next;  // Closed and drained: the stage thread's wait says so next.
  }
  RINGDB_ASSERT(*available >= next);
  // The ring delivers in order and the stage hands on exactly what it passed.
  RINGDB_ASSERT(consumer_->sequence() + 1 == next);
  const auto started = std::chrono::steady_clock::now();
  JournalRun(next, *available);
  // Before the release: once the applier passes them, producers may reuse these slots.
  gatherer_.GroupDone(next, *available, std::chrono::steady_clock::now() - started);
  if (apply != nullptr && (!gather || *available - next + 1 <= kInlineApplySlotsMax)) {
    // Before the release, which wakes the apply stage's thread: held now, the stage is this
    // holder's to run next, and that thread finds it taken and goes back to waiting.
    apply->TryHold(&apply_stage_->stage());
  }
  consumer_->Release(*available);
  MaybeRetire();
  return *available + 1;
}

// Journals every transaction of one delivered run as one group: an Add each, one Commit. When
// the journal's group buffer fills up (Add says Busy), the group so far is committed and a new
// one starts; the run is released to the applier only once all of it is durable.
void Journaler::JournalRun(uint64_t first, uint64_t last) {
  auto started = std::chrono::steady_clock::now();
  uint64_t group_first = first;
  uint64_t transactions = 0;
  uint64_t bytes = 0;
  for (uint64_t sequence = first; sequence <= last;) {
    const SlotMeta meta = consumer_->meta(sequence);
    RINGDB_ASSERT(meta.batch_begin());
    const uint64_t batch_last = sequence + meta.batch_slot_count - 1;
    RINGDB_ASSERT(batch_last <= last);
    pipeline_->set_journal_sequence(batch_last, 0);
    if (meta.aborted) {
      sequence = batch_last + 1;
      continue;
    }
    if (pipeline_->faulted()) {
      pipeline_->FailBatch(consumer_, batch_last, pipeline_->FaultStatus());
      pipeline_->CountFailed(1);
      sequence = batch_last + 1;
      continue;
    }
    std::span<const std::byte> pieces[2];
    const size_t piece_count = Pipeline::Gather(consumer_, sequence, batch_last, pieces);
    uint64_t journal_sequence = 0;
    Status status = journal_->Add(1, std::span(pieces, piece_count), &journal_sequence);
    if (status.IsBusy() && transactions > 0) {
      // The group so far is CommitGroup's from here, committed or failed and counted: the next
      // group starts empty either way, or the run's end would commit (and count) it again.
      const bool committed = CommitGroup(group_first, sequence - 1, transactions, bytes, started);
      group_first = sequence;
      transactions = 0;
      bytes = 0;
      started = std::chrono::steady_clock::now();
      if (!committed) {
        continue;  // Faulted: the loop fails this and every later transaction.
      }
      status = journal_->Add(1, std::span(pieces, piece_count), &journal_sequence);
    }
    if (!status.ok()) {
      pipeline_->SetFault(status);
      pipeline_->FailBatch(consumer_, batch_last, status);
      pipeline_->CountFailed(1);
    } else {
      // One journal order: the ring's. Each transaction follows the one journaled before it.
      RINGDB_ASSERT(journal_sequence > last_journal_sequence_);
      last_journal_sequence_ = journal_sequence;
      pipeline_->set_journal_sequence(batch_last, journal_sequence);
      ++transactions;
      bytes += pieces[0].size() + (piece_count == 2 ? pieces[1].size() : 0);
    }
    sequence = batch_last + 1;
  }
  if (transactions > 0) {
    CommitGroup(group_first, last, transactions, bytes, started);
  }
}

bool Journaler::CommitGroup(uint64_t group_first, uint64_t group_last, uint64_t transactions,
                            uint64_t bytes, std::chrono::steady_clock::time_point started) {
  const Status status = journal_->Commit();
  if (!status.ok()) {
    // Never retried: the page cache may already have dropped what the failed sync covered.
    pipeline_->SetFault(status);
    pipeline_->FailRun(consumer_, group_first, group_last, status);
    pipeline_->CountFailed(transactions);
    return false;
  }
  // Everything handed out is durable now, and nothing is retired that is not.
  RINGDB_ASSERT(journal_->durable_sequence() == last_journal_sequence_);
  RINGDB_ASSERT(checkpointer_->retire_request() <= journal_->durable_sequence());
  fsync_latency_us_.Record(MicrosSince(started));
  group_transactions_.Record(transactions);
  // Published but not yet applied: how full the ring runs.
  ring_occupancy_.Record(consumer_->Available() - apply_consumer_->sequence());
  groups_.fetch_add(1, std::memory_order_relaxed);
  bytes_.fetch_add(bytes, std::memory_order_relaxed);
  checkpointer_->Journaled(bytes);
  return true;
}

// Retirement runs in the journal stage, whose holder owns the journal's write side.
void Journaler::MaybeRetire() {
  const uint64_t request = checkpointer_->retire_request();
  if (request <= retired_through_) {
    return;
  }
  if (!retire_mutex_.TryLock()) {
    return;  // A backup is copying the journal; retire after it.
  }
  RINGDB_CRASH_POINT("checkpoint.before_retire");
  const Status status = journal_->Retire(request);
  retire_mutex_.Unlock();
  if (!status.ok()) {
    logger_->warn("ringdb: retiring journal segments through {}: {}", request, status.ToString());
    return;
  }
  retired_through_ = request;
}

}  // namespace ringdb
