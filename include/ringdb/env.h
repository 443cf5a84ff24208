// ringdb::Env: the file layer. Every byte the journal reads or writes goes through an Env, so that
// a test can put a fault-injecting one underneath (tests/test_util/fault_injection_env.h) and
// check what happens when a write is torn, a sync fails or a directory entry is lost.
//
// The interface is deliberately small: positional reads and writes (a journal overwrites pre-zeroed
// segments, so an append-only file type would not do), data sync and full sync, truncate, and the
// few directory operations a database needs (create, list, rename, delete, directory sync, lock).
//
// Errors are returned as Status::IOError whose message names the operation, the path and the errno
// by name, e.g. "write 000...3.journal: ENOSPC (No space left on device)". Callers that must tell
// ENOSPC apart (to say so clearly) use IsNoSpace().
//
// Thread safety: an Env is shared and thread-safe. A file object is used by one thread at a time.
// Lifetimes: Env::Default() lives for the whole process; files must be destroyed before their Env.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ringdb/result.h"
#include "ringdb/status.h"

namespace ringdb {

// A file open for positional writes. Not thread-safe.
class WritableFile {
 public:
  WritableFile() = default;
  WritableFile(const WritableFile&) = delete;
  WritableFile& operator=(const WritableFile&) = delete;
  virtual ~WritableFile() = default;

  // Writes some prefix of data at offset and returns how many bytes it wrote: a short write is not
  // an error (POSIX allows it), so callers loop; see WriteFully(). Never returns 0 for non-empty
  // data without an error.
  virtual Result<uint64_t> WriteAt(uint64_t offset, std::span<const std::byte> data) = 0;
  // fdatasync: the data written so far, and the metadata needed to read it back, are durable.
  virtual Status SyncData() = 0;
  // fsync: like SyncData, and every other metadata (a new file's size after zero-filling).
  virtual Status SyncAll() = 0;
  virtual Status Truncate(uint64_t size_bytes) = 0;
  virtual Result<uint64_t> Size() const = 0;
  // Closing does not sync. Destroying an open file closes it and ignores the close error.
  virtual Status Close() = 0;
};

// Writes all of data at offset, looping over short writes (bounded: each pass writes >= 1 byte).
Status WriteFully(WritableFile* file, uint64_t offset, std::span<const std::byte> data);

// A file open for positional reads. Thread-safe for concurrent ReadAt calls.
class ReadableFile {
 public:
  ReadableFile() = default;
  ReadableFile(const ReadableFile&) = delete;
  ReadableFile& operator=(const ReadableFile&) = delete;
  virtual ~ReadableFile() = default;

  // Reads up to out.size() bytes at offset; fewer only at the end of the file.
  virtual Result<uint64_t> ReadAt(uint64_t offset, std::span<std::byte> out) const = 0;
  virtual Result<uint64_t> Size() const = 0;
};

// An exclusive lock on a file, held until the object is destroyed (LockFile()).
class FileLock {
 public:
  FileLock() = default;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  virtual ~FileLock() = default;
};

enum class OpenMode : uint8_t {
  kCreateOrOpen,  // Creates the file if missing; keeps existing contents.
  kCreateNew,     // Fails if the file exists.
  kOpenExisting,  // Fails if the file is missing.
};

// The calls that create an object (OpenWritable, OpenReadable, OpenReadableFromDevice, LockFile)
// hand it to the caller the way the rest of ringdb does: they return a Status, and the object
// through their last parameter, `out`, which holds it on success and is null on failure. ringdb
// never passes a null `out`, so an Env of one's own need not check for it; Env::Default() answers
// one with Status::InvalidArgument all the same.
class Env {
 public:
  Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  virtual ~Env() = default;

  // The POSIX file system. Never null, never destroyed.
  static Env* Default();

  virtual Status OpenWritable(const std::string& path, OpenMode mode,
                              std::unique_ptr<WritableFile>* out) = 0;
  virtual Status OpenReadable(const std::string& path, std::unique_ptr<ReadableFile>* out) = 0;
  // Opens path for reads of what the storage device holds, bypassing the page cache (O_DIRECT).
  // After a failed fsync the kernel may keep pages readable that it never wrote and never will;
  // recovery reads the end of the journal this way so that it builds only on bytes that a power
  // loss cannot take away. Where the file system has no cache to bypass (tmpfs, whose cache is
  // its storage) this is an ordinary read.
  virtual Status OpenReadableFromDevice(const std::string& path,
                                        std::unique_ptr<ReadableFile>* out) = 0;
  // Creates the directory (not its parents); OK if it already exists.
  virtual Status CreateDir(const std::string& path) = 0;
  // The names (not paths) of the entries of a directory, without "." and "..", unordered.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  virtual Status DeleteFile(const std::string& path) = 0;
  // Removes an empty directory; an IOError when it holds anything. The default, for an Env
  // written before this call existed, answers NotSupported (a failed backup then leaves its
  // empty journal/ directory behind).
  virtual Status DeleteDir(const std::string& path) {
    return Status::NotSupported("DeleteDir " + path + ": this Env does not remove directories");
  }
  // Atomically replaces target if it exists.
  virtual Status RenameFile(const std::string& source, const std::string& target) = 0;
  // Makes the directory's entries (creations, renames, deletions) durable.
  virtual Status SyncDir(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  // Takes an exclusive lock on path (creating it): a second holder, in this process or another,
  // gets Status::Busy naming the path.
  virtual Status LockFile(const std::string& path, std::unique_ptr<FileLock>* out) = 0;
};

// True when status is the I/O error the Env returns for a full disk (ENOSPC).
bool IsNoSpace(const Status& status);

// An Env that forwards every call to another; a test overrides only what it changes.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  Status OpenWritable(const std::string& path, OpenMode mode,
                      std::unique_ptr<WritableFile>* out) override {
    return target_->OpenWritable(path, mode, out);
  }
  Status OpenReadable(const std::string& path, std::unique_ptr<ReadableFile>* out) override {
    return target_->OpenReadable(path, out);
  }
  Status OpenReadableFromDevice(const std::string& path,
                                std::unique_ptr<ReadableFile>* out) override {
    return target_->OpenReadableFromDevice(path, out);
  }
  Status CreateDir(const std::string& path) override { return target_->CreateDir(path); }
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return target_->ListDir(path);
  }
  Status DeleteFile(const std::string& path) override { return target_->DeleteFile(path); }
  Status DeleteDir(const std::string& path) override { return target_->DeleteDir(path); }
  Status RenameFile(const std::string& source, const std::string& target) override {
    return target_->RenameFile(source, target);
  }
  Status SyncDir(const std::string& path) override { return target_->SyncDir(path); }
  bool FileExists(const std::string& path) override { return target_->FileExists(path); }
  Status LockFile(const std::string& path, std::unique_ptr<FileLock>* out) override {
    return target_->LockFile(path, out);
  }

 private:
  Env* target_;
};

}  // namespace ringdb
