// FaultInjectionEnv: an in-memory file system that can be broken on purpose, for the tests of the
// journal, the engine and reliability (linked from the ringdb_fault_injection_env library).
//
// It models what a crash and a sick disk do to a write-ahead log:
// - Each file keeps the bytes known durable (as of its last successful sync) apart from the bytes
//   written since; SimulateCrash drops the unsynced writes, keeps all of them, or keeps a random
//   prefix of them (a torn write: the last write kept only in part).
// - Directory entries created, renamed or deleted since the directory's last SyncDir are undone by
//   a crash; so is a directory created since its parent's last SyncDir, with everything in it.
// - CutPower freezes the files at one instant: every later write, sync, truncate, create, rename,
//   delete and directory sync fails with EIO, so nothing a dying process does afterwards persists.
//   SimulateCrash then decides what of the frozen state survives, and lifts the freeze.
// - The n-th write or sync (counted from when the fault is armed) fails with EIO (or any errno),
//   once or from then on; a space limit makes writes fail with ENOSPC; short writes make every
//   WriteAt write at most half of what it was given.
// Counters (writes, file syncs, directory syncs) let a test assert what the code under test did,
// e.g. that a failed fdatasync was not followed by a second one.
//
// Thread safety: every method is thread-safe (one mutex). Lifetimes: files and locks must be
// destroyed before the Env; after SimulateCrash, files opened before it fail every call with EIO.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "ringdb/env.h"

namespace ringdb {

class FaultInjectionEnv final : public Env {
 public:
  enum class CrashMode : uint8_t {
    kDropUnsynced,      // Power loss after the last sync: unsynced bytes are gone.
    kKeepRandomPrefix,  // Power loss mid-write: a random prefix of the unsynced writes survives.
    kKeepAll,           // Process crash: the kernel keeps everything written.
    // Power loss after the kernel wrote the data back but before the directory changes were made
    // durable: every byte written survives, entries not covered by a SyncDir do not.
    kLoseUnsyncedEntries,
  };

  FaultInjectionEnv();
  ~FaultInjectionEnv() override;

  // The nth WriteAt from now (1 = the next one) fails with error_number; when sticky, every later
  // one fails too. nth = 0 disarms.
  void FailWrite(uint64_t nth, bool sticky, int error_number = 5 /*EIO*/);
  // The nth SyncData/SyncAll from now fails, once or (sticky) from then on.
  void FailSync(uint64_t nth, bool sticky, int error_number = 5 /*EIO*/);
  // Writes that would make the files' total size exceed limit_bytes fail with ENOSPC. UINT64_MAX
  // (the default) means no limit.
  void SetSpaceLimit(uint64_t limit_bytes);
  void SetShortWrites(bool enabled);
  // Write and sync faults, and the write and sync counters, concern only files whose path ends
  // with path_suffix (e.g. ".journal": the segments, not the pool files a background thread
  // pre-writes at moments a test cannot predict). Empty, the default, means every file.
  void SetFaultScope(std::string path_suffix);
  void ClearFaults();  // Also clears the scope.

  // The instant of a power loss: from now on every call that would change a file or a directory
  // fails with EIO (reads go on, and see what was written), until SimulateCrash.
  void CutPower();
  // Applies the crash to every file and to the directory entries, invalidates open files and lifts
  // a CutPower. seed drives kKeepRandomPrefix.
  void SimulateCrash(CrashMode mode, uint64_t seed);

  uint64_t write_count() const;     // WriteAt calls in scope, failed ones included.
  uint64_t sync_count() const;      // SyncData and SyncAll calls in scope, failed ones included.
  uint64_t dir_sync_count() const;  // SyncDir calls.
  void ResetCounters();

  // Test helpers: read or replace a file's bytes directly (a replacement counts as synced, and its
  // directory entry and directory as durable).
  Result<std::vector<std::byte>> ReadAll(const std::string& path);
  void WriteAll(const std::string& path, std::vector<std::byte> bytes);
  uint64_t total_bytes() const;

  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path,
                                                     OpenMode mode) override;
  Result<std::unique_ptr<ReadableFile>> OpenReadable(const std::string& path) override;
  Result<std::unique_ptr<ReadableFile>> OpenReadableFromDevice(const std::string& path) override;
  Status CreateDir(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Status DeleteFile(const std::string& path) override;
  Status RenameFile(const std::string& source, const std::string& target) override;
  Status SyncDir(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;

  struct Node;
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ringdb
