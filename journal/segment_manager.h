// SegmentManager: the files of a journal directory other than the records themselves. It keeps a
// pool of zero-filled segment files ready ahead of need, filled by one background thread, so that
// the journaling thread's writes overwrite blocks that exist (a sync then costs about half,
// BASELINES.md) instead of extending the file; it hands them out as new segments, and takes retired
// segments back into the pool as they are (a rename, no rewrite). Old bytes in a recycled file are
// harmless: each record names its segment id, and each group write ends with a zero end marker
// (record_format.h), so the clean end of the log always reads as zeros.
//
// Thread safety: CreateSegment, RetireFile and SyncDir are called by the journaling thread; the
// background thread only touches pool files; ready_count() from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ringdb/env.h"
#include "ringdb/logger.h"

namespace ringdb::journal {

class SegmentManager {
 public:
  SegmentManager(Env* env, std::string dir, uint64_t segment_size_bytes, uint32_t pool_target,
                 spdlog::logger* logger);
  SegmentManager(const SegmentManager&) = delete;
  SegmentManager& operator=(const SegmentManager&) = delete;
  ~SegmentManager();  // Stops the background thread after its current file.

  // Adopts the pool files found by the scan, makes sure one is ready (zero-filling it here, at
  // Open, rather than on the first Commit), and starts the background thread.
  Status Start(const std::vector<std::string>& pool_files);
  // The file for a new segment: a ready pool file renamed (prewritten = true), or a new file sized
  // to the segment size without writing it (sparse), when none is ready (the hot path never waits
  // for zero-filling). Its name and length are durable when this returns.
  Result<std::unique_ptr<WritableFile>> CreateSegment(const std::string& name, bool* prewritten);
  // Takes a retired segment back into the pool (renamed, ready at once) when the pool is short and
  // the file is full-size,
  // otherwise deletes it. The caller syncs the directory once for a batch.
  Status RetireFile(const std::string& name, uint64_t file_size_bytes);
  Status SyncDir();
  uint32_t ready_count() const;
  // Stops pre-writing without waiting (the journal failed and takes no more segments); the
  // background thread ends after the file it is on. Any thread.
  void StopPrewriting();

 private:
  void Run();
  // One unit of background work: create and zero-fill a new pool file. False when idle.
  bool PrepareOne();
  Status ZeroFill(const std::string& name);

  Env* const env_;
  const std::string dir_;
  const uint64_t segment_size_bytes_;
  const uint32_t pool_target_;
  spdlog::logger* const logger_;
  std::vector<std::byte> zeros_;

  mutable std::mutex mutex_;
  std::condition_variable work_;
  std::deque<std::string> ready_;  // Guarded by mutex_.
  uint32_t in_progress_ = 0;       // Guarded by mutex_.
  uint64_t next_counter_ = 1;      // Guarded by mutex_.
  bool stop_ = false;              // Guarded by mutex_.
  bool failed_ = false;            // Guarded by mutex_: the first failure stops pre-writing.
  std::thread thread_;
};

}  // namespace ringdb::journal
