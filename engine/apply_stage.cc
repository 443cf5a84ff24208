#include "engine/apply_stage.h"

#include <chrono>
#include <cstring>

#include "engine/apply_rules.h"
#include "util/assert.h"
#include "util/crash_point.h"
#include "util/thread_name.h"

namespace ringdb {

ApplyStage::ApplyStage(Applier* applier, Consumer* consumer, const Consumer* journal_consumer,
                       Pipeline* pipeline, uint32_t transaction_bytes_max)
    : consumer_(consumer),
      journal_consumer_(journal_consumer),
      pipeline_(pipeline),
      applier_(applier),
      scratch_(transaction_bytes_max),
      committed_sequence_(applier != nullptr ? applier->committed_sequence() : 0) {
  RINGDB_ASSERT(applier != nullptr && consumer_ != nullptr && journal_consumer_ != nullptr &&
                pipeline_ != nullptr);
}

ApplyStage::~ApplyStage() {
  RINGDB_ASSERT(!thread_.joinable());  // The engine joins it before tearing the stage down.
}

void ApplyStage::Start() {
  RINGDB_ASSERT(!thread_.joinable());
  thread_ = std::thread([this] { Loop(); });
  internal::NameThread(thread_, "ringdb:apply");
}

void ApplyStage::JoinThread() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void ApplyStage::Loop() {
  // Bounded by Close, as the journal stage's thread.
  for (;;) {
    if (!consumer_->WaitAvailable(stage_.next()).ok()) {
      break;
    }
    if (!stage_.Run([this](uint64_t next) { return Pass(next); })) {
      break;
    }
  }
}

uint64_t ApplyStage::Pass(uint64_t next) {
  stage_.AssertHeld();
  const uint64_t available = consumer_->Available();
  if (available < next) {
    return next;
  }
  // The ring delivers in order and the stage hands on exactly what it passed.
  RINGDB_ASSERT(consumer_->sequence() + 1 == next);
  // The apply consumer runs after the journal consumer: nothing here is not journaled yet.
  RINGDB_ASSERT(available <= journal_consumer_->sequence());
  ApplyRun(next, available);
  consumer_->Release(available);  // Resolves the run's tokens.
  return available + 1;
}

// Applies every journaled transaction of one run in one RocksDB write.
void ApplyStage::ApplyRun(uint64_t first, uint64_t last) {
  const auto started = std::chrono::steady_clock::now();
  uint64_t staged = 0;
  // Journal sequences only grow along the ring: the journal stage assigned them in ring order.
  uint64_t last_journal_sequence = applier_->committed_sequence();
  for (uint64_t sequence = first; sequence <= last;) {
    const SlotMeta meta = consumer_->meta(sequence);
    const uint64_t batch_last = sequence + meta.batch_slot_count - 1;
    const uint64_t journal_sequence = pipeline_->journal_sequence(batch_last);
    const uint64_t begin = sequence;
    sequence = batch_last + 1;
    if (meta.aborted || journal_sequence == 0) {
      continue;  // Skipped, or its token already failed in the journal stage.
    }
    RINGDB_ASSERT(journal_sequence > last_journal_sequence);
    last_journal_sequence = journal_sequence;
    if (pipeline_->faulted()) {
      pipeline_->FailBatch(consumer_, batch_last, pipeline_->FaultStatus());
      pipeline_->CountFailed(1);
      continue;
    }
    const Status status = applier_->Stage(Bytes(begin, batch_last), journal_sequence);
    if (status.ok()) {
      ++staged;
      continue;
    }
    pipeline_->FailBatch(consumer_, batch_last, status);
    if (apply::JudgedFailed(status)) {
      conflicted_.fetch_add(1, std::memory_order_relaxed);
    } else {
      pipeline_->SetFault(status);
      // The failure may have been an early commit of this run's staged writes (Applier::Stage),
      // lost with it: none of the run so far is acknowledged.
      pipeline_->FailRun(consumer_, first, batch_last, status);
      pipeline_->CountFailed(staged + 1);
      staged = 0;
    }
  }
  const Status status = applier_->Commit();
  if (!status.ok()) {
    pipeline_->SetFault(status);
    pipeline_->FailRun(consumer_, first, last, status);  // Conflicts keep theirs.
    pipeline_->CountFailed(staged);
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

std::span<const std::byte> ApplyStage::Bytes(uint64_t first, uint64_t last) {
  std::span<const std::byte> pieces[2];
  if (Pipeline::Gather(consumer_, first, last, pieces) == 1) {
    return pieces[0];
  }
  std::memcpy(scratch_.data(), pieces[0].data(), pieces[0].size());
  std::memcpy(scratch_.data() + pieces[0].size(), pieces[1].data(), pieces[1].size());
  return std::span<const std::byte>(scratch_.data(), pieces[0].size() + pieces[1].size());
}

}  // namespace ringdb
