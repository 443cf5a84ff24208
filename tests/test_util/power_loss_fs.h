// PowerLossFileSystem: a rocksdb::FileSystem over a real directory that can lose power, so that a
// test can put RocksDB through the same crash the journal's FaultInjectionEnv simulates.
//
// It forwards every call to the wrapped file system (the default one) and keeps, for every file
// RocksDB writes through it, the bytes written and the bytes known durable (as of the file's last
// Sync or Fsync; RangeSync and Close are not syncs), and, per directory, the creations, renames,
// links and deletions not yet made durable by an FSDirectory::Fsync of that directory.
//   - CutPower() is the instant of the loss: from then on every write, sync, truncate, create,
//     rename, link, delete and directory sync fails with an I/O error, so nothing the dying
//     process does afterwards reaches the disk. Reads go on (they see the page cache).
//   - CutPowerAt(n) arms the same cut for a later instant: the next n such operations go through
//     and the one after them is the first to fail, so that a loop over n can fail RocksDB at
//     each step of a flush or compaction in turn.
//   - SetFullDisk(true) makes the cut a full disk instead: from then on only appends fail, with
//     NoSpace (ENOSPC), while syncs, creations, renames and deletions go on, tracked as before,
//     so that a SimulatePowerLoss after it drops what was not synced by then.
//   - SimulatePowerLoss(mode, seed), once every file RocksDB opened is closed (the DB destroyed),
//     rewrites the directory to what survives: files are truncated to their durable size
//     (kDropUnsynced) or to it plus a random part of what was written after it
//     (kKeepRandomPrefix); then the directory changes not covered by a directory fsync are undone,
//     newest first (kDropUnsynced, kKeepRandomPrefix and kLoseUnsyncedEntries, which keeps every
//     byte written).
//   - SimulateProcessCrash(), once every file RocksDB opened is closed, is a kill -9: it changes
//     nothing on disk and lifts the cut, and the same object serves the next open with its
//     bookkeeping intact, so that the bytes and directory changes the dead process left unsynced
//     stay unsynced (the page cache kept them, no sync wrote them) and a later SimulatePowerLoss
//     still drops them. Any number of process crashes may come before a power loss.
// A renamed directory takes its files' bookkeeping and its pending entries with it (a directory
// handle opened before the rename syncs it under its new name); undoing the rename brings them
// back under the old name.
// Deleted and replaced files are kept as hard links in a side directory until a directory fsync
// makes their removal durable, so that a lost deletion or rename can be undone.
//
// Files present when the file system is created count as durable: a new object is right after a
// power loss (everything left on disk is what survived), wrong after a process crash (it would
// make every unsynced byte durable), which is what SimulateProcessCrash is for. Directories are
// durable once created (as in FaultInjectionEnv). Log recycling (ReuseWritableFile) is refused:
// ringdb never enables it, and modelling an overwrite in place is not needed.
//
// Thread safety: every method is thread-safe (one mutex). Lifetimes: the object must outlive the
// rocksdb::DB that uses it (through rocksdb::NewCompositeEnv); after SimulatePowerLoss it is spent
// and a new one serves the next open.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include "test_util/fault_injection_env.h"

namespace ringdb {

class PowerLossFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  using Mode = FaultInjectionEnv::CrashMode;

  // side_dir: an empty or missing directory on the same file system as the database, outside it,
  // for the hard links that keep deleted and replaced files.
  PowerLossFileSystem(const std::shared_ptr<rocksdb::FileSystem>& target, std::string side_dir);
  ~PowerLossFileSystem() override;

  const char* Name() const override { return "PowerLossFileSystem"; }

  void CutPower();
  // Cuts the power right before the (n+1)-th write, sync, truncate, create, rename, link, delete
  // or directory sync from now on; CutPowerAt(0) cuts at the next one. Closing a file does not
  // count. No effect once the power is cut.
  void CutPowerAt(uint64_t n);
  // Whether a cut, now or later, is a full disk rather than a power loss.
  void SetFullDisk(bool full_disk);
  // Whether the cut (either kind) has happened.
  bool power_cut() const;
  // Requires CutPower() first and every file closed; mode is a power loss (not kProcessCrash).
  // Returns a description of what was lost, for the log of a failing run.
  std::string SimulatePowerLoss(Mode mode, uint64_t seed);
  // Requires every file closed. Lifts the cut (and a full disk); keeps what is unsynced pending.
  // Returns a description of what stays pending, for the log of a failing run.
  std::string SimulateProcessCrash();

  struct Counters {
    uint64_t file_syncs = 0;
    uint64_t dir_syncs = 0;
    uint64_t refused_after_cut = 0;
    uint64_t operations = 0;  // writes, syncs, creations, renames, ... that went through
    // The first kRefusalsKept refusals, oldest first, as "operation path", for a failing test's
    // message.
    std::vector<std::string> refusals;
  };
  static constexpr size_t kRefusalsKept = 16;
  Counters counters() const;

  rocksdb::IOStatus NewWritableFile(const std::string& path, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus ReopenWritableFile(const std::string& path, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus ReuseWritableFile(const std::string& path, const std::string& old_path,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus NewRandomRWFile(const std::string& path, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSRandomRWFile>* result,
                                    rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus NewDirectory(const std::string& path, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result,
                                 rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus DeleteFile(const std::string& path, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus RenameFile(const std::string& source, const std::string& target,
                               const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus LinkFile(const std::string& source, const std::string& target,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus Truncate(const std::string& path, size_t size,
                             const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus CreateDir(const std::string& path, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus CreateDirIfMissing(const std::string& path, const rocksdb::IOOptions& options,
                                       rocksdb::IODebugContext* debug) override;
  rocksdb::IOStatus DeleteDir(const std::string& path, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* debug) override;

  struct State;

 private:
  rocksdb::IOStatus OpenWritable(const std::string& path, const rocksdb::FileOptions& options,
                                 bool reopen, std::unique_ptr<rocksdb::FSWritableFile>* result,
                                 rocksdb::IODebugContext* debug);

  std::shared_ptr<State> state_;
};

// RocksDB's Env over a PowerLossFileSystem. After a failed background flush or compaction RocksDB
// pauses for a second before going on, and Close waits for it; a machine without power (or a disk
// that failed) has nothing to wait for, so the pause is skipped once the power is cut.
class NoPauseAfterCutEnv final : public rocksdb::EnvWrapper {
 public:
  NoPauseAfterCutEnv(std::unique_ptr<rocksdb::Env> target, const PowerLossFileSystem* fs)
      : EnvWrapper(target.get()), owned_(std::move(target)), fs_(fs) {}
  const char* Name() const override { return "NoPauseAfterCutEnv"; }
  void SleepForMicroseconds(int micros) override {
    if (!fs_->power_cut()) {
      EnvWrapper::SleepForMicroseconds(micros);
    }
  }

 private:
  std::unique_ptr<rocksdb::Env> owned_;
  const PowerLossFileSystem* fs_;
};

}  // namespace ringdb
