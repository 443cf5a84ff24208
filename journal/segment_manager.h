// SegmentManager: the files of a journal directory other than the records themselves. It keeps a
// pool of zero-filled segment files, filled by one background thread, so that the journaling
// thread's writes overwrite blocks that exist (a sync then costs about half) instead
// of extending the file; it hands them out as new segments, and takes retired segments back into
// the pool as they are (a rename, no rewrite). Old bytes in a recycled file are harmless: each
// record names its segment id, and each group write ends with a zero end marker
// (record_format.h), so the clean end of the log always reads as zeros.
//
// Nothing is written ahead of need: the pool is filled only after the journal asks
// (PrepareAhead, when its current segment has shown that the traffic will fill it), with files of
// the size the journal plans for its next segment (PlanNextSegment). A journal that writes little
// never pre-writes anything.
//
// Thread safety: CreateSegment, RetireFile, PlanNextSegment, PrepareAhead and SyncDir are called
// by the journaling thread; the background thread only touches pool files; ready_count() and
// ready_file_bytes() from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ringdb/env.h"
#include "ringdb/logger.h"
#include "util/mutex.h"
#include "util/thread_annotations.h"

namespace ringdb::journal {

class SegmentManager {
 public:
  // pool_target: files kept ready once segments have reached segment_size_bytes_max; while they
  // are still growing, one (the next segment's: the one after it will be larger).
  SegmentManager(Env* env, std::string dir, uint64_t segment_size_bytes_max, uint32_t pool_target,
                 spdlog::logger* logger);
  SegmentManager(const SegmentManager&) = delete;
  SegmentManager& operator=(const SegmentManager&) = delete;
  ~SegmentManager();  // Stops the background thread after its current file.

  // Adopts the pool files found by the scan (their sizes read here), deletes the ones a crash left
  // unfinished, and starts the background thread. Writes nothing.
  Status Start(const std::vector<std::string>& pool_files);
  // The file for a new segment of capacity_bytes: the oldest ready pool file at least that long,
  // renamed (prewritten = true; ready files too short for it are deleted on the way), or a new
  // file sized to capacity_bytes without writing it (sparse), when none is (the hot path never
  // waits for zero-filling). Its name and length are durable when this returns; the file may be
  // longer than capacity_bytes; it is handed out through segment (null on failure). Clears the
  // request of PrepareAhead: the new segment has to show its own need.
  Status CreateSegment(const std::string& name, uint64_t capacity_bytes, bool* prewritten,
                       std::unique_ptr<WritableFile>* segment);
  // The capacity the journal plans for its next segment: the size of the files pre-written from
  // now on, and the least size of a retired file worth recycling.
  void PlanNextSegment(uint64_t capacity_bytes);
  // Fills the pool up to its target with files of the planned size, in the background.
  void PrepareAhead();
  // Size of the ready file the next CreateSegment would consider first; 0 when none is ready.
  uint64_t ready_file_bytes() const;
  // Takes a retired segment back into the pool (renamed, ready at once) when the pool is short and
  // the file is at least the planned size, otherwise deletes it. The caller syncs the directory
  // once for a batch.
  Status RetireFile(const std::string& name, uint64_t file_size_bytes);
  Status SyncDir();
  uint32_t ready_count() const;
  // Stops pre-writing without waiting (the journal failed and takes no more segments); the
  // background thread ends after the file it is on. Any thread.
  void StopPrewriting();

 private:
  struct PoolFile {
    std::string name;
    uint64_t size_bytes = 0;
  };

  void Run();
  // One unit of background work: create and zero-fill a new pool file. False when idle.
  bool PrepareOne();
  Status ZeroFill(const std::string& name, uint64_t size_bytes);
  // Takes the oldest ready file of at least capacity_bytes out of the pool; deletes shorter ones
  // met before it. Empty when there is none.
  std::string TakeReadyFile(uint64_t capacity_bytes);
  bool ShortOfTarget() const REQUIRES(mutex_);

  Env* const env_;
  const std::string dir_;
  const uint64_t segment_size_bytes_max_;
  const uint32_t pool_target_;
  spdlog::logger* const logger_;
  std::vector<std::byte> zeros_;  // Background thread only; allocated on its first file.

  mutable Mutex mutex_;
  CondVar work_;
  std::deque<PoolFile> ready_ GUARDED_BY(mutex_);  // Oldest first.
  uint32_t in_progress_ GUARDED_BY(mutex_) = 0;
  uint64_t next_counter_ GUARDED_BY(mutex_) = 1;
  uint64_t planned_bytes_ GUARDED_BY(mutex_) = 0;  // 0 until the journal plans a segment.
  bool requested_ GUARDED_BY(mutex_) = false;      // PrepareAhead since the last segment.
  bool stop_ GUARDED_BY(mutex_) = false;
  bool failed_ GUARDED_BY(mutex_) = false;  // The first failure stops pre-writing.
  std::thread thread_;
};

}  // namespace ringdb::journal
