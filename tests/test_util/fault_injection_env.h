// FaultInjectionEnv: an in-memory file system that can be broken on purpose, for the tests of the
// journal, the engine and reliability (linked from the ringdb_fault_injection_env library).
//
// It models the page cache and the storage device apart, as Linux keeps them, and both outlive a
// process: the Env object is the machine, and a test "restarts the process" by dropping every
// file and lock it opened (SimulateCrash(kProcessCrash)) and opening the files again.
// - Each file has the bytes the device holds, the bytes reads see (the page cache), and the
//   writes and truncates in between (dirty: in the cache, not yet on the device), in order. A
//   successful SyncData/SyncAll writes the dirty ones back: the device then holds them.
// - A process crash (kProcessCrash, kill -9) changes nothing the kernel holds: unsynced bytes stay
//   readable and stay unsynced, unsynced directory entries stay visible and stay not durable. Only
//   the process's open files (every later call fails with EIO) and locks go. A power loss may
//   follow any number of process crashes and still drops what no sync made durable.
// - A power loss (kDropUnsynced, kKeepRandomPrefix, kLoseUnsyncedEntries) leaves each file with
//   what its device holds: nothing dirty (kDropUnsynced), a random prefix of the dirty writes (a
//   torn write: the last one kept in part), or every dirty write (kLoseUnsyncedEntries: the kernel
//   wrote the data back but no directory sync happened). Directory entries created, renamed or
//   deleted since the directory's last SyncDir are undone (every mode); so is a directory created
//   since its parent's last SyncDir, with everything in it.
// - A failed sync comes in two flavours. kPagesStayDirty: the data stays in the cache, dirty; a
//   later successful sync writes it. kPagesLost, Linux (ext4) after a write-back error: the failed
//   sync marks the dirty pages clean without writing them. Reads through OpenReadable still see
//   those bytes, but no later sync writes them, and a power loss, or a read of the device
//   (OpenReadableFromDevice), shows the device's bytes without them. Modelled per byte, not per
//   page: a later write next to lost bytes does not carry them to the device, as a write to the
//   same 4 KiB page would on Linux; the model is the harsher of the two.
// - OpenReadableFromDevice reads what the device holds after the kernel wrote back the file's
//   dirty writes (Linux writes dirty pages back before an O_DIRECT read), so it shows the device's
//   bytes plus the dirty writes, never the lost ones. The read does not make the dirty writes
//   durable: the device's own cache is not flushed by it, so a power loss can still drop them.
// - CutPower freezes the files at one instant (a kill -9 or a power loss happens there): every
//   later write, sync, truncate, create, rename, delete and directory sync fails with EIO, so
//   nothing a dying process does afterwards reaches the cache or the device. SimulateCrash then
//   decides what of the frozen state survives, and lifts the freeze.
// - The n-th write or sync (counted from when the fault is armed) fails with EIO (or any errno),
//   once or from then on; a space limit makes writes fail with ENOSPC; short writes make every
//   WriteAt write at most half of what it was given.
// Counters (writes, file syncs, directory syncs) let a test assert what the code under test did,
// e.g. that a failed fdatasync was not followed by a second one.
//
// Thread safety: every method is thread-safe (one mutex). Lifetimes: files and locks must be
// destroyed before the Env; after SimulateCrash, files opened before it fail every write, sync and
// truncate with EIO, and locks taken before it are released (their holders died).
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
    // Process crash (kill -9): the page cache and the device are as they were; unsynced bytes and
    // directory entries stay readable and visible, and stay unsynced for a later power loss.
    kProcessCrash,
    // Power loss after the kernel wrote the dirty data back but before the directory changes were
    // made durable: every dirty byte survives (not the lost ones of a failed sync), entries not
    // covered by a SyncDir do not.
    kLoseUnsyncedEntries,
  };
  // What a failed sync does to the dirty writes of its file.
  enum class SyncFailure : uint8_t {
    kPagesStayDirty,  // Still dirty: a later successful sync writes them.
    kPagesLost,       // Marked clean unwritten: readable from the cache, never on the device.
  };

  FaultInjectionEnv();
  ~FaultInjectionEnv() override;

  // The nth WriteAt from now (1 = the next one) fails with error_number; when sticky, every later
  // one fails too. nth = 0 disarms.
  void FailWrite(uint64_t nth, bool sticky, int error_number = 5 /*EIO*/);
  // The nth SyncData/SyncAll from now fails, once or (sticky) from then on; the data it should
  // have written stays dirty.
  void FailSync(uint64_t nth, bool sticky, int error_number = 5 /*EIO*/);
  // Like FailSync, with the given flavour: kPagesLost makes every failing sync mark its file's
  // dirty writes clean without writing them (see the header comment).
  void FailSync(uint64_t nth, bool sticky, SyncFailure failure, int error_number = 5 /*EIO*/);
  // Writes that would make the files' total allocated size exceed limit_bytes fail with ENOSPC.
  // A file extended by Truncate takes no space until its hole is written, as on ext4. UINT64_MAX
  // (the default) means no limit.
  void SetSpaceLimit(uint64_t limit_bytes);
  void SetShortWrites(bool enabled);
  // Write and sync faults, and the write and sync counters, concern only files whose path ends
  // with path_suffix (e.g. ".journal": the segments, not the pool files a background thread
  // pre-writes at moments a test cannot predict). Empty, the default, means every file.
  void SetFaultScope(std::string path_suffix);
  void ClearFaults();  // Also clears the scope.

  // The instant of a crash or a power loss: from now on every call that would change a file or a
  // directory fails with EIO (reads go on, and see what was written), until SimulateCrash.
  void CutPower();
  // Applies the crash to every file and to the directory entries (a process crash: to neither),
  // invalidates open files, releases locks and lifts a CutPower. seed drives kKeepRandomPrefix.
  void SimulateCrash(CrashMode mode, uint64_t seed);

  uint64_t write_count() const;     // WriteAt calls in scope, failed ones included.
  uint64_t sync_count() const;      // SyncData and SyncAll calls in scope, failed ones included.
  uint64_t dir_sync_count() const;  // SyncDir calls.
  void ResetCounters();
  // Bytes of dirty writes (not yet on the device, not lost) in every file a power loss could
  // leave, and bytes that failed syncs marked clean without writing (kPagesLost) and that reads
  // still see. Figures for a test to show that a crash left something for a power loss to take.
  uint64_t unsynced_bytes() const;
  uint64_t lost_bytes() const;

  // Test helpers: read a file's bytes as the cache shows them, or replace them directly (a
  // replacement counts as synced, and its directory entry and directory as durable).
  Result<std::vector<std::byte>> ReadAll(const std::string& path);
  void WriteAll(const std::string& path, std::vector<std::byte> bytes);
  uint64_t total_bytes() const;  // Allocated bytes, as SetSpaceLimit counts them.

  Status OpenWritable(const std::string& path, OpenMode mode,
                      std::unique_ptr<WritableFile>* out) override;
  Status OpenReadable(const std::string& path, std::unique_ptr<ReadableFile>* out) override;
  Status OpenReadableFromDevice(const std::string& path,
                                std::unique_ptr<ReadableFile>* out) override;
  Status CreateDir(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override;
  Status DeleteFile(const std::string& path) override;
  Status DeleteDir(const std::string& path) override;
  Status RenameFile(const std::string& source, const std::string& target) override;
  Status SyncDir(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* out) override;

  struct Node;
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ringdb
