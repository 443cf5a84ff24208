// ringdb::journal::Journal: the write-ahead journal, ringdb's source of truth.
//
// The engine's one journaling thread calls Add for every transaction published in the ring and
// not yet journaled, then Commit once: one write call and one fdatasync for the whole group. A
// Commit that returns OK made every record Added before it durable; durable_sequence() then gates
// the applier. The journal's sequences are the persistent transaction numbers: contiguous, starting
// after the last one on disk. Recovery (Open) checks every checksum and the hash chain across all
// segments and tells a torn tail (cut) from corruption (an error naming segment, offset and
// sequence) according to JournalOptions::recovery_mode. The format is in docs/journal_format.md.
//
// Recovery builds only on what is durable and destroys nothing it may need: it syncs the
// directory and every segment before reading them (a crashed process leaves its last group in the
// page cache, not on the disk), reads the last segment from the device rather than the cache (a
// failed fsync can leave pages readable that were never written), decides from a read-only scan,
// checks that decision against JournalOptions::applied_sequence, and only then acts; bytes it cuts
// from the log are kept in damaged/, never truncated away. The file HEAD (journal_head.h) names
// the newest segment and its length, and carries the mark of a clean close, so that a newest
// segment deleted or cut short, or damage before a clean close's end, is corruption, not a torn
// tail.
//
// Faults: a failed write or sync is never retried. The failed group and every later Add and
// Commit fail with IOError until the journal is reopened, when recovery decides from the disk.
//
// Thread safety: Add, Commit, Retire and Replay from one thread (the journaling consumer);
// durable_sequence(), last_sequence() and Info() from any thread. One Journal per directory: a
// LOCK file refuses a second, in this process or another.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "journal/journal_options.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace ringdb::journal {

class SegmentManager;
class SegmentWriter;
struct JournalHead;
struct ScanOutcome;
struct ScannedSegment;

class Journal {
 public:
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  // Stops the background pre-writer. Records Added but not Committed are dropped. Does not mark
  // the journal closed cleanly: that is Close().
  ~Journal();

  // Opens the journal in dir (creating dir when options.create_if_missing), scans every segment,
  // cuts a torn tail (logged, kept in damaged/) or returns Corruption, per
  // options.recovery_mode, and positions the writer after the last valid record. report may be
  // null.
  static Status Open(const JournalOptions& options, const std::string& dir, RecoveryReport* report,
                     std::unique_ptr<Journal>* journal);

  // Calls fn for every record holding a sequence above after_sequence, in order, reading the disk
  // (a record of several transactions that straddles after_sequence is included: the caller skips
  // the ones it has).
  // Corruption if the records just after after_sequence were retired. The Record's spans are valid
  // during the call only.
  Status Replay(uint64_t after_sequence, const std::function<Status(const Record&)>& fn);

  // Last sequence handed out by Add (durable or not).
  uint64_t last_sequence() const { return last_sequence_.load(std::memory_order_acquire); }
  // Last sequence made durable by Commit.
  uint64_t durable_sequence() const { return durable_sequence_.load(std::memory_order_acquire); }

  // Buffers one record of count transactions (count >= 1) whose payload is the concatenation of
  // pieces; no I/O, no allocation. *first_sequence receives its first sequence; the record covers
  // first_sequence .. first_sequence + count - 1. Busy when the group is full (or the segment
  // cannot take it): Commit, then Add again; nothing changed. InvalidArgument for count 0 or a
  // payload over record_bytes_max. IOError after a failed Commit.
  Status Add(uint32_t count, std::span<const std::span<const std::byte>> pieces,
             uint64_t* first_sequence);
  // Convenience for a payload in one piece.
  Status Add(uint32_t count, std::span<const std::byte> payload, uint64_t* first_sequence);

  // Writes the buffered group with one write call and makes it durable with one fdatasync (per
  // sync_mode), rolling to a new segment first when Add said so (with a directory sync). OK with
  // nothing buffered. Any failure is final: see the header comment.
  Status Commit();

  // Deletes (or recycles into the pre-written pool) every closed segment whose records are all at
  // or below through_sequence - retention_sequences. Never the segment being written, nor the
  // newest one whose header is durable (it carries the last sequence across a reopen), nor
  // anything once the journal has failed (its newest segment's state is then unknown): IOError.
  Status Retire(uint64_t through_sequence);

  // Marks the journal closed cleanly in HEAD: the log ends exactly after durable_sequence(), so a
  // damaged record before that point is reported as corruption at the next Open, never cut as a
  // torn tail. Records Added but not Committed are dropped. Fails (and marks nothing) after a
  // failed write or sync. The journal takes no more Adds afterwards.
  Status Close();

  JournalInfo Info() const;
  // True after a failed write or sync: everything but Info, Replay and Retire fails.
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  const std::string& dir() const { return dir_; }

 private:
  struct SegmentState {
    SegmentDescription description;
    uint64_t file_size_bytes = 0;
    // Its header is known to be on the disk: recovery read it, or a Commit into it synced (in
    // no-sync mode, the sync at the roll to its successor or at Close). It may be the newest on
    // disk, so Retire keeps it.
    bool header_durable = false;
    uint32_t last_checksum = 0;  // Of its last durable record.
  };

