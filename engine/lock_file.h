// The directory lock: one engine per database directory, across processes and within one.
//
// flock(2) on <path>/LOCK, taken with a fresh open(2) each time: flock locks belong to the open
// file description, so a second Open in the same process conflicts exactly like one in another
// process, and the kernel drops the lock when its holder dies (kill -9 included), so no stale
// lock ever needs cleaning up. fcntl locks were rejected: they are per process, so a second Open
// in the same process would silently succeed, and closing any descriptor of the file drops them.
#pragma once

#include <string>

#include "ringdb/status.h"

namespace ringdb {

class LockFile {
 public:
  LockFile() = default;
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;
  ~LockFile();

  // Takes the lock on `path` (created if missing). Busy when someone else holds it.
  Status Acquire(const std::string& path);
  // Releases the lock; idempotent.
  void Release();
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace ringdb
