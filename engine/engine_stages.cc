// The apply stage: its thread, and the pass that whichever thread holds it runs. The journal stage
// is the Journaler (journaler.h), the checkpointer the Checkpointer (checkpointer.h).
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "engine/apply_rules.h"
#include "engine/engine_impl.h"
#include "engine/txn_codec.h"
#include "util/assert.h"
#include "util/crash_point.h"

namespace ringdb {

void EngineImpl::ApplierLoop() {
  // Bounded by Close, as the Journaler's thread.
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
  apply_stage_.AssertHeld();
  const uint64_t available = apply_consumer_->Available();
  if (available < next) {
    return next;
  }
  // The ring delivers in order and the stage hands on exactly what it passed.
  RINGDB_ASSERT(apply_consumer_->sequence() + 1 == next);
  // The apply consumer runs after the journal consumer: nothing here is not journaled yet.
  RINGDB_ASSERT(available <= journal_consumer_->sequence());
  ApplyRun(next, available);
  apply_consumer_->Release(available);  // Resolves the run's tokens.
  return available + 1;
}

// Applies every journaled transaction of one run in one RocksDB write.
void EngineImpl::ApplyRun(uint64_t first, uint64_t last) {
  const auto started = std::chrono::steady_clock::now();
  uint64_t staged = 0;
  // Journal sequences only grow along the ring: the journal stage assigned them in ring order.
  uint64_t last_journal_sequence = applier_->committed_sequence();
  for (uint64_t sequence = first; sequence <= last;) {
    const SlotMeta meta = apply_consumer_->meta(sequence);
    const uint64_t batch_last = sequence + meta.batch_slot_count - 1;
    const uint64_t journal_sequence = pipeline_.journal_sequence(batch_last);
    const uint64_t begin = sequence;
    sequence = batch_last + 1;
    if (meta.aborted || journal_sequence == 0) {
      continue;  // Skipped, or its token already failed in the journaler.
    }
    RINGDB_ASSERT(journal_sequence > last_journal_sequence);
    last_journal_sequence = journal_sequence;
    if (pipeline_.faulted()) {
      pipeline_.FailBatch(apply_consumer_, batch_last, pipeline_.FaultStatus());
      pipeline_.CountFailed(1);
      continue;
    }
    std::span<const std::byte> pieces[2];
    std::span<const std::byte> bytes;
    if (Pipeline::Gather(apply_consumer_, begin, batch_last, pieces) == 1) {
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
    pipeline_.FailBatch(apply_consumer_, batch_last, status);
    if (apply::JudgedFailed(status)) {
      conflicted_.fetch_add(1, std::memory_order_relaxed);
    } else {
      pipeline_.SetFault(status);
      // The failure may have been an early commit of this run's staged writes (Applier::Stage),
      // lost with it: none of the run so far is acknowledged.
      pipeline_.FailRun(apply_consumer_, first, batch_last, status);
      pipeline_.CountFailed(staged + 1);
      staged = 0;
    }
  }
  const Status status = applier_->Commit();
  if (!status.ok()) {
    pipeline_.SetFault(status);
    pipeline_.FailRun(apply_consumer_, first, last, status);  // Conflicts keep theirs.
    pipeline_.CountFailed(staged);
    return;
  }
  RINGDB_CRASH_POINT("apply.after_write");
  // The marker only grows, and never past what the journal made durable.
  RINGDB_ASSERT(applier_->committed_sequence() >=
                committed_sequence_.load(std::memory_order_relaxed));
  RINGDB_ASSERT(applier_->committed_sequence() <= last_journal_sequence);
  committed_sequence_.store(applier_->committed_sequence(), std::memory_order_release);
  committed_.fetch_add(staged, std::memory_order_relaxed);
  if (staged > 0) {
    apply_latency_us_.Record(MicrosSince(started));
  }
}

}  // namespace ringdb
