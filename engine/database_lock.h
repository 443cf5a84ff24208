// The database directory's lock: one engine, or one ringdb command that writes, per directory.
//
// Taken through Env::LockFile on <path>/LOCK. The POSIX Env uses flock(2) on a fresh open(2)
// each time: flock locks belong to the open file description, so a second Open in the same
// process conflicts exactly like one in another process, and the kernel drops the lock when its
// holder dies (kill -9 included), so no stale lock ever needs cleaning up. (fcntl locks would
// not do: they are per process, so a second Open in the same process would silently succeed, and
// closing any descriptor of the file drops them.)
#pragma once

#include <memory>
#include <string>

#include "ringdb/env.h"
#include "ringdb/status.h"

namespace ringdb {

// Takes the lock of the database in path through env (Env::Default() when null) and hands it out
// through lock (null on failure). Busy, saying the database is in use, when another engine or
// command holds it.
Status LockDatabase(Env* env, const std::string& path, std::unique_ptr<FileLock>* lock);

}  // namespace ringdb