  // How recovery made sure that the end of the log it read is what the device holds.
  enum class EndCheck : uint8_t {
    kCleanClose,  // HEAD's clean close matched: every byte was synced, nothing written since.
    // The last commit group and the bytes a torn one could reach matched the device.
    kDeviceRegion,
    kDeviceScan,  // The last segment was read from the device whole.
  };
  static const char* EndCheckName(EndCheck check);

  Journal(const JournalOptions& options, std::string dir);
  Status Recover(RecoveryReport* report);
  // Syncs what recovery must read and scans it, through the page cache first; reads the last
  // segment from the device whole only when the cheaper checks cannot vouch for its end.
  Status ScanForRecovery(const std::optional<JournalHead>& head, RecoveryReport* report,
                         ScanOutcome* outcome, EndCheck* end_check);
  Status ScanOnce(const std::optional<JournalHead>& head, bool last_from_device,
                  RecoveryReport* report, ScanOutcome* outcome);
  // Compares the region of the last segment that a failed write-back could have left different
  // in the page cache and on the device: its last commit group, and past its end as far as a torn
  // group could reach.
  Status LastGroupMatchesDevice(const ScanOutcome& outcome, bool* same);
  // Makes what a crashed process left in the page cache durable before recovery reads it: the
  // newest segment (the only one a journal writes into without having synced it) and the
  // directory, or every segment when the journal's writes are not synced.
  Status SyncBeforeRecovery(bool every_segment);
  Status CheckAppliedSequence(const ScanOutcome& outcome) const;
  Status ApplyRecoveryActions(const ScanOutcome& outcome, EndCheck end_check,
                              RecoveryReport* report);
  // Keeps bytes [segment.end_offset, end) of the last segment (as the device holds them) in
  // damaged/ and zeroes them in place, so that neither the disk nor the page cache holds them in
  // the log any more.
  Status CutTail(const ScannedSegment& segment, uint64_t end, const std::string& why,
                 RecoveryReport* report);
  // The bytes just past a sound end of the last segment, where a torn group could be: when the
  // page cache holds bytes there that the device does not (a failed write-back), they are cut too.
  Status DropCacheOnlyBytes(const ScannedSegment& segment, RecoveryReport* report);
  Status MoveAside(const std::string& name, RecoveryReport* report);
  // Writes bytes cut from segment `name` at `offset` into damaged/, durably, or nothing.
  Status KeepInDamaged(const std::string& name, uint64_t offset, std::span<const std::byte> bytes,
                       std::string* kept_as, RecoveryReport* report);
  Status PruneDamaged();
  // HEAD naming the newest segment of segments_ (or none), not clean.
  Status WriteHeadForNewest();
  uint64_t TornBytesBound(const ScannedSegment& segment, const ScanOutcome& outcome) const;
  // Where the region an Open compares with the device ends, for a last segment ending at
  // end_offset: as far as a torn commit group and its end marker could reach.
  uint64_t DeviceCheckEnd(uint64_t end_offset) const;
  // Writes zeros over [begin, end) of the file, skipping nothing.
  Status ZeroRange(WritableFile* file, uint64_t begin, uint64_t end);
  Status RollSegment();
  // fsyncs segment `name` of the directory (nothing when name is empty).
  Status SyncSegmentFile(const std::string& name);
  // The planned capacity of the first segment an opened journal writes.
  uint64_t FirstSegmentBytes() const;
  // Plans the next segment's capacity (raised to a larger ready pool file), for the writer and the
  // pool, and waits for the new segment to show need before pre-writing.
  void PlanNextSegment(uint64_t capacity_bytes);
  Status Fail(const Status& cause, const std::string& what);
  // segments_ as the writing thread reads it, without mutex_. Only that thread (Add, Commit,
  // Retire, Close, and Open before any other thread can see the journal) changes segments_, and
  // always under mutex_, so its own reads race with nothing; the lock is for Info() on other
  // threads. The writing thread is whichever holds the journal: the journal stage's holder while
  // the engine runs, the closing thread once that stage has stopped. Which thread calls is beyond
  // the analysis, hence the opt-out: writing thread only.
  const std::vector<SegmentState>& WriterSegments() const NO_THREAD_SAFETY_ANALYSIS {
    return segments_;
  }

  JournalOptions options_;
  const std::string dir_;
  std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<SegmentManager> manager_;
  std::unique_ptr<SegmentWriter> writer_;

  // Written by the journaling thread (Add), read by any thread: acquire/release so that a reader
  // seeing a sequence also sees the state that led to it.
  alignas(64) std::atomic<uint64_t> last_sequence_{0};
  // Written by the journaling thread after a successful sync (release); read by the applier and
  // by producers waiting for durability (acquire). Its own cache line: it is the hot shared word.
  alignas(64) std::atomic<uint64_t> durable_sequence_{0};
  // Set once, by the journaling thread, when a write or sync fails; never cleared.
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> sparse_segments_{0};  // Written by the writer, read by Info().
  bool closed_ = false;                       // Journaling thread only: Close() ran.
  // Journaling thread only: the pool was asked to pre-write for the segment after this one.
  bool prepare_requested_ = false;
  Status failure_;  // Journaling thread only.

  // Guards segments_ for Info() from other threads; the writing thread changes segments_ under it
  // and reads it without it (WriterSegments).
  mutable Mutex mutex_;
  std::vector<SegmentState> segments_ GUARDED_BY(mutex_);
};

}  // namespace ringdb::journal
