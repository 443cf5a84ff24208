// The files of a backup, shared by Engine::Backup and ReadOnlyDatabase::Backup.
//
// A backup is written into its directory in place, and a power cut can stop it anywhere. So that
// what it leaves is never taken for a database, the directory holds a marker file from its first
// durable step to its last: Begin writes BACKUP-INCOMPLETE and syncs it before anything else is
// written, and Finish removes it only once every file and directory entry of the backup is durable.
// Engine::Open and ReadOnlyDatabase::Open refuse a directory that holds the marker
// (CheckNotIncomplete). A power cut therefore leaves an empty directory, one they refuse with a
// clear error, or the whole backup.
//
// Every call goes through the given Env; RocksDB's part of a backup goes through RocksDB's own
// file system, and its caller makes that part durable before Finish.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <rocksdb/file_system.h>

#include "ringdb/env.h"
#include "ringdb/status.h"

namespace ringdb::backup {

inline constexpr const char* kIncompleteMarker = "BACKUP-INCOMPLETE";
// The database's lock file (LockDatabase): a backup holds it in its directory while it runs.
inline constexpr const char* kLockFile = "LOCK";

// Accepts a missing directory, an empty one, or one holding only the marker (and lock file) of a
// backup that did not finish and was cleared by Abandon; InvalidArgument for anything else.
// Creates the directory and its missing parents, syncs each new entry into its parent, takes the
// directory's lock into *lock (Busy while another backup or an engine holds it), then writes the
// marker and syncs it and its entry. The caller holds *lock until the backup ends.
Status Begin(Env* env, const std::string& dir, std::unique_ptr<FileLock>* lock);

// Copies the first `length` bytes of a journal segment (what its committed groups wrote), then
// the zero end marker that ends every group, into a new file, and syncs it. NotFound when the
// source is gone; Corruption when it ends before `length`.
Status CopySegmentPrefix(Env* env, const std::string& source, const std::string& target,
                         uint64_t length);

// Syncs dir/journal and dir, then removes the marker and syncs dir again. The caller has made
// every file, and RocksDB's directories, durable before.
Status Finish(Env* env, const std::string& dir);

// After a failure: writes the marker again (durably; if that fails, removes nothing), then
// removes the journal copy and OPTIONS, keeping the marker, so that the directory
// is refused by every open and a later Backup into it starts afresh. Best effort: a removal that
// fails leaves the directory marked all the same. RocksDB's copy is the caller's to remove.
void Abandon(Env* env, const std::string& dir);

// Removes a copy of RocksDB's files (a flat directory, and RocksDB's own db.tmp beside it) through
// RocksDB's file system, after a failure; best effort.
void AbandonRocksDb(rocksdb::FileSystem* fs, const std::string& db_dir);

// Corruption naming the directory and what to do when it holds the marker; OK otherwise.
Status CheckNotIncomplete(Env* env, const std::string& db_path);

// Appends to a failed backup's status that the directory is marked incomplete.
Status Failed(const Status& status, const std::string& dir);

}  // namespace ringdb::backup
